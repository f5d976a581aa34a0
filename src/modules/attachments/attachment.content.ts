import { extensionOf } from './attachment.filename';

/**
 * What an uploaded file is, decided from its bytes (SPEC §5 "type-checked"):
 * an allowlist of passive formats, each with the extensions and declared
 * MIME types that may name it. Active content (HTML, SVG, XML, scripts,
 * executables) is refused outright; so is a file whose name or declared type
 * says something other than its bytes.
 */

export type ContentProblem = 'ACTIVE' | 'UNKNOWN' | 'MISMATCH' | 'EMPTY';

export class ContentRefused extends Error {
  constructor(
    readonly problem: ContentProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ContentRefused';
  }
}

interface Kind {
  /** Extensions a file of this kind may carry. */
  exts: readonly string[];
  /** Declared MIME types accepted besides the sniffed one (browser and OS aliases). */
  mimes?: readonly string[];
}

/** Keyed by file-type's `ext`. */
const ALLOWED: Readonly<Record<string, Kind>> = {
  png: { exts: ['png'], mimes: ['image/x-png'] },
  apng: { exts: ['png', 'apng'], mimes: ['image/png'] },
  jpg: { exts: ['jpg', 'jpeg', 'jpe', 'jfif'], mimes: ['image/jpg', 'image/pjpeg'] },
  gif: { exts: ['gif'] },
  webp: { exts: ['webp'] },
  bmp: { exts: ['bmp'], mimes: ['image/x-bmp', 'image/x-ms-bmp'] },
  tif: { exts: ['tif', 'tiff'] },
  heic: { exts: ['heic', 'heif'], mimes: ['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence'] },
  avif: { exts: ['avif'] },
  pdf: { exts: ['pdf'], mimes: ['application/x-pdf'] },
  rtf: { exts: ['rtf'], mimes: ['text/rtf'] },
  docx: { exts: ['docx'] },
  xlsx: { exts: ['xlsx'] },
  pptx: { exts: ['pptx'] },
  odt: { exts: ['odt'] },
  ods: { exts: ['ods'] },
  odp: { exts: ['odp'] },
  // Legacy Office and Outlook files are OLE compound files.
  cfb: {
    exts: ['doc', 'xls', 'ppt', 'msg'],
    mimes: ['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint', 'application/vnd.ms-outlook', 'application/x-ole-storage'],
  },
  zip: { exts: ['zip'], mimes: ['application/x-zip-compressed', 'application/x-zip', 'multipart/x-zip'] },
  gz: { exts: ['gz', 'tgz'], mimes: ['application/x-gzip', 'application/x-compressed', 'application/x-gtar', 'application/x-tar'] },
  'tar.gz': { exts: ['gz', 'tgz'], mimes: ['application/x-gzip', 'application/x-compressed', 'application/x-gtar', 'application/x-tar'] },
  tar: { exts: ['tar'], mimes: ['application/x-gtar'] },
  '7z': { exts: ['7z'] },
  mp3: { exts: ['mp3'], mimes: ['audio/mp3'] },
  m4a: { exts: ['m4a'], mimes: ['audio/mp4', 'audio/m4a'] },
  wav: { exts: ['wav'], mimes: ['audio/x-wav', 'audio/wave', 'audio/vnd.wave'] },
  ogg: { exts: ['ogg', 'oga'], mimes: ['application/ogg'] },
  mp4: { exts: ['mp4', 'm4v'], mimes: ['video/x-m4v'] },
  mov: { exts: ['mov'] },
  webm: { exts: ['webm'], mimes: ['audio/webm'] },
};

/** Text without a magic number: only under these names, only as valid UTF-8. */
const TEXT: Kind = {
  exts: ['txt', 'log', 'csv'],
  mimes: ['text/csv', 'text/x-csv', 'application/csv', 'text/comma-separated-values', 'application/vnd.ms-excel', 'text/x-log'],
};
export const TEXT_TYPE = 'text/plain';

/** Sniffed kinds refused whatever they are called. */
const ACTIVE_KINDS = new Set([
  'xml', 'exe', 'elf', 'macho', 'class', 'jar', 'apk', 'wasm', 'swf', 'crx', 'xpi', 'lnk', 'deb', 'rpm',
  'dmg', 'cab', 'chm', 'reg', 'asar', 'docm', 'dotm', 'xlsm', 'xltm', 'pptm', 'potm', 'ppsm',
]);

/** Declared MIME types that say nothing. */
const GENERIC_MIMES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown', 'application/x-unknown']);

const ACTIVE_MESSAGE = 'HTML, SVG, XML, scripts and executables are not accepted';

/*
 * Text that a browser (or an old one, which looked further in) would sniff
 * as markup, after the WHATWG MIME sniffing "HTML" and "XML" patterns.
 */
const LEADING_MARKUP =
  /^<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|svg|math|object|embed|xsl:stylesheet)(?:[\s>/]|$)|^<(?:!--|\?xml)/i;
const EMBEDDED_MARKUP = /<(?:script|svg|html|iframe|object|embed|\?xml)[\s>/]|<!doctype\s+html/i;
const SNIFF_WINDOW = 1024;

type Sniffer = (bytes: Uint8Array) => Promise<{ ext: string; mime: string } | undefined>;
let sniffer: Promise<Sniffer> | null = null;

/**
 * file-type (21.x) is ESM-only: loaded with `import()`. TypeScript keeps that
 * as `import()` under "module": "node16"; SWC's CommonJS transform
 * (`@swc-node/register`) turns it into `require()`, which Node ≥ 20.19 serves
 * from the package's "module-sync" export (require of ESM, unflagged since
 * 20.19 — the project's engines floor); vitest keeps a real `import()`.
 */
export function loadSniffer(): Promise<Sniffer> {
  sniffer ??= import('file-type').then((m) => (bytes: Uint8Array) => m.fileTypeFromBuffer(bytes));
  return sniffer;
}

function normalizeMime(mime: string | null | undefined): string {
  return (mime ?? '').split(';')[0]!.trim().toLowerCase();
}

function checkName(kind: Kind, sniffedMime: string, label: string, filename: string, declaredMime: string): void {
  const ext = extensionOf(filename);
  if (!kind.exts.includes(ext)) {
    const expected = kind.exts.map((e) => `.${e}`).join(', ');
    throw new ContentRefused(
      'MISMATCH',
      ext === ''
        ? `The file name must end in an extension matching its content (${label}: ${expected})`
        : `The file name's extension (.${ext}) does not match its content (${label}: ${expected})`,
    );
  }
  const declared = normalizeMime(declaredMime);
  if (!GENERIC_MIMES.has(declared) && declared !== sniffedMime && !(kind.mimes ?? []).includes(declared)) {
    throw new ContentRefused('MISMATCH', `The declared type (${declared}) does not match the file's content (${label})`);
  }
}

function looksLikeMarkup(text: string): boolean {
  const head = text.slice(0, SNIFF_WINDOW).replace(/^\ufeff/, '').replace(/^[\s\u0000]+/, '');
  return LEADING_MARKUP.test(head) || EMBEDDED_MARKUP.test(head) || head.startsWith('#!');
}

/**
 * The content type to store for these bytes, or a `ContentRefused` naming
 * why not. `filename` is the sanitized name; `declaredMime` is the part's
 * Content-Type as the client sent it.
 */
export async function checkContent(bytes: Uint8Array, filename: string, declaredMime: string): Promise<string> {
  if (bytes.length === 0) throw new ContentRefused('EMPTY', 'The file is empty');
  const declared = normalizeMime(declaredMime);
  const sniffed = await (await loadSniffer())(bytes);
  if (sniffed) {
    if (ACTIVE_KINDS.has(sniffed.ext)) throw new ContentRefused('ACTIVE', ACTIVE_MESSAGE);
    const kind = ALLOWED[sniffed.ext];
    if (!kind) throw new ContentRefused('UNKNOWN', `Files of this type (${sniffed.mime}) are not accepted`);
    checkName(kind, sniffed.mime, sniffed.ext, filename, declared);
    return sniffed.mime;
  }
  // No magic number: text, or something we cannot vouch for.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ContentRefused('UNKNOWN', 'The file type could not be recognized');
  }
  if (text.includes('\u0000')) throw new ContentRefused('UNKNOWN', 'The file type could not be recognized');
  if (looksLikeMarkup(text) || /^(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|(?:application|text)\/xml|(?:application|text)\/(?:x-)?javascript)$/.test(declared)) {
    throw new ContentRefused('ACTIVE', ACTIVE_MESSAGE);
  }
  checkName(TEXT, TEXT_TYPE, 'text', filename, declared);
  return TEXT_TYPE;
}
