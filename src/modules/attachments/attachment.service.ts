import { type QueryResult, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { inTransaction } from '../../common/tx';
import { Agent } from '../directory/agent.entity';
import { EndUser } from '../directory/end-user.entity';
import type { EventActor } from '../events/events.service';
import type { ThreadEntry } from '../threads/thread-entry.entity';
import { Attachment, AttachmentContent } from './attachment.entity';

export interface NewAttachment {
  filename: string;
  contentType: string;
  bytes: Buffer;
  sha256: string;
}

/** Stores an upload, metadata and bytes in one transaction, owned by the viewer and bound to no entry yet. */
export async function storeAttachment(ctx: Context, file: NewAttachment): Promise<Attachment> {
  const viewer = ctx.viewer;
  if (!viewer) throw new Error('storeAttachment needs an authenticated viewer');
  return inTransaction(ctx, async (em) => {
    const attachment = em.create(Attachment, {
      filename: file.filename,
      contentType: file.contentType,
      size: file.bytes.length,
      sha256: file.sha256,
      uploaderAgent: viewer.kind === 'agent' ? ref(Agent, viewer.agent.id) : null,
      uploaderUser: viewer.kind === 'endUser' ? ref(EndUser, viewer.user.id) : null,
    });
    em.create(AttachmentContent, { attachment: ref(attachment), bytes: file.bytes });
    await em.flush();
    return attachment;
  });
}

/** The stored bytes of an attachment. */
export async function attachmentBytes(ctx: Context, attachment: Attachment): Promise<Buffer> {
  const rows = await ctx.em.execute<{ bytes: Uint8Array }[]>('select "bytes" from "attachment_content" where "attachment_id" = ?', [attachment.id]);
  const bytes = rows[0]?.bytes;
  if (!bytes) throw new Error(`Attachment ${attachment.id} has no content`);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Copies attachments (a canned response's) onto a thread entry, in the
 * caller's transaction: new metadata rows bound to the entry, uploaded by
 * `uploader` (who attached them), and a copy of each content row made inside
 * the database (the bytes never pass through this process). Every copy owns
 * its bytes like any upload, so changing or deleting the source later never
 * touches a sent reply.
 */
export async function copyAttachments(em: EntityManager, sources: readonly Attachment[], entry: ThreadEntry, uploader: EventActor, now: Date): Promise<Attachment[]> {
  const copies = sources.map((s) =>
    em.create(Attachment, {
      filename: s.filename,
      contentType: s.contentType,
      size: s.size,
      sha256: s.sha256,
      uploaderAgent: uploader.agent ? ref(Agent, uploader.agent.id) : null,
      uploaderUser: uploader.user ? ref(EndUser, uploader.user.id) : null,
      entry: ref(entry),
      createdAt: now,
    }),
  );
  await em.flush();
  for (const [i, copy] of copies.entries()) {
    const result = await em.execute<QueryResult>(
      'insert into "attachment_content" ("attachment_id", "bytes") select ?, "bytes" from "attachment_content" where "attachment_id" = ?',
      [copy.id, sources[i]!.id],
      'run',
    );
    if (result.affectedRows !== 1) throw new Error(`Attachment ${sources[i]!.id} has no content to copy`);
  }
  return copies;
}
