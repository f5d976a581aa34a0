/**
 * Thread bodies (SPEC §5): HTML sanitized on the way in, plus a plain-text
 * rendering. Everything not on the allow-list below is stripped; scripting
 * vectors (event handlers, `style`, `javascript:`/`vbscript:`/`data:` URLs,
 * forms, SVG/MathML, object/embed, meta/link/base) never survive.
 *
 * Images are only kept when they point at one of our attachments
 * (`cid:<id>` or `/attachments/<id>`): we never emit, let alone fetch, a
 * user-supplied image URL (SSRF, tracking pixels). Iframes are only kept for
 * YouTube embeds, rebuilt from the parsed URL.
 */
import sanitize from 'sanitize-html';

/** Largest body (in characters of input HTML) a caller should accept; the caller checks it. */
// 256k characters: a long email thread fits; the worst-case input sanitizes in a
// fraction of a second (npm run bench:html), so one body cannot stall the server.
export const MAX_HTML_LENGTH = 256_000;

export interface SanitizeHtmlOptions {
  /**
   * Maps an attachment id (from `cid:<id>` or `/attachments/<id>`) to the URL
   * to emit, or null to drop the image. Without it, images point at
   * `/attachments/<id>`.
   */
  attachmentUrl?: (id: string) => string | null;
}

/** The download path of an attachment (its global id): what stored bodies' images point at. */
export function attachmentPath(id: string): string {
  return `/attachments/${encodeURIComponent(id)}`;
}

// An image of ours in sanitizeHtml's output: the sanitizer writes `src` first, double-quoted, as attachmentPath made it.
const STORED_ATTACHMENT_IMAGE = /(<img src=")\/attachments\/([^"?#/]+)(")/g;

/**
 * Re-points the images of a sanitized body that show our attachments: `to`
 * gets each attachment id and returns the new URL, or null to keep the image
 * as it is. The URL is escaped for the attribute.
 */
export function mapAttachmentImages(html: string, to: (id: string) => string | null): string {
  return html.replace(STORED_ATTACHMENT_IMAGE, (whole, before: string, encoded: string, after: string) => {
    let id: string;
    try {
      id = decodeURIComponent(encoded);
    } catch {
      return whole;
    }
    const url = to(id);
    return url === null ? whole : `${before}${url.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}${after}`;
  });
}

export interface SanitizedHtml {
  html: string;
  text: string;
}

const BLOCK_TAGS = [
  'p', 'div', 'blockquote', 'pre', 'ul', 'ol', 'li',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr',
  'table', 'thead', 'tbody', 'tr',
];
const INLINE_TAGS = ['br', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'code', 'span', 'sub', 'sup', 'th', 'td'];
const ALLOWED_TAGS = [...BLOCK_TAGS, ...INLINE_TAGS, 'a', 'img', 'iframe'];
const BLOCK_SET = new Set(BLOCK_TAGS);

/** Disallowed elements whose content is dropped along with them (not shown as text). */
const NON_TEXT_TAGS = [
  'script', 'style', 'textarea', 'option', 'xmp', 'noscript', 'iframe', 'frame', 'frameset',
  'noframes', 'noembed', 'template', 'title', 'svg', 'math', 'select', 'datalist',
  'applet', 'object', 'embed', 'plaintext', 'xml',
];

const LINK_SCHEMES = ['http', 'https', 'mailto'];
const LINK_REL = 'noopener noreferrer nofollow';
const LINK_TARGET = '_blank';
const YOUTUBE_HOSTS = ['www.youtube.com', 'www.youtube-nocookie.com'];

/** What browsers ignore in a URL's scheme: C0 controls and space (they strip or skip them). */
const URL_IGNORED = /[\u0000-\u0020\u007f]+/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** A link target we accept: http(s)/mailto, or a relative URL of our own site. */
function safeHref(href: string): boolean {
  const cleaned = href.replace(URL_IGNORED, '');
  if (cleaned === '') return false;
  const scheme = SCHEME.exec(cleaned);
  if (scheme) return LINK_SCHEMES.includes(scheme[1]!.toLowerCase());
  // `//host`, `\\host`, `/\host`: protocol-relative, i.e. off-site without a scheme check.
  if (/^[/\\]{2}/.test(cleaned)) return false;
  // A colon before any `/`, `?` or `#` would make a browser read a scheme we did not match.
  return !/^[^/?#]*:/.test(cleaned);
}

/** An image URL we may emit (from attachmentUrl): http(s) or a path on our own site. */
function safeImageSrc(src: string): boolean {
  if (src === '' || !safeHref(src)) return false;
  const scheme = SCHEME.exec(src.replace(URL_IGNORED, ''));
  return scheme === null || scheme[1]!.toLowerCase() !== 'mailto';
}

const CID = /^cid:([^\s/?#]{1,200})$/i;
// Also our own signed links (Attachment.downloadUrl), as a body read with signed images and saved again carries them.
const ATTACHMENT_PATH = /^\/attachments\/([^/?#]{1,200})(?:\?expires=\d{1,12}&signature=[A-Za-z0-9_-]{43})?$/;
/** Our ids are base64url; mail clients' Content-IDs add `.`, `@` and the like. Nothing that could form a scheme or markup. */
const ATTACHMENT_ID = /^[A-Za-z0-9._@+=~-]{1,200}$/;

/** The attachment id an image points at, or null when it points anywhere else. */
function attachmentIdOf(src: string): string | null {
  const trimmed = src.trim();
  const match = CID.exec(trimmed) ?? ATTACHMENT_PATH.exec(trimmed);
  if (!match) return null;
  try {
    const id = decodeURIComponent(match[1]!);
    return ATTACHMENT_ID.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** The canonical embed URL for a YouTube iframe src, or null. */
function youtubeEmbed(src: string): string | null {
  let url: URL;
  try {
    url = new URL(src.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || !YOUTUBE_HOSTS.includes(url.hostname)) return null;
  if (url.username !== '' || url.password !== '' || url.port !== '') return null;
  const path = /^\/embed\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
  if (!path) return null;
  // Player parameters (start=30, si=…, rel=0): kept only when made of plain characters.
  const search = /^\?[A-Za-z0-9_.%=&-]{1,500}$/.test(url.search) ? url.search : '';
  return `https://${url.hostname}/embed/${path[1]}${search}`;
}

const DIMENSION = /^\d{1,4}%?$/;

function keepDimensions(from: sanitize.Attributes, to: sanitize.Attributes): void {
  for (const name of ['width', 'height']) {
    const value = from[name]?.trim();
    if (value !== undefined && DIMENSION.test(value)) to[name] = value;
  }
}

function buildOptions(options: SanitizeHtmlOptions): sanitize.IOptions {
  const attachmentUrl = options.attachmentUrl ?? attachmentPath;
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'rel', 'target', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      iframe: ['src', 'width', 'height', 'allowfullscreen', 'frameborder', 'title'],
      ol: ['start'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan'],
    },
    allowedSchemes: LINK_SCHEMES,
    allowedSchemesByTag: { img: ['http', 'https'], iframe: ['https'] },
    allowProtocolRelative: false,
    allowedIframeHostnames: YOUTUBE_HOSTS,
    allowIframeRelativeUrls: false,
    disallowedTagsMode: 'discard',
    nonTextTags: NON_TEXT_TAGS,
    parseStyleAttributes: false,
    transformTags: {
      a: (_tagName, attribs) => {
        const out: sanitize.Attributes = { rel: LINK_REL, target: LINK_TARGET };
        if (attribs.href !== undefined && safeHref(attribs.href)) out.href = attribs.href.trim();
        if (attribs.title !== undefined) out.title = attribs.title;
        return { tagName: 'a', attribs: out };
      },
      img: (_tagName, attribs) => {
        const id = attribs.src === undefined ? null : attachmentIdOf(attribs.src);
        const src = id === null ? null : attachmentUrl(id);
        // A bare <img /> is removed from the output afterwards (see REJECTED).
        if (src === null || !safeImageSrc(src)) return { tagName: 'img', attribs: {} };
        const out: sanitize.Attributes = { src };
        if (attribs.alt !== undefined) out.alt = attribs.alt;
        if (attribs.title !== undefined) out.title = attribs.title;
        keepDimensions(attribs, out);
        return { tagName: 'img', attribs: out };
      },
      iframe: (_tagName, attribs) => {
        const src = attribs.src === undefined ? null : youtubeEmbed(attribs.src);
        // An iframe's content is raw text that no browser shows: always drop it. A bare
        // <iframe></iframe> is removed from the output afterwards (see REJECTED).
        if (src === null) return { tagName: 'iframe', attribs: {}, text: '' };
        const out: sanitize.Attributes = { src };
        keepDimensions(attribs, out);
        if (attribs.allowfullscreen !== undefined) out.allowfullscreen = '';
        const border = attribs.frameborder?.trim();
        if (border === '0' || border === '1') out.frameborder = border;
        if (attribs.title !== undefined) out.title = attribs.title;
        return { tagName: 'iframe', attribs: out, text: '' };
      },
      ol: (_tagName, attribs) => {
        const start = attribs.start?.trim();
        const out: sanitize.Attributes = {};
        if (start !== undefined && /^-?\d{1,9}$/.test(start)) out.start = start;
        return { tagName: 'ol', attribs: out };
      },
      td: cellTransform('td'),
      th: cellTransform('th'),
    },
    // Backstop: an image or iframe whose src failed sanitize-html's own scheme and host checks
    // goes. (The transforms' checks are stricter, so this never runs: each removal copies the
    // output so far, which would make many of them quadratic.)
    exclusiveFilter: (frame) => (frame.tag === 'img' || frame.tag === 'iframe') && !frame.attribs.src,
  };
}

function cellTransform(tagName: 'td' | 'th'): sanitize.Transformer {
  return (_tagName, attribs) => {
    const out: sanitize.Attributes = {};
    for (const name of ['colspan', 'rowspan']) {
      const value = attribs[name]?.trim();
      if (value !== undefined && /^\d{1,3}$/.test(value)) out[name] = value;
    }
    return { tagName, attribs: out };
  };
}

/**
 * What a rejected image or iframe leaves: a kept one always has a src, and text and
 * attribute values are escaped, so these strings are nothing else. (Rejecting them by
 * renaming to a disallowed tag would trip sanitize-html 2.18, which then gives the next
 * end tag at that depth the new name; its exclusiveFilter copies the output per removal.)
 */
const REJECTED = /<img \/>|<iframe><\/iframe>/g;

const ESCAPED = /&(amp|lt|gt|quot);/g;
const UNESCAPE: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };

/**
 * Plain text of sanitized HTML: block elements and <br> become line breaks,
 * runs of whitespace collapse (except inside <pre>), entities are decoded.
 * Linear: it never looks back at what it has built (the last character is kept aside).
 */
function toText(cleanHtml: string): string {
  const parts: string[] = [];
  let last = '';
  let pendingBreak = false;
  let preDepth = 0;

  const emit = (text: string): void => {
    if (text === '') return;
    parts.push(text);
    last = text[text.length - 1]!;
  };
  const flushBreak = (): void => {
    if (pendingBreak && last !== '' && last !== '\n') emit('\n');
    pendingBreak = false;
  };
  const atLineStartOrSpace = (): boolean => last === '' || pendingBreak || /\s/.test(last);

  sanitize(cleanHtml, {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: [],
    onOpenTag: (name) => {
      if (name === 'pre') preDepth++;
      if (BLOCK_SET.has(name)) pendingBreak = true;
      else if ((name === 'td' || name === 'th') && !atLineStartOrSpace()) emit(' ');
    },
    onCloseTag: (name) => {
      if (name === 'pre' && preDepth > 0) preDepth--;
      if (name === 'br') {
        flushBreak();
        emit('\n');
      } else if (BLOCK_SET.has(name)) {
        pendingBreak = true;
      }
    },
    // sanitize-html hands us its escaped form of the (decoded) text: undo exactly that.
    textFilter: (escaped) => {
      const text = escaped.replace(ESCAPED, (_m, name: string) => UNESCAPE[name]!).replace(/\u0000/g, '');
      if (preDepth > 0) {
        const raw = text.replace(/\r\n?/g, '\n');
        if (raw !== '') flushBreak();
        emit(raw);
      } else {
        let collapsed = text.replace(/\s+/g, ' ');
        if (atLineStartOrSpace()) collapsed = collapsed.replace(/^ /, '');
        if (collapsed !== '') flushBreak();
        emit(collapsed);
      }
      return '';
    },
  });

  const lines = parts
    .join('')
    .replace(/\n{3,}/g, '\n\n')
    .split('\n')
    .map((line) => line.trimEnd());
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start] === '') start++;
  while (end > start && lines[end - 1] === '') end--;
  return lines.slice(start, end).join('\n').replace(/\n{3,}/g, '\n\n');
}

/** Deepest element nesting we parse; deeper input is flattened to text (see sanitizeHtml). */
export const MAX_NESTING = 512;

class TooDeep extends Error {}

/**
 * Plain text of markup too deeply nested to parse, as escaped HTML: every run
 * of tags becomes a space. Only `<…>` spans followed by a `>` are cut, so this stays
 * linear; whatever is left is parsed with no tag allowed.
 */
function flatten(input: string): string {
  const end = input.lastIndexOf('>') + 1;
  const stripped = input.slice(0, end).replace(/(?:<[^>]*>)+/g, ' ') + input.slice(end);
  return sanitize(stripped, { allowedTags: [], allowedAttributes: {}, nonTextTags: [] });
}

/**
 * Sanitizes a thread body and renders its plain text. Idempotent: sanitizing
 * the returned html again yields the same html.
 *
 * htmlparser2 keeps its stack of open elements with Array#unshift, so parsing
 * is quadratic in nesting depth (a megabyte of `<b>` took over two minutes):
 * past MAX_NESTING open elements we stop and keep only the text.
 */
export function sanitizeHtml(input: string, options: SanitizeHtmlOptions = {}): SanitizedHtml {
  let depth = 0;
  const sanitizeOptions: sanitize.IOptions = {
    ...buildOptions(options),
    onOpenTag: () => {
      if (++depth > MAX_NESTING) throw new TooDeep();
    },
    onCloseTag: () => {
      depth--;
    },
  };
  let html: string;
  try {
    html = sanitize(input, sanitizeOptions).replace(REJECTED, '');
  } catch (error) {
    if (!(error instanceof TooDeep)) throw error;
    html = flatten(input);
  }
  // the text is a second parse: made only when asked for (templates and stored copies use the html alone)
  let text: string | undefined;
  return {
    html,
    get text() {
      return (text ??= toText(html));
    },
  };
}
