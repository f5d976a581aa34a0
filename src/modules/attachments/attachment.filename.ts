/** Longest filename we keep (the column is varchar(255), counted in characters). */
export const MAX_FILENAME_LENGTH = 255;

const FALLBACK_NAME = 'attachment';

// C0 and C1 controls (CR, LF, NUL, ESC, …) and DEL.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Zero-width and bidirectional formatting characters ("invoice\u202Efdp.exe" shows as "invoiceexe.pdf").
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
const QUOTES = /["'`]/g;
// Reserved on Windows; harmless here but replaced so a saved file keeps its name.
const RESERVED = /[<>:|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * A filename safe to store, show and send back in a header: no path parts,
 * no control, invisible or quote characters, no leading dots, at most 255
 * characters (the extension is kept when the name is cut).
 */
export function sanitizeFilename(raw: string | null | undefined): string {
  let name = (raw ?? '').normalize('NFC');
  name = name.replace(CONTROL, '').replace(INVISIBLE, '');
  // Path parts, POSIX or Windows style: keep the last segment only.
  name = name.split(/[\\/]/).pop() ?? '';
  name = name.replace(QUOTES, '').replace(RESERVED, '_');
  name = name.replace(/\s+/g, ' ').trim();
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`;
  if (name === '') name = FALLBACK_NAME;
  const chars = [...name];
  if (chars.length > MAX_FILENAME_LENGTH) {
    const ext = extensionOf(name);
    const suffix = ext && ext.length <= 16 ? `.${ext}` : '';
    name = chars.slice(0, MAX_FILENAME_LENGTH - suffix.length).join('').replace(/[.\s]+$/, '') + suffix;
  }
  return name;
}

/** The lower-cased extension of a filename ("" when it has none). */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot > 0 && dot < filename.length - 1 ? filename.slice(dot + 1).toLowerCase() : '';
}

/** RFC 8187 (ex-5987) `ext-value` encoding: percent-encodes everything outside `attr-char`. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `Content-Disposition: attachment` with the UTF-8 name in `filename*`
 * (RFC 6266 / 8187) and a plain-ASCII `filename` for old clients.
 */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeExtValue(filename)}`;
}
