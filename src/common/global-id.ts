/**
 * Opaque global ids: `base64url("<Type>:<key>")`. Clients treat them as
 * strings; only this module knows the shape.
 */
export function toGlobalId(type: string, key: number | string): string {
  return Buffer.from(`${type}:${key}`, 'utf8').toString('base64url');
}

export interface DecodedId {
  type: string;
  /** A database key, or a stable word key (system queues such as `open.overdue`). */
  key: number | string;
}

const SHAPE = /^([A-Z][A-Za-z]{0,63}):([1-9][0-9]{0,14}|[a-z][a-z.]{0,40})$/;

/** Decodes any global id; null when it is not one of ours. */
export function decodeGlobalId(id: unknown): DecodedId | null {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128 || !/^[A-Za-z0-9_-]+$/.test(id)) return null;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const match = SHAPE.exec(text);
  if (!match || toGlobalId(match[1]!, match[2]!) !== id) return null;
  if (!/^[0-9]/.test(match[2]!)) return { type: match[1]!, key: match[2]! };
  const key = Number(match[2]);
  return Number.isSafeInteger(key) ? { type: match[1]!, key } : null;
}

/** The numeric key of a global id of the given type; null for a malformed id or one of another type. */
export function decodeIdOf(type: string, id: unknown): number | null {
  const decoded = decodeGlobalId(id);
  return decoded && decoded.type === type && typeof decoded.key === 'number' ? decoded.key : null;
}
