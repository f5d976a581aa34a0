import DataLoader from 'dataloader';
import { Arg, Ctx, Field, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import { memo, type Context } from '../../common/context';
import { ActorInterface, globalIdOf, registerNode } from '../../common/node';
import { payloadType } from '../../common/payloads';
import { HTMLScalar } from '../../common/scalars';
import { withSignedImages } from '../attachments/signed-url';
import { Attachment } from '../attachments/attachment.entity';
import { AttachmentType } from '../attachments/attachment.type';
import { ticketById } from '../tickets/ticket.query';
import { TicketType } from '../tickets/ticket.type';
import { payload, topLevelError } from '../../common/errors';
import { AgentType } from '../directory/directory.type';
import { ThreadEntry, ThreadEntryRevision } from './thread-entry.entity';
import { AddNoteInput, EditThreadEntryInput, PostMessageInput, ReplyToTicketInput } from './thread.inputs';
import { seesEntryType } from './thread.policy';
import * as threads from './thread.service';
import { ThreadEntryObject, ThreadEntryRevisionObject } from './thread.type';

const ReplyToTicketPayload = payloadType('ReplyToTicketPayload', 'ticket', TicketType);
Field(() => ThreadEntryObject, { nullable: true })(ReplyToTicketPayload.prototype, 'entry');
const PostMessagePayload = payloadType('PostMessagePayload', 'ticket', TicketType);
Field(() => ThreadEntryObject, { nullable: true })(PostMessagePayload.prototype, 'entry');
const AddNotePayload = payloadType('AddNotePayload', 'ticket', TicketType);
Field(() => ThreadEntryObject, { nullable: true })(AddNotePayload.prototype, 'entry');
const EditThreadEntryPayload = payloadType('EditThreadEntryPayload', 'ticket', TicketType);
Field(() => ThreadEntryObject, { nullable: true })(EditThreadEntryPayload.prototype, 'entry');

type Result = Promise<object>;

registerNode({
  typeName: 'ThreadEntry',
  entity: ThreadEntry,
  load: async (ctx, key) => {
    const entry = await ctx.em.findOne(ThreadEntry, key);
    if (!entry || !(await ticketById(ctx, entry.ticket.id))) return null;
    return seesEntryType(ctx.viewer, entry.type) ? entry : null;
  },
});

function revisionsLoader(ctx: Context): DataLoader<number, ThreadEntryRevision[]> {
  return memo(ctx, revisionsLoader, () =>
    new DataLoader<number, ThreadEntryRevision[]>(async (entryIds) => {
      const rows = await ctx.em.find(ThreadEntryRevision, { entry: { $in: [...entryIds] } }, { orderBy: { id: 'asc' } });
      return entryIds.map((id) => rows.filter((r) => r.entry.id === id));
    }),
  );
}

function attachmentsLoader(ctx: Context): DataLoader<number, Attachment[]> {
  return memo(ctx, attachmentsLoader, () =>
    new DataLoader<number, Attachment[]>(async (entryIds) => {
      const rows = await ctx.em.find(Attachment, { entry: { $in: [...entryIds] } }, { orderBy: { id: 'asc' } });
      return entryIds.map((id) => rows.filter((a) => a.entry?.id === id));
    }),
  );
}

/** The mutations that write a ticket's thread (threads/thread.service.ts). */
@Resolver()
export class ThreadRootResolver {
  @Mutation(() => ReplyToTicketPayload, { description: "An agent's response to the owner and collaborators; may change the status in the same step." })
  @Access('agent')
  replyToTicket(@Arg('input', () => ReplyToTicketInput) input: ReplyToTicketInput, @Ctx() ctx: Context): Result {
    return payload(() => threads.replyToTicket(ctx, input));
  }

  @Mutation(() => PostMessagePayload, { description: "A message from the ticket's owner or a collaborator; reopens a closed ticket." })
  @Access('endUser')
  postMessage(@Arg('input', () => PostMessageInput) input: PostMessageInput, @Ctx() ctx: Context): Result {
    return payload(() => threads.postMessage(ctx, input));
  }

  @Mutation(() => AddNotePayload, { description: 'An internal note, visible to agents only.' })
  @Access('agent')
  addNote(@Arg('input', () => AddNoteInput) input: AddNoteInput, @Ctx() ctx: Context): Result {
    return payload(() => threads.addNote(ctx, input));
  }

  @Mutation(() => EditThreadEntryPayload, { description: 'Edits a thread entry, keeping its previous body (`thread.edit`).' })
  @Access('agent')
  editThreadEntry(@Arg('input', () => EditThreadEntryInput) input: EditThreadEntryInput, @Ctx() ctx: Context): Result {
    return payload(() => threads.editThreadEntry(ctx, input));
  }
}

@Resolver(() => ThreadEntryObject)
export class ThreadEntryResolver {
  @FieldResolver(() => ActorInterface, { nullable: true, description: 'Who wrote it; null when that account was deleted.' })
  async poster(@Root() e: ThreadEntry): Promise<object | null> {
    if (e.posterAgent) return (await e.posterAgent.load()) ?? null;
    if (e.posterUser) return (await e.posterUser.load()) ?? null;
    return null;
  }

  @FieldResolver(() => [ThreadEntryRevisionObject], { nullable: true, description: 'Earlier bodies, oldest first (agents only).' })
  revisions(@Root() e: ThreadEntry, @Ctx() ctx: Context): Promise<ThreadEntryRevision[]> {
    if (ctx.viewer?.kind !== 'agent') throw topLevelError('FORBIDDEN', 'Only agents may read edit history');
    return revisionsLoader(ctx).load(e.id);
  }

  @FieldResolver(() => AgentType, { nullable: true, description: 'Who edited it last (agents only).' })
  async editedBy(@Root() e: ThreadEntry, @Ctx() ctx: Context): Promise<object | null> {
    if (ctx.viewer?.kind !== 'agent') throw topLevelError('FORBIDDEN', 'Only agents may read edit history');
    const last = (await revisionsLoader(ctx).load(e.id)).at(-1);
    return last?.editor ? ((await last.editor.load()) ?? null) : null;
  }

  @FieldResolver(() => HTMLScalar, { description: 'Sanitized HTML. Its images of its own attachments point at `/attachments/<id>` (which needs the Authorization header), or with `signedImages` at signed links a browser loads as they are.' })
  async body(
    @Root() e: ThreadEntry,
    @Arg('signedImages', () => Boolean, { defaultValue: false, description: "Point images of the entry's attachments at signed links (see `Attachment.downloadUrl`)." }) signedImages: boolean,
    @Ctx() ctx: Context,
  ): Promise<string> {
    if (!signedImages || !e.body.includes('/attachments/')) return e.body;
    const ids = new Set((await attachmentsLoader(ctx).load(e.id)).map((a) => globalIdOf(a)));
    return withSignedImages(ctx, e.body, ids);
  }

  @FieldResolver(() => [AttachmentType])
  attachments(@Root() e: ThreadEntry, @Ctx() ctx: Context): Promise<Attachment[]> {
    return attachmentsLoader(ctx).load(e.id);
  }
}
