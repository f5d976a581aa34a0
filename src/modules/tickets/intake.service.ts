import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { lookup } from '../../common/lookup';
import { inTransaction } from '../../common/tx';
import { AuthToken, TokenKind } from '../auth/auth-token.entity';
import { newSecret, PREFIX, secretHash } from '../auth/secrets';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { EndUser } from '../directory/end-user.entity';
import { recordEvent } from '../events/events.service';
import { trackBefore } from '../events/outbox';
import { TicketEventKind } from '../events/ticket-event.entity';
import type { SlaPlan } from '../sla/sla-plan.entity';
import { dueDate, loadSlaPlan } from '../sla/due-date';
import { postEntry, checkBody } from '../threads/thread.service';
import { ThreadEntryType } from '../threads/thread-entry.entity';
import { CollaboratorRole } from './collaborator.entity';
import { HelpTopic } from './help-topic.entity';
import { IntakeKey } from './intake-key.entity';
import { Priority } from './priority.entity';
import { Ticket } from './ticket.entity';
import { permissionsOn, principalOf } from './ticket.policy';
import {
  actorOf,
  addCollaboratorsTo,
  assignableIn,
  cleanPeople,
  cleanSubject,
  defaultOpenStatus,
  inheritedSlaPlan,
  newTicketNumber,
  type PersonInput,
} from './ticket.service';
import { TicketSource } from './ticket-source';

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

/**
 * The draft a new ticket is built from. The intake pipeline fills it in
 * order: the caller's input, then ticket filters (a later issue plugs in
 * here), then help-topic and department defaults.
 */
interface Draft {
  subject: string;
  owner: { email: string; name: string | null } | EndUser;
  source: TicketSource;
  department: Department | null;
  helpTopic: HelpTopic | null;
  priority: Priority | null;
  slaPlan: SlaPlan | null;
}

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

/**
 * The help topic's auto-assigned agent, when they may still take tickets in
 * the ticket's department (active, with access to it). The topic was checked
 * when it was saved, but agents change since and the caller may have chosen
 * another department: a stale auto-assignment is skipped, never an intake failure.
 */
async function autoAssignee(em: EntityManager, topic: HelpTopic | null, department: Department): Promise<Agent | null> {
  if (!topic?.assignAgent) return null;
  const agent = await em.findOne(Agent, topic.assignAgent.id);
  return agent && (await assignableIn(em, agent, department.id)) ? agent : null;
}

/** openTicket (SPEC §3): end users for themselves, anonymous web callers, agents on behalf of someone. */
export async function openTicket(ctx: Context, input: OpenTicketFields): Promise<IntakeResult> {
  const principal = await principalOf(ctx);
  const viewer = ctx.viewer;
  const problems = new Problems();
  const subject = cleanSubject(problems, input.subject);
  checkBody(problems, input.body, 'body');
  const key = input.idempotencyKey?.trim() || null;
  if (key && key.length > 200) problems.add(ErrorCode.BAD_USER_INPUT, 'idempotencyKey must be at most 200 characters', 'idempotencyKey');

  let owner: Draft['owner'] | null = null;
  if (viewer?.kind === 'endUser') {
    if (input.owner) problems.add(ErrorCode.BAD_USER_INPUT, 'A logged-in end user opens tickets for themselves: omit owner', 'owner');
    owner = viewer.user;
  } else if (!input.owner) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'owner is required', 'owner');
  } else {
    owner = cleanPeople(problems, [input.owner], 'owner')[0] ?? null;
  }
  const isAgent = principal.kind === 'agent';
  let source = input.source ?? (isAgent ? (viewer?.kind === 'agent' && viewer.via === 'apiKey' ? TicketSource.API : TicketSource.OTHER) : TicketSource.WEB);
  if (!isAgent && source !== TicketSource.WEB) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'Only agents may set a source other than WEB', 'source');
    source = TicketSource.WEB;
  }
  const collaborators = cleanPeople(problems, input.collaborators ?? [], 'collaborators');
  if (collaborators.length > 50) problems.add(ErrorCode.BAD_USER_INPUT, 'At most 50 collaborators', 'collaborators');
  problems.throwIfAny();

  const caller =
    viewer?.kind === 'agent' ? `agent:${viewer.agent.id}` : viewer?.kind === 'endUser' ? `user:${viewer.user.id}` : `anon:${(owner as { email: string }).email}`;

  return inTransaction(ctx, async (em) => {
    if (key) {
      const previous = await em.findOne(IntakeKey, { caller, key, createdAt: { $gt: new Date(Date.now() - IDEMPOTENCY_WINDOW_MS) } }, { populate: ['ticket'] });
      if (previous) {
        const ticket = previous.ticket.getEntity();
        return { ticket, accessToken: viewer ? null : await accessToken(em, ticket) };
      }
    }
    const draft: Draft = { subject, owner: owner!, source, department: null, helpTopic: null, priority: null, slaPlan: null };
    if (input.departmentId) draft.department = await lookup(em, Department, 'Department', input.departmentId, 'departmentId', problems);
    if (input.helpTopicId) {
      draft.helpTopic = await lookup(em, HelpTopic, 'HelpTopic', input.helpTopicId, 'helpTopicId', problems);
      if (draft.helpTopic && !draft.helpTopic.isActive) problems.add(ErrorCode.NOT_FOUND, 'HelpTopic not found', 'helpTopicId');
    }
    if (input.priorityId) {
      draft.priority = await lookup(em, Priority, 'Priority', input.priorityId, 'priorityId', problems);
      if (!isAgent) problems.add(ErrorCode.BAD_USER_INPUT, 'Only agents may set the priority', 'priorityId');
    }
    problems.throwIfAny();

    // (ticket filters run here, on new tickets only, before defaults)

    // Help-topic defaults, then department defaults, fill what is still unset.
    const topic = draft.helpTopic;
    draft.department ??= topic?.department ? await em.findOne(Department, topic.department.id) : null;
    draft.department ??= await em.findOneOrFail(Department, { isDefault: true });
    draft.priority ??= topic?.priority ? await em.findOne(Priority, topic.priority.id) : null;
    draft.priority ??= await em.findOneOrFail(Priority, { isDefault: true });
    draft.slaPlan ??= topic?.slaPlan ? await loadSlaPlan(em, topic.slaPlan.id) : null;
    // Chosen (by a filter or the help topic) or inherited (department, then desk default): a transfer re-applies only the latter.
    const slaPlanInherited = draft.slaPlan === null;
    draft.slaPlan ??= await inheritedSlaPlan(em, draft.department);
    const assignee = await autoAssignee(em, topic, draft.department);

    if (principal.kind === 'agent' && !permissionsOn(principal, { departmentId: draft.department.id }).has('ticket.create')) {
      fail(ErrorCode.FORBIDDEN, `Your role may not open tickets in ${draft.department.name}`);
    }

    const ownerUser =
      draft.owner instanceof EndUser
        ? await em.findOneOrFail(EndUser, draft.owner.id)
        : ((await em.findOne(EndUser, { email: draft.owner.email })) ??
          em.create(EndUser, { email: draft.owner.email, name: draft.owner.name ?? draft.owner.email.split('@')[0]! }));
    if (!ownerUser.isActive) fail(ErrorCode.FORBIDDEN, 'The owner account is inactive', 'owner');

    const now = new Date();
    const status = await defaultOpenStatus(em);
    const ticket = em.create(Ticket, {
      number: await newTicketNumber(em),
      subject: draft.subject,
      status,
      state: status.state,
      priority: draft.priority,
      urgency: draft.priority.urgency,
      department: draft.department,
      helpTopic: topic,
      slaPlan: draft.slaPlan,
      slaPlanInherited,
      source: draft.source,
      owner: ownerUser,
      assignee,
      team: topic?.assignTeam ?? null,
      createdAt: now,
      updatedAt: now,
      lastMessageAt: now,
      dueAt: dueDate({ start: now, plan: draft.slaPlan, override: null }),
    });
    await em.flush();
    trackBefore(em, ticket.id, null);
    recordEvent(em, ticket, TicketEventKind.CREATED, actorOf(ctx), {
      after: {
        number: ticket.number,
        subject: ticket.subject,
        statusId: status.id,
        state: ticket.state,
        departmentId: draft.department.id,
        priorityId: draft.priority.id,
        source: ticket.source,
        ownerId: ownerUser.id,
        assigneeId: ticket.assignee?.id ?? null,
        teamId: ticket.team?.id ?? null,
        dueAt: ticket.dueAt?.toISOString() ?? null,
      },
    });
    await postEntry(em, ctx, ticket, {
      type: ThreadEntryType.MESSAGE,
      body: input.body,
      attachmentIds: input.attachmentIds ?? [],
      poster: { user: ownerUser },
      now,
      event: false,
    });
    if (collaborators.length) await addCollaboratorsTo(em, ticket, collaborators, CollaboratorRole.CC, actorOf(ctx), now);
    // Creation is version 1, whatever the steps above counted.
    ticket.version = 1;
    ticket.updatedAt = now;
    if (key) em.create(IntakeKey, { caller, key, ticket });
    await em.flush();
    return { ticket, accessToken: viewer ? null : await accessToken(em, ticket) };
  });
}
