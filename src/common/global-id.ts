/**
 * Opaque global ids: `base64url("<Type>:<key>")`. Clients treat them as
 * strings; only this module knows the shape.
 */
export function toGlobalId(type: string, key: number | string): string {
  return Buffer.from(`${type}:${key}`, 'utf8').toString('base64url');
}

export interface DecodedId {
  type: string;
  key: number;
}

const SHAPE = /^([A-Z][A-Za-z]{0,63}):([1-9][0-9]{0,14})$/;

/** Decodes any global id; null when it is not one of ours. */
export function decodeGlobalId(id: unknown): DecodedId | null {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128 || !/^[A-Za-z0-9_-]+$/.test(id)) return null;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const match = SHAPE.exec(text);
  if (!match || toGlobalId(match[1]!, match[2]!) !== id) return null;
  const key = Number(match[2]);
  return Number.isSafeInteger(key) ? { type: match[1]!, key } : null;
}

/** The numeric key of a global id of the given type; null for a malformed id or one of another type. */
export function decodeIdOf(type: string, id: unknown): number | null {
  const decoded = decodeGlobalId(id);
  return decoded && decoded.type === type ? decoded.key : null;
}
