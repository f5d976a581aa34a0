import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { memo, type Context } from '../../common/context';
import { attachmentPath, mapAttachmentImages } from '../../common/html';

/**
 * A secret the server processes share, made once on first start: the key of
 * signed attachment links. In the database, so every process sharing it
 * signs alike and links survive a restart.
 */
@Entity({ tableName: 'server_secret' })
export class ServerSecret {
  @PrimaryKey({ type: 'string', length: 50 })
  name!: string;

  /** base64url of 32 random bytes. */
  @Property({ type: 'string', length: 100 })
  value!: string;
}

/** A signed link works for an hour at least; links made within one quarter-hour are the same (browsers cache them). */
const TTL_S = 3600;
const BUCKET_S = 900;

export type SignatureCheck = 'valid' | 'expired' | 'invalid';

/**
 * Signed attachment links (`/attachments/<id>?expires=…&signature=…`): a way
 * to fetch one attachment without the Authorization header, for `<img>` tags
 * and plain links. Whoever holds the link can fetch the file until it
 * expires, like any presigned URL: links are made only for viewers who may
 * see the attachment.
 */
export class UrlSigner {
  private constructor(private readonly key: Buffer) {}

  /** The signer, making the shared key on the first start. */
  static async load(em: EntityManager): Promise<UrlSigner> {
    const name = 'attachment-links';
    await em.getConnection().execute('insert into "server_secret" ("name", "value") values (?, ?) on conflict ("name") do nothing', [name, randomBytes(32).toString('base64url')], 'run');
    const row = await em.fork().findOneOrFail(ServerSecret, { name });
    return new UrlSigner(Buffer.from(row.value, 'base64url'));
  }

  /** The expiry (Unix seconds) of links made at `nowMs`. */
  expiry(nowMs = Date.now()): number {
    return Math.ceil((nowMs / 1000 + TTL_S) / BUCKET_S) * BUCKET_S;
  }

  private signature(id: string, expires: number): Buffer {
    return createHmac('sha256', this.key).update(`attachment:${id}:${expires}`).digest();
  }

  /** The path of a signed link to attachment `id` (its global id). */
  path(id: string, expires: number): string {
    return `${attachmentPath(id)}?expires=${expires}&signature=${this.signature(id, expires).toString('base64url')}`;
  }

  check(id: string, expires: unknown, signature: unknown, nowMs = Date.now()): SignatureCheck {
    if (typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return 'invalid';
    // Compared as text: 43 base64url characters carry 258 bits, so decoding would accept four spellings of one signature.
    const expected = Buffer.from(this.signature(id, Number(expires)).toString('base64url'));
    if (!timingSafeEqual(expected, Buffer.from(signature))) return 'invalid';
    return Number(expires) * 1000 > nowMs ? 'valid' : 'expired';
  }
}

/** The expiry of every link one operation makes (one value, so a response's links agree). */
export function linkExpiry(ctx: Context): number | null {
  const signer = ctx.services.urlSigner;
  return signer ? memo(ctx, linkExpiry, () => signer.expiry()) : null;
}

/** A signed link to an attachment the viewer may see (null when the server signs none). */
export function signedPath(ctx: Context, attachmentId: string): string | null {
  const expires = linkExpiry(ctx);
  return expires === null ? null : ctx.services.urlSigner!.path(attachmentId, expires);
}

/**
 * A sanitized body with its images of `attachmentIds` (the entry's own
 * attachments) pointing at signed links. Other images are left as they are:
 * a body may name any id, and a link is signed only for what the viewer may see.
 */
export function withSignedImages(ctx: Context, html: string, attachmentIds: ReadonlySet<string>): string {
  return mapAttachmentImages(html, (id) => (attachmentIds.has(id) ? signedPath(ctx, id) : null));
}

declare module '../../common/context' {
  interface Services {
    /** Signs attachment links (absent until the server has loaded its key). */
    urlSigner?: UrlSigner;
  }
}
