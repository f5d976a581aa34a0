import { topLevelError } from '../../common/errors';

// The cursors of the live streams: an event's `seq`, opaque to clients.

export const encodeStreamCursor = (seq: number) => Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');

export function decodeStreamCursor(cursor: string): number {
  const m = /^seq:(\d{1,15})$/.exec(cursor.length <= 64 ? Buffer.from(cursor, 'base64url').toString('utf8') : '');
  if (!m || encodeStreamCursor(Number(m[1])) !== cursor) throw topLevelError('BAD_USER_INPUT', '"after" is not a cursor of this stream');
  return Number(m[1]);
}
