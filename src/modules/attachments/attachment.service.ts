import { ref } from '@mikro-orm/core';
import type { Context } from '../../common/context';
import { inTransaction } from '../../common/tx';
import { Agent } from '../directory/agent.entity';
import { EndUser } from '../directory/end-user.entity';
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
