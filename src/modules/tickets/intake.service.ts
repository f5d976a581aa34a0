import { randomInt } from 'node:crypto';
import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { toGlobalId } from '../../common/global-id';
import { lookupRef } from '../../common/lookup';
import { inTransaction } from '../../common/tx';
import { AuthToken, TokenKind } from '../auth/auth-token.entity';
import { newSecret, PREFIX, secretHash } from '../auth/secrets';
import type { CannedResponse } from '../canned/canned-response.entity';
import { cannedAttachments, renderForTicket, usableCanned } from '../canned/canned.use';
import { Department } from '../directory/department.entity';
import { findOrCreateEndUser } from '../directory/end-user.service';
import { EndUser } from '../directory/end-user.entity';
import { actorOf, recordEvent } from '../events/events.service';
import { trackBefore } from '../events/outbox';
import { TicketEventKind } from '../events/ticket-event.entity';
import type { FilterRun, NamedFact, TicketFacts } from '../filters/filter-match';
import { TicketFilter, TicketFilterRejection } from '../filters/ticket-filter.entity';
import { appliedEventData, callerDepartment, evaluateFilters, planTicket, skipAutoReply, type DraftStart, type TicketPlan } from '../filters/ticket-filter.pipeline';
import { unknownVariables, unknownVariablesProblem } from '../canned/canned.template';
import { dueDate } from '../sla/due-date';
import { cleanBody, postEntry, checkBody } from '../threads/thread.service';
import { ThreadEntryType } from '../threads/thread-entry.entity';
import { CollaboratorRole } from './collaborator.entity';
import { HelpTopic } from './help-topic.entity';
import { IntakeKey } from './intake-key.entity';
import { Priority } from './priority.entity';
import { Ticket } from './ticket.entity';
import { permissionsOn, principalOf } from './ticket.policy';
import { addCollaboratorsTo, cleanPeople, type PersonInput } from './collaborator.service';
import { randomTicketNumber } from './ticket.lifecycle';
import { cleanSubject } from './ticket.service';
import { TicketSource } from './ticket-source';
import { TicketState } from './ticket-state';

export interface OpenTicketFields {
  subject: string;
  body: string;
  owner?: PersonInput | null;
  departmentId?: string | null;
  helpTopicId?: string | null;
  priorityId?: string | null;
  source?: TicketSource | null;
  collaborators?: PersonInput[] | null;
  attachmentIds?: string[] | null;
  idempotencyKey?: string | null;
}

export interface IntakeResult {
  ticket: Ticket;
  /** For anonymous callers: a token scoped to the ticket's owner and this ticket. */
  accessToken: string | null;
}

const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
const ACCESS_TOKEN_TTL_MS = 30 * 24 * 3_600_000;

async function accessToken(em: EntityManager, ticket: Ticket): Promise<string> {
  const secret = newSecret(PREFIX.TICKET_ACCESS);
  em.create(AuthToken, {
    kind: TokenKind.TICKET_ACCESS,
    secretHash: secretHash(secret),
    endUser: ref(EndUser, ticket.owner.id),
    ticketScope: ticket.id,
    expiresAt: new Date(Date.now() + ACCESS_TOKEN_TTL_MS),
  });
  await em.flush();
  return secret;
}

/** The owner as the caller named them: a logged-in end user, or a person by email. */
type OwnerInput = { email: string; name: string | null } | EndUser;

/** What the caller chose, looked up; problems are collected. */
export async function draftStart(em: EntityManager, input: { departmentId?: string | null; helpTopicId?: string | null; priorityId?: string | null }, problems: Problems, isAgent: boolean): Promise<DraftStart> {
  const start: DraftStart = { department: null, helpTopic: null, priority: null };
  if (input.departmentId) start.department = await lookupRef(em, Department, 'Department', input.departmentId, 'departmentId', problems);
  if (input.helpTopicId) {
    start.helpTopic = await lookupRef(em, HelpTopic, 'HelpTopic', input.helpTopicId, 'helpTopicId', problems);
    if (start.helpTopic && !start.helpTopic.isActive) problems.add(ErrorCode.NOT_FOUND, 'HelpTopic not found', 'helpTopicId');
  }
  if (input.priorityId) {
    start.priority = await lookupRef(em, Priority, 'Priority', input.priorityId, 'priorityId', problems);
    if (!isAgent) problems.add(ErrorCode.BAD_USER_INPUT, 'Only agents may set the priority', 'priorityId');
  }
  return start;
}

const named = (type: string, x: { id: number; name: string } | null): NamedFact | null => (x ? { id: toGlobalId(type, x.id), name: x.name } : null);

/**
 * What ticket filters look at (SPEC §4): the ticket as the caller sent it.
 * The owner's name is the stored one when the end user exists (intake keeps it).
 */
export async function ticketFacts(
  em: EntityManager,
  draft: { subject: string; body: string; owner: OwnerInput; source: TicketSource },
  start: DraftStart,
  /** The owner's end user when already looked up (null: there is none). */
  known?: EndUser | null,
): Promise<TicketFacts> {
  const stored = draft.owner instanceof EndUser ? draft.owner : known !== undefined ? known : await em.findOne(EndUser, { email: draft.owner.email });
  const owner = stored ?? draft.owner;
  let text: string | null = null;
  return {
    subject: draft.subject,
    body: () => (text ??= cleanBody(draft.body).text),
    email: owner.email,
    name: owner.name ?? owner.email.split('@')[0]!,
    source: draft.source,
    helpTopic: named('HelpTopic', start.helpTopic),
    priority: named('Priority', start.priority),
    department: named('Department', start.department),
  };
}

/**
 * A filter's auto-reply (SPEC §3–4): the canned response rendered for the
 * new ticket (its due date already set), with copies of its attachments,
 * posted by the system as a RESPONSE. `%{staff.name}` is the department's
 * name. It does not mark the ticket answered: no agent has answered yet.
 */
async function postAutoReply(em: EntityManager, ctx: Context, ticket: Ticket, canned: CannedResponse, department: Department, now: Date): Promise<void> {
  const rendered = await renderForTicket(em, canned, ticket, department.name);
  await postEntry(em, ctx, ticket, {
    type: ThreadEntryType.RESPONSE,
    body: rendered.html,
    attachmentIds: [],
    copies: await cannedAttachments(em, canned.id),
    poster: {},
    actor: {},
    eventData: { autoReply: { cannedResponseId: toGlobalId('CannedResponse', canned.id) } },
    now,
  });
}

/**
 * The plan's auto-reply, share-locked (as a reply does: a concurrent edit
 * cannot change its body or swap its attachments before commit) and checked
 * again as it now reads; null, with the skip reported on the filter that
 * chose it, when it was disabled, moved or given unknown variables meanwhile.
 */
async function lockAutoReply(em: EntityManager, plan: TicketPlan): Promise<CannedResponse | null> {
  const locked = await usableCanned(em, toGlobalId('CannedResponse', plan.autoReply!.id), plan.department.id, true);
  const unknown = locked ? unknownVariables(locked.body) : [];
  if (locked && unknown.length === 0) return locked;
  const reason = locked ? unknownVariablesProblem(unknown) : 'The canned response changed while the ticket was opened';
  if (plan.autoReplyBy) skipAutoReply(plan.autoReplyBy, reason);
  return null;
}

export const REJECTED_MESSAGE = 'The help desk did not accept this ticket';

export interface IntakeOptions {
  /**
   * The system opens the ticket for `owner` (inbound email, with no viewer): any source,
   * the priority may be set, no access token is made. Default false.
   */
  system?: boolean;
}

/** openTicket (SPEC §3): end users for themselves, anonymous web callers, agents on behalf of someone. */
export async function openTicket(ctx: Context, input: OpenTicketFields, options: IntakeOptions = {}): Promise<IntakeResult> {
  const system = options.system === true && ctx.viewer === null;
  const principal = await principalOf(ctx);
  const viewer = ctx.viewer;
  const problems = new Problems();
  const subject = cleanSubject(problems, input.subject);
  checkBody(problems, input.body, 'body');
  const key = input.idempotencyKey?.trim() || null;
  if (key && key.length > 200) problems.add(ErrorCode.BAD_USER_INPUT, 'idempotencyKey must be at most 200 characters', 'idempotencyKey');

  let owner: OwnerInput | null = null;
  if (viewer?.kind === 'endUser') {
    if (input.owner) problems.add(ErrorCode.BAD_USER_INPUT, 'A logged-in end user opens tickets for themselves: omit owner', 'owner');
    owner = viewer.user;
  } else if (!input.owner) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'owner is required', 'owner');
  } else {
    owner = cleanPeople(problems, [input.owner], 'owner')[0] ?? null;
  }
  const isAgent = principal.kind === 'agent' || system;
  let source = input.source ?? (isAgent ? (viewer?.kind === 'agent' && viewer.via === 'apiKey' ? TicketSource.API : TicketSource.OTHER) : TicketSource.WEB);
  if (!isAgent && source !== TicketSource.WEB) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'Only agents may set a source other than WEB', 'source');
    source = TicketSource.WEB;
  }
  const collaborators = cleanPeople(problems, input.collaborators ?? [], 'collaborators');
  if (collaborators.length > 50) problems.add(ErrorCode.BAD_USER_INPUT, 'At most 50 collaborators', 'collaborators');
  problems.throwIfAny();

  const caller =
    viewer?.kind === 'agent'
      ? `agent:${viewer.agent.id}`
      : viewer?.kind === 'endUser'
        ? `user:${viewer.user.id}`
        : `${system ? 'system' : 'anon'}:${(owner as { email: string }).email}`;
  const findReplay = (em: EntityManager) =>
    em.findOne(IntakeKey, { caller, key: key!, createdAt: { $gt: new Date(Date.now() - IDEMPOTENCY_WINDOW_MS) } }, { populate: ['ticket'] });

  // Before the transaction (no transaction waits on regexes): check the
  // caller's choices, then run the ticket filters (SPEC §3: new tickets only).
  const read = ctx.em.fork();
  let run: FilterRun<TicketFilter> = { verdicts: [], rejectedBy: null };
  if (!key || !(await findReplay(read))) {
    const start = await draftStart(read, input, problems, isAgent);
    problems.throwIfAny();
    // The caller's right to open the ticket is judged on where they put it, not where a filter routes it.
    const dept = await callerDepartment(read, start);
    if (principal.kind === 'agent' && !permissionsOn(principal, { departmentId: dept.id }).has('ticket.create')) {
      fail(ErrorCode.FORBIDDEN, `Your role may not open tickets in ${dept.name}`);
    }
    // The owner is read here only when a filter asks for the ticket's facts; the transaction reads them anyway.
    let facts: TicketFacts | undefined;
    const factsOf = async () => {
      if (facts) return facts;
      const existing = owner instanceof EndUser ? owner : await read.findOne(EndUser, { email: owner!.email });
      if (existing && !existing.isActive) fail(ErrorCode.FORBIDDEN, 'The owner account is inactive', 'owner');
      return (facts = await ticketFacts(read, { subject, body: input.body, owner: owner!, source }, start, existing));
    };
    run = await evaluateFilters(ctx, read, source, factsOf, { record: true });
    if (run.rejectedBy) {
      const { email, name } = await factsOf();
      const filter = run.rejectedBy;
      await inTransaction(ctx, async (em) => {
        em.create(TicketFilterRejection, {
          filter: ref(TicketFilter, filter.id),
          filterName: filter.name,
          subject,
          email,
          name,
          source,
          caller,
        });
        await em.flush();
      });
      ctx.log.info({ filterId: toGlobalId('TicketFilter', filter.id), filter: filter.name, source }, 'ticket rejected by a filter');
      fail(ErrorCode.REJECTED, REJECTED_MESSAGE);
    }
  }

  return inTransaction(ctx, async (em) => {
    if (key) {
      const previous = await findReplay(em);
      if (previous) {
        const ticket = previous.ticket.getEntity();
        return { ticket, accessToken: viewer || system ? null : await accessToken(em, ticket) };
      }
    }
    const start = await draftStart(em, input, problems, isAgent);
    problems.throwIfAny();
    const plan = await planTicket(em, start, run);

    const ownerUser =
      owner instanceof EndUser
        ? await em.findOneOrFail(EndUser, owner.id)
        : await findOrCreateEndUser(em, owner!.email, owner!.name);
    if (!ownerUser.isActive) fail(ErrorCode.FORBIDDEN, 'The owner account is inactive', 'owner');

    const now = new Date();
    const status = plan.status;
    const ticket = em.create(Ticket, {
      number: await newTicketNumber(em),
      subject,
      status,
      state: status.state,
      priority: plan.priority,
      urgency: plan.priority.urgency,
      department: plan.department,
      helpTopic: plan.helpTopic,
      slaPlan: plan.slaPlan,
      slaPlanInherited: plan.slaPlanInherited,
      source,
      owner: ownerUser,
      assignee: plan.assignee,
      team: plan.team,
      createdAt: now,
      updatedAt: now,
      lastMessageAt: now,
      closedAt: status.state === TicketState.CLOSED ? now : null,
      dueAt: dueDate({ start: now, plan: plan.slaPlan, override: null }),
    });
    await em.flush();
    trackBefore(em, ticket.id, null);
    recordEvent(em, ticket, TicketEventKind.CREATED, actorOf(ctx), {
      after: {
        number: ticket.number,
        subject: ticket.subject,
        statusId: status.id,
        state: ticket.state,
        departmentId: plan.department.id,
        priorityId: plan.priority.id,
        source: ticket.source,
        ownerId: ownerUser.id,
        assigneeId: ticket.assignee?.id ?? null,
        teamId: ticket.team?.id ?? null,
        dueAt: ticket.dueAt?.toISOString() ?? null,
      },
    });
    // The auto-reply, share-locked from here to commit, checked again before FILTER_APPLIED says it was sent.
    const autoReply = plan.autoReply ? await lockAutoReply(em, plan) : null;
    // One FILTER_APPLIED per matched filter; filters act as the system (no actor).
    for (const applied of plan.applied) recordEvent(em, ticket, TicketEventKind.FILTER_APPLIED, {}, appliedEventData(applied));
    await postEntry(em, ctx, ticket, {
      type: ThreadEntryType.MESSAGE,
      body: input.body,
      attachmentIds: input.attachmentIds ?? [],
      poster: { user: ownerUser },
      now,
      event: false,
    });
    if (collaborators.length) await addCollaboratorsTo(em, ticket, collaborators, CollaboratorRole.CC, actorOf(ctx), now);
    if (plan.collaborators.length) await addCollaboratorsTo(em, ticket, plan.collaborators, CollaboratorRole.CC, {}, now);
    if (autoReply) await postAutoReply(em, ctx, ticket, autoReply, plan.department, now);
    // Creation is version 1, whatever the steps above counted.
    ticket.version = 1;
    ticket.updatedAt = now;
    if (key) em.create(IntakeKey, { caller, key, ticket });
    await em.flush();
    return { ticket, accessToken: viewer || system ? null : await accessToken(em, ticket) };
  });
}

/** A fresh random number nobody has; collisions retry (and grow the number). */
export async function newTicketNumber(em: EntityManager): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const number = randomTicketNumber(attempt, (max) => randomInt(max));
    // a plain statement: the ORM's count costs more CPU than the index probe it sends
    const [row] = await em.execute<{ taken: boolean }[]>('select exists (select 1 from ticket where number = ?) as taken', [number]);
    if (!row!.taken) return number;
  }
  throw new Error('could not find a free ticket number');
}

