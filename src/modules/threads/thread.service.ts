import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { decodeIdOf, toGlobalId } from '../../common/global-id';
import { attachmentPath, mapAttachmentImages, MAX_HTML_LENGTH, sanitizeHtml } from '../../common/html';
import { Attachment } from '../attachments/attachment.entity';
import { copyAttachments } from '../attachments/attachment.service';
import { cannedForReply, replyBodyFrom } from '../canned/canned.use';
import { Agent } from '../directory/agent.entity';
import { EndUser } from '../directory/end-user.entity';
import { actorOf, recordEvent, type EventActor } from '../events/events.service';
import { TicketEventKind } from '../events/ticket-event.entity';
import { clearLock } from '../tickets/lock.service';
import { applyStatus, defaultOpenStatus, statusFor } from '../tickets/status.service';
import { onTicket, touch } from '../tickets/ticket.command';
import type { Ticket } from '../tickets/ticket.entity';
import { asAgent } from '../tickets/ticket.policy';
import { TicketState } from '../tickets/ticket-state';
import { ThreadEntry, ThreadEntryRevision, ThreadEntryType } from './thread-entry.entity';

export const MAX_ATTACHMENTS_PER_ENTRY = 20;

/** A body must have visible content and stay within the size limit. */
export function checkBody(problems: Problems, body: string, field: string): void {
  if (body.length > MAX_HTML_LENGTH) {
    problems.add(ErrorCode.BAD_USER_INPUT, `${field} must be at most ${MAX_HTML_LENGTH} characters`, field);
  } else if (body.trim().length === 0 || cleanBody(body).text.trim().length === 0) {
    problems.add(ErrorCode.BAD_USER_INPUT, `${field} must not be empty`, field);
  }
}

// One body is checked, then stored (and read by filters) within one command,
// with other commands' awaits in between: the last few results are kept so the
// sanitizer runs once per body, not two or three times.
const CLEAN_KEPT = 16;
const cleaned = new Map<string, { html: string; text: string }>();

/** HTML as stored: sanitized, with attachment images pointing at our download route. */
export function cleanBody(body: string): { html: string; text: string } {
  let clean = cleaned.get(body);
  if (!clean) {
    clean = sanitizeHtml(body, { attachmentUrl: attachmentPath });
    if (cleaned.size >= CLEAN_KEPT) cleaned.delete(cleaned.keys().next().value!);
    cleaned.set(body, clean);
  }
  return clean;
}

export interface NewEntry {
  type: ThreadEntryType;
  body: string;
  attachmentIds: string[];
  /** Attachments copied onto the entry (a canned response's); the originals stay where they are. */
  copies?: readonly Attachment[];
  poster: EventActor;
  now: Date;
  /** False for the first message, which the CREATED event already covers. */
  event?: boolean;
  /** Who the event names; default the caller. A filter's auto-reply is the system's ({}). */
  actor?: EventActor;
  /** More for the event's data (a filter's auto-reply names its canned response). */
  eventData?: Record<string, unknown>;
}

/**
 * Adds a thread entry in the caller's transaction. Attachments must have been
 * uploaded by the same person and not yet be part of any entry.
 */
export async function postEntry(em: EntityManager, ctx: Context, ticket: Ticket, entry: NewEntry): Promise<ThreadEntry> {
  const problems = new Problems();
  checkBody(problems, entry.body, 'body');
  const copies = entry.copies ?? [];
  if (entry.attachmentIds.length + copies.length > MAX_ATTACHMENTS_PER_ENTRY) {
    problems.add(ErrorCode.BAD_USER_INPUT, `At most ${MAX_ATTACHMENTS_PER_ENTRY} attachments per entry`, 'attachmentIds');
  }
  const attachments: Attachment[] = [];
  const viewer = ctx.viewer;
  // Row-locked, in id order (two entries binding the same uploads cannot deadlock): a concurrent bind of
  // the same upload waits for this transaction, the unused-upload sweep passes them by.
  const keys = entry.attachmentIds.map((id) => decodeIdOf('Attachment', id));
  const wanted = [...new Set(keys.filter((k): k is number => k !== null))].sort((a, b) => a - b);
  if (wanted.length > 0) await em.find(Attachment, { id: { $in: wanted } }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
  for (const [i, key] of keys.entries()) {
    const a = key === null ? null : await em.findOne(Attachment, key);
    const mine =
      a !== null &&
      a.entry === null &&
      a.cannedResponse === null &&
      ((viewer?.kind === 'agent' && a.uploaderAgent?.id === viewer.agent.id) || (viewer?.kind === 'endUser' && a.uploaderUser?.id === viewer.user.id));
    if (!mine || attachments.includes(a)) problems.add(ErrorCode.NOT_FOUND, 'Attachment not found', ['attachmentIds', String(i)]);
    else attachments.push(a);
  }
  problems.throwIfAny();
  const { html, text } = cleanBody(entry.body);
  const created = em.create(ThreadEntry, {
    ticket: ref(ticket),
    type: entry.type,
    body: html,
    bodyText: text,
    posterAgent: entry.poster.agent ? ref(Agent, entry.poster.agent.id) : null,
    posterUser: entry.poster.user ? ref(EndUser, entry.poster.user.id) : null,
    createdAt: entry.now,
  });
  await em.flush();
  for (const a of attachments) a.entry = ref(created);
  const copied = copies.length ? await copyAttachments(em, copies, created, entry.poster, entry.now) : [];
  // Images of the copied files (a canned response's) show the entry's own copies: the originals stay the
  // canned response's, which customers may not fetch.
  if (copied.length > 0) {
    const copyOf = new Map(copies.map((original, i) => [toGlobalId('Attachment', original.id), toGlobalId('Attachment', copied[i]!.id)]));
    created.body = mapAttachmentImages(created.body, (id) => (copyOf.has(id) ? attachmentPath(copyOf.get(id)!) : null));
  }
  if (entry.event !== false) {
    const kind = { MESSAGE: TicketEventKind.MESSAGE, RESPONSE: TicketEventKind.RESPONSE, NOTE: TicketEventKind.NOTE }[entry.type];
    const after = { entryId: toGlobalId('ThreadEntry', created.id), attachments: attachments.length + copied.length, ...entry.eventData };
    recordEvent(em, ticket, kind, entry.actor ?? actorOf(ctx), { after });
    touch(ticket, entry.now);
  }
  return created;
}

export interface ReplyFields {
  ticketId: string;
  body: string;
  statusId?: string | null;
  cannedResponseId?: string | null;
  attachmentIds?: string[] | null;
  expectedVersion?: number | null;
}

/**
 * An agent's RESPONSE (SPEC §5–6): sets answered, releases the replier's lock, may carry a status change — all or nothing.
 * With a canned response, its attachments are copied onto the entry; an empty body means its rendering.
 */
export function replyToTicket(ctx: Context, input: ReplyFields): Promise<{ ticket: Ticket; entry: ThreadEntry }> {
  return onTicket(ctx, input.ticketId, { field: 'ticketId', action: 'reply', expectedVersion: input.expectedVersion }, async (c) => {
    const me = asAgent(c.principal);
    const canned = input.cannedResponseId ? await cannedForReply(c.em, input.cannedResponseId, c.ticket, 'cannedResponseId') : null;
    const status = input.statusId ? await statusFor(c, input.statusId, 'statusId') : null;
    const agent = ctx.viewer?.kind === 'agent' ? ctx.viewer.agent : null;
    const body = canned && input.body.trim() === '' ? await replyBodyFrom(c.em, canned.canned, c.ticket, agent?.name ?? '', 'body') : input.body;
    const entry = await postEntry(c.em, ctx, c.ticket, {
      type: ThreadEntryType.RESPONSE,
      body,
      attachmentIds: input.attachmentIds ?? [],
      copies: canned?.attachments ?? [],
      poster: { agent },
      now: c.now,
    });
    c.ticket.isAnswered = true;
    c.ticket.lastResponseAt = c.now;
    if (c.ticket.lockAgent?.id === me.agentId) clearLock(c.ticket);
    if (status) await applyStatus(c.em, c.ticket, status, c.now, actorOf(ctx));
    return { ticket: c.ticket, entry };
  });
}

/** A MESSAGE from the owner or an active collaborator; on a CLOSED ticket it reopens it (SPEC §7). */
export function postMessage(ctx: Context, input: { ticketId: string; body: string; attachmentIds?: string[] | null }): Promise<{ ticket: Ticket; entry: ThreadEntry }> {
  return onTicket(ctx, input.ticketId, { field: 'ticketId', action: 'postMessage' }, async (c) => {
    const user = ctx.viewer?.kind === 'endUser' ? ctx.viewer.user : null;
    const entry = await postEntry(c.em, ctx, c.ticket, {
      type: ThreadEntryType.MESSAGE,
      body: input.body,
      attachmentIds: input.attachmentIds ?? [],
      poster: { user },
      now: c.now,
    });
    c.ticket.isAnswered = false;
    c.ticket.lastMessageAt = c.now;
    if (c.ticket.state === TicketState.CLOSED) await applyStatus(c.em, c.ticket, await defaultOpenStatus(c.em), c.now, actorOf(ctx));
    return { ticket: c.ticket, entry };
  });
}

/** An internal NOTE: any agent who can see the ticket; may carry a status change. */
export function addNote(ctx: Context, input: { ticketId: string; body: string; statusId?: string | null; attachmentIds?: string[] | null }): Promise<{ ticket: Ticket; entry: ThreadEntry }> {
  return onTicket(ctx, input.ticketId, { field: 'ticketId', action: 'addNote' }, async (c) => {
    const status = input.statusId ? await statusFor(c, input.statusId, 'statusId') : null;
    const agent = ctx.viewer?.kind === 'agent' ? ctx.viewer.agent : null;
    const entry = await postEntry(c.em, ctx, c.ticket, {
      type: ThreadEntryType.NOTE,
      body: input.body,
      attachmentIds: input.attachmentIds ?? [],
      poster: { agent },
      now: c.now,
    });
    if (status) await applyStatus(c.em, c.ticket, status, c.now, actorOf(ctx));
    return { ticket: c.ticket, entry };
  });
}

/** Edits an entry's body, keeping the previous one (`thread.edit`). */
export async function editThreadEntry(ctx: Context, input: { entryId: string; body: string }): Promise<{ ticket: Ticket; entry: ThreadEntry }> {
  const key = decodeIdOf('ThreadEntry', input.entryId);
  const found = key === null ? null : await ctx.em.fork().findOne(ThreadEntry, key);
  if (!found) return fail(ErrorCode.NOT_FOUND, 'Thread entry not found', 'entryId');
  const options = { field: 'entryId', action: 'editThread', notFound: 'Thread entry not found' } as const;
  return onTicket(ctx, toGlobalId('Ticket', found.ticket.id), options, async (c) => {
    const problems = new Problems();
    checkBody(problems, input.body, 'body');
    problems.throwIfAny();
    const entry = await c.em.findOneOrFail(ThreadEntry, key!);
    const { html, text } = cleanBody(input.body);
    if (html === entry.body) return { ticket: c.ticket, entry };
    const agent = ctx.viewer?.kind === 'agent' ? ctx.viewer.agent : null;
    c.em.create(ThreadEntryRevision, { entry: ref(entry), body: entry.body, bodyText: entry.bodyText, editor: agent ? ref(Agent, agent.id) : null, replacedAt: c.now });
    entry.body = html;
    entry.bodyText = text;
    entry.editedAt = c.now;
    touch(c.ticket, c.now);
    recordEvent(c.em, c.ticket, TicketEventKind.EDITED, actorOf(ctx), { entryId: input.entryId, before: { bodyText: found.bodyText.slice(0, 500) }, after: { bodyText: text.slice(0, 500) } });
    return { ticket: c.ticket, entry };
  });
}
