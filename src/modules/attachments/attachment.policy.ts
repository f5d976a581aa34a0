import type { Context, Viewer } from '../../common/context';
import { CannedResponse } from '../canned/canned-response.entity';
import { cannedFacts, decideCanned } from '../canned/canned.policy';
import { ThreadEntry } from '../threads/thread-entry.entity';
import { seesEntryType } from '../threads/thread.policy';
import { principalOf } from '../tickets/ticket.policy';
import { ticketById } from '../tickets/ticket.query';
import { Attachment } from './attachment.entity';

function isUploader(viewer: Viewer, a: Attachment): boolean {
  return viewer.kind === 'agent' ? a.uploaderAgent?.id === viewer.agent.id : a.uploaderUser?.id === viewer.user.id;
}

/**
 * The attachment if the viewer may see it (SPEC §5: "downloadable only by
 * someone who can see the entry"): bound to an entry, whoever sees that
 * entry's ticket — and, for a NOTE, is an agent; owned by a canned response,
 * the agents who may read that response; neither, its uploader alone. Null
 * otherwise, never a denial: existence is not leaked.
 */
export async function visibleAttachment(ctx: Context, key: number): Promise<Attachment | null> {
  const viewer = ctx.viewer;
  if (!viewer) return null;
  const attachment = await ctx.em.findOne(Attachment, key);
  if (!attachment) return null;
  if (attachment.cannedResponse) {
    const canned = await ctx.em.findOne(CannedResponse, attachment.cannedResponse.id);
    const p = await principalOf(ctx);
    return canned && !decideCanned(p, 'read', cannedFacts(canned)) ? attachment : null;
  }
  if (!attachment.entry) return isUploader(viewer, attachment) ? attachment : null;
  const entry = await ctx.em.findOne(ThreadEntry, attachment.entry.id);
  if (!entry) return null;
  if (!seesEntryType(viewer, entry.type)) return null;
  return (await ticketById(ctx, entry.ticket.id)) ? attachment : null;
}
