import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ServerSecret } from '../attachments/signed-url';

const SECRET_NAME = 'email-credentials';

/**
 * Seals mailbox passwords (AES-256-GCM) with a key the server processes
 * share: made on the first start and kept in `server_secret`, as the key of
 * signed links is. A database dump alone therefore holds both; the point is
 * that the API, logs and exports never show the password.
 */
export class CredentialBox {
  private constructor(private readonly key: Buffer) {}

  /** The box of one key by its name (mailbox passwords by default; webhooks' signing secrets have their own). */
  static async load(em: EntityManager, name: string = SECRET_NAME): Promise<CredentialBox> {
    // On the caller's EntityManager: inside a command this is its transaction (the embedded database has one connection).
    await em.execute('insert into "server_secret" ("name", "value") values (?, ?) on conflict ("name") do nothing', [name, randomBytes(32).toString('base64url')], 'run');
    const row = await em.findOneOrFail(ServerSecret, { name });
    return new CredentialBox(Buffer.from(row.value, 'base64url'));
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed credential');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}
