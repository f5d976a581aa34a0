import { randomInt } from 'node:crypto';
import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { decodeIdOf, toGlobalId } from '../../common/global-id';
import { lookup } from '../../common/lookup';
import { inTransaction } from '../../common/tx';
import { trackBefore } from '../events/outbox';
import { cleanEmail, cleanName } from '../../common/validate';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { EndUser } from '../directory/end-user.entity';
import { findOrCreateEndUser } from '../directory/directory.service';
import { Team } from '../directory/team.entity';
import { recordEvent, type EventActor } from '../events/events.service';
import { TicketEventKind } from '../events/ticket-event.entity';
import { SlaPlan } from '../sla/sla-plan.entity';
import { dueDate, loadSlaPlan } from '../sla/due-date';
import { Collaborator, CollaboratorRole } from './collaborator.entity';
import { HelpTopic } from './help-topic.entity';
import { Priority } from './priority.entity';
import { Ticket } from './ticket.entity';
import { LOCK_MS, lockHeldByOther, randomTicketNumber, statusChange } from './ticket.lifecycle';
import { abilities, agentWorksIn, loadPrincipal, principalOf, visibility, type Principal, type TicketAbilities } from './ticket.policy';
import { evaluate, type TicketSnapshot } from './ticket-predicate';
import { snapshotOf, snapshotsOf } from './ticket.snapshot';
import { TicketState } from './ticket-state';
import { TicketStatus } from './ticket-status.entity';

// Ticket commands: one short transaction each, the ticket row locked for the
// duration, the policy checked inside, an event written for every change.

export type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;

export function actorOf(ctx: Context): EventActor {
  const v = ctx.viewer;
  if (!v) return {};
  return v.kind === 'agent' ? { agent: v.agent } : { user: v.user };
}

export interface TicketCommand {
  em: EntityManager;
  ticket: Ticket;
  snapshot: TicketSnapshot;
  principal: Principal;
  can: TicketAbilities;
  now: Date;
}

/**
 * Runs `work` in one transaction on a ticket the viewer can see, its row
 * locked (SELECT … FOR UPDATE) so racing commands serialize. A bad, unknown
 * or invisible id is NOT_FOUND on `field`.
 */
export async function onTicket<T>(
  ctx: Context,
  ticketId: string,
  field: string,
  work: (c: TicketCommand) => Promise<T>,
  notFound = 'Ticket not found',
): Promise<T> {
  const principal = await principalOf(ctx);
  const key = decodeIdOf('Ticket', ticketId);
  if (key === null) fail(ErrorCode.NOT_FOUND, notFound, field);
  return inTransaction(ctx, async (em) => {
    const ticket = await em.findOne(Ticket, key!, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!ticket) return fail(ErrorCode.NOT_FOUND, notFound, field);
    const snapshot = await snapshotOf(em, ticket);
    // Same answer as for an id that does not exist: existence is not leaked.
    if (!evaluate(visibility(principal), snapshot)) return fail(ErrorCode.NOT_FOUND, notFound, field);
    trackBefore(em, ticket.id, snapshot);
    return work({ em, ticket, snapshot, principal, can: abilities(principal, snapshot), now: new Date() });
  });
}

export function requireAgent(c: TicketCommand): AgentPrincipal {
  if (c.principal.kind !== 'agent') return fail(ErrorCode.FORBIDDEN, 'Only agents may do this');
  return c.principal;
}

export function checkVersion(ticket: Ticket, expected: number | null | undefined): void {
  if (expected != null && expected !== ticket.version) {
    fail(ErrorCode.CONFLICT, `The ticket changed since you read it (version ${ticket.version}, not ${expected}); reload and try again`, 'expectedVersion');
  }
}

export function checkLock(c: TicketCommand, agentId: number): void {
  const lock = { agentId: c.ticket.lockAgent?.id ?? null, expiresAt: c.ticket.lockExpiresAt };
  if (lockHeldByOther(lock, agentId, c.now)) fail(ErrorCode.LOCKED, 'Another agent is working on this ticket (it is locked)');
}

export function deny(message = 'You may see this ticket but not do this'): never {
  return fail(ErrorCode.FORBIDDEN, message);
}

/** Marks a change: bumps the version and the update time. */
export function touch(ticket: Ticket, now: Date): void {
  ticket.version += 1;
  ticket.updatedAt = now;
}

/** Recomputes the due date from `start` (creation or reopen time) with the ticket's SLA plan; an agent-set date still wins. */
export async function recomputeDue(em: EntityManager, ticket: Ticket, start: Date): Promise<void> {
  const plan = ticket.slaPlan ? await loadSlaPlan(em, ticket.slaPlan.id) : null;
  ticket.dueAt = dueDate({ start, plan, override: ticket.dueAtOverride });
}

/** The SLA plan a ticket inherits in a department: the department's, else the desk's default (schedule loaded). */
export async function inheritedSlaPlan(em: EntityManager, department: Department): Promise<SlaPlan | null> {
  if (department.slaPlan) {
    const plan = await loadSlaPlan(em, department.slaPlan.id);
    if (plan) return plan;
  }
  return em.findOne(SlaPlan, { isDefault: true }, { populate: ['schedule'] });
}

/** Whether an agent may be assigned tickets of a department (SPEC §1: active, with access to it). */
export async function assignableIn(em: EntityManager, agent: Agent, departmentId: number): Promise<boolean> {
  if (!agent.isActive) return false;
  const target = await loadPrincipal(em, { kind: 'agent', agent, tokenId: 0, via: 'session' });
  return agentWorksIn(target as AgentPrincipal, departmentId);
}

/** Applies a status (SPEC §7): closing releases the lock, reopening recomputes the due date. */
export async function applyStatus(em: EntityManager, ticket: Ticket, status: TicketStatus, now: Date, actor: EventActor, note?: string | null): Promise<void> {
  const from = ticket.state;
  const previousStatus = ticket.status.id;
  if (previousStatus === status.id) return;
  const change = statusChange(from, status.state, now);
  ticket.status = ref(status);
  ticket.state = status.state;
  if (change.closedAt !== undefined) ticket.closedAt = change.closedAt;
  if (change.reopenedAt) ticket.reopenedAt = change.reopenedAt;
  ticket.reopenCount += change.reopenCountDelta;
  if (change.clearAnswered) ticket.isAnswered = false;
  if (change.releaseLock) {
    ticket.lockAgent = null;
    ticket.lockExpiresAt = null;
  }
  if (change.recomputeDue) await recomputeDue(em, ticket, now);
  touch(ticket, now);
  recordEvent(em, ticket, change.kind, actor, {
    before: { statusId: previousStatus, state: from },
    after: { statusId: status.id, state: status.state },
    ...(note ? { note } : {}),
  });
}

export async function defaultOpenStatus(em: EntityManager): Promise<TicketStatus> {
  return em.findOneOrFail(TicketStatus, { state: TicketState.OPEN, isDefault: true });
}

/** Resolves a status id for a status change; checks the viewer may make that move. */
export async function statusFor(c: TicketCommand, statusId: string, field: string): Promise<TicketStatus> {
  const problems = new Problems();
  const status = await lookup(c.em, TicketStatus, 'TicketStatus', statusId, field, problems);
  problems.throwIfAny();
  const refusal = statusMoveRefusal(c, status!);
  if (refusal) deny(refusal);
  return status!;
}

/** Why the viewer may not move the command's ticket to `s`, or null when they may. */
export function statusMoveRefusal(c: Pick<TicketCommand, 'ticket' | 'can'>, s: TicketStatus): string | null {
  if (s.id === c.ticket.status.id) return null;
  if (s.state === TicketState.CLOSED || (s.state === TicketState.OPEN && c.ticket.state === TicketState.CLOSED)) {
    if (c.ticket.state === TicketState.CLOSED ? !c.can.reopen : !c.can.close) return 'Your role may not close or reopen tickets here';
  } else if (s.state === TicketState.DELETED) {
    if (!c.can.delete) return 'Your role may not delete tickets here';
  } else if (s.state === TicketState.ARCHIVED) {
    if (!c.can.close) return 'Your role may not archive tickets here';
  } else if (!c.can.edit && !c.can.close) {
    return 'Your role may not change the status here';
  }
  return null;
}

// ---- assignment --------------------------------------------------------------

export function assignTicket(ctx: Context, input: { ticketId: string; agentId?: string | null; teamId?: string | null; note?: string | null }): Promise<Ticket> {
  return onTicket(ctx, input.ticketId, 'ticketId', async (c) => {
    requireAgent(c);
    if (!c.can.assign) deny('Your role may not assign tickets here');
    if (!input.agentId && !input.teamId) fail(ErrorCode.BAD_USER_INPUT, 'Name an agent, a team, or both', 'agentId');
    const problems = new Problems();
    const agent = input.agentId ? await lookup(c.em, Agent, 'Agent', input.agentId, 'agentId', problems) : null;
    const team = input.teamId ? await lookup(c.em, Team, 'Team', input.teamId, 'teamId', problems) : null;
    problems.throwIfAny();
    if (agent) {
      if (!agent.isActive) fail(ErrorCode.BAD_USER_INPUT, 'The agent is inactive and cannot be assigned', 'agentId');
      const target = await loadPrincipal(c.em, { kind: 'agent', agent, tokenId: 0, via: 'session' });
      if (!agentWorksIn(target as AgentPrincipal, c.ticket.department.id)) {
        fail(ErrorCode.BAD_USER_INPUT, "The agent has no access to the ticket's department", 'agentId');
      }
    }
    setAssignment(c, agent, team, actorOf(ctx), input.note ?? null);
    return c.ticket;
  });
}

function setAssignment(c: TicketCommand, agent: Agent | null, team: Team | null, actor: EventActor, note: string | null): void {
  const before = { agentId: c.ticket.assignee?.id ?? null, teamId: c.ticket.team?.id ?? null };
  if (agent) c.ticket.assignee = ref(agent);
  if (team) c.ticket.team = ref(team);
  const after = { agentId: c.ticket.assignee?.id ?? null, teamId: c.ticket.team?.id ?? null };
  if (before.agentId === after.agentId && before.teamId === after.teamId) return;
  touch(c.ticket, c.now);
  recordEvent(c.em, c.ticket, TicketEventKind.ASSIGNED, actor, { before, after, ...(note ? { note } : {}) });
}

export function claimTicket(ctx: Context, ticketId: string): Promise<Ticket> {
  return onTicket(ctx, ticketId, 'ticketId', async (c) => {
    const me = requireAgent(c);
    if (!c.can.assign) deny('Your role may not claim tickets here');
    const current = c.ticket.assignee?.id ?? null;
    if (current === me.agentId) return c.ticket;
    if (current !== null) fail(ErrorCode.CONFLICT, 'The ticket is already assigned to another agent');
    const agent = await c.em.findOneOrFail(Agent, me.agentId);
    setAssignment(c, agent, null, actorOf(ctx), null);
    return c.ticket;
  });
}

export function releaseTicket(ctx: Context, ticketId: string): Promise<Ticket> {
  return onTicket(ctx, ticketId, 'ticketId', async (c) => {
    requireAgent(c);
    if (!c.can.release && c.ticket.state === TicketState.OPEN && c.ticket.assignee === null && c.ticket.team === null) {
      fail(ErrorCode.CONFLICT, 'The ticket is not assigned');
    }
    if (!c.can.release) deny('Your role may not release tickets here');
    const before = { agentId: c.ticket.assignee?.id ?? null, teamId: c.ticket.team?.id ?? null };
    if (before.agentId === null && before.teamId === null) fail(ErrorCode.CONFLICT, 'The ticket is not assigned');
    c.ticket.assignee = null;
    c.ticket.team = null;
    touch(c.ticket, c.now);
    recordEvent(c.em, c.ticket, TicketEventKind.RELEASED, actorOf(ctx), { before, after: { agentId: null, teamId: null } });
    return c.ticket;
  });
}

export function transferTicket(ctx: Context, input: { ticketId: string; departmentId: string; note?: string | null }): Promise<Ticket> {
  return onTicket(ctx, input.ticketId, 'ticketId', async (c) => {
    requireAgent(c);
    if (!c.can.transfer) deny('Your role may not transfer tickets here');
    const problems = new Problems();
    const dept = await lookup(c.em, Department, 'Department', input.departmentId, 'departmentId', problems);
    problems.throwIfAny();
    if (dept!.id === c.ticket.department.id) return c.ticket;
    const t = c.ticket;
    const before: Record<string, unknown> = { departmentId: t.department.id };
    const after: Record<string, unknown> = { departmentId: dept!.id };
    t.department = ref(dept!);
    // The new department's SLA applies only to a plan the ticket inherited (SPEC §6): one a help
    // topic, filter or agent chose stays, and so does its due date.
    if (t.slaPlanInherited) {
      const plan = await inheritedSlaPlan(c.em, dept!);
      if ((plan?.id ?? null) !== (t.slaPlan?.id ?? null)) {
        const oldDue = t.dueAt;
        before.slaPlanId = t.slaPlan?.id ?? null;
        after.slaPlanId = plan?.id ?? null;
        t.slaPlan = plan ? ref(plan) : null;
        await recomputeDue(c.em, t, t.reopenedAt ?? t.createdAt);
        if ((oldDue?.getTime() ?? null) !== (t.dueAt?.getTime() ?? null)) {
          before.dueAt = oldDue?.toISOString() ?? null;
          after.dueAt = t.dueAt?.toISOString() ?? null;
        }
      }
    }
    touch(t, c.now);
    recordEvent(c.em, t, TicketEventKind.TRANSFERRED, actorOf(ctx), { before, after, ...(input.note ? { note: input.note } : {}) });
    return t;
  });
}

// ---- status ------------------------------------------------------------------

/** Many tickets to one status, all or nothing (the queue's quick action). */
export async function setTicketStatus(ctx: Context, input: { ticketIds: string[]; statusId: string; note?: string | null }): Promise<Ticket[]> {
  if (input.ticketIds.length === 0) fail(ErrorCode.BAD_USER_INPUT, 'Name at least one ticket', 'ticketIds');
  if (input.ticketIds.length > 100) fail(ErrorCode.BAD_USER_INPUT, 'At most 100 tickets at once', 'ticketIds');
  const principal = await principalOf(ctx);
  return inTransaction(ctx, async (em) => {
    const problems = new Problems();
    const status = await lookup(em, TicketStatus, 'TicketStatus', input.statusId, 'statusId', problems);
    const keys = input.ticketIds.map((id) => decodeIdOf('Ticket', id));
    const found = await em.find(Ticket, { id: { $in: keys.filter((k): k is number => k !== null) } }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
    const byId = new Map(found.map((t) => [t.id, t]));
    const snapshots = await snapshotsOf(em, found);
    const tickets: Ticket[] = [];
    const now = new Date();
    for (const [i, key] of keys.entries()) {
      const t = key === null ? undefined : byId.get(key);
      const snap = t ? snapshots.get(t.id)! : null;
      if (!t || !snap || !evaluate(visibility(principal), snap)) {
        problems.add(ErrorCode.NOT_FOUND, 'Ticket not found', ['ticketIds', String(i)]);
        continue;
      }
      // Only the policy's answer becomes a per-ticket error; anything else (a database failure) is not a refusal.
      if (status && statusMoveRefusal({ ticket: t, can: abilities(principal, snap) }, status)) {
        problems.add(ErrorCode.FORBIDDEN, `You may not move ticket ${t.number} to ${status.name}`, ['ticketIds', String(i)]);
        continue;
      }
      if (!tickets.includes(t)) {
        tickets.push(t);
        trackBefore(em, t.id, snap);
      }
    }
    problems.throwIfAny();
    for (const t of tickets) await applyStatus(em, t, status!, now, actorOf(ctx), input.note ?? null);
    return tickets;
  });
}

// ---- edits -------------------------------------------------------------------

export interface UpdateTicketFields {
  ticketId: string;
  subject?: string | null;
  priorityId?: string | null;
  helpTopicId?: string | null;
  slaPlanId?: string | null;
  dueAt?: Date | null;
  expectedVersion?: number | null;
}

export function updateTicket(ctx: Context, input: UpdateTicketFields): Promise<Ticket> {
  return onTicket(ctx, input.ticketId, 'ticketId', async (c) => {
    requireAgent(c);
    if (!c.can.edit) deny('Your role may not edit tickets here');
    checkVersion(c.ticket, input.expectedVersion);
    const t = c.ticket;
    const problems = new Problems();
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const set = (key: string, old: unknown, value: unknown) => {
      if (old === value) return;
      before[key] = old;
      after[key] = value;
    };
    if (input.subject != null) {
      const subject = cleanSubject(problems, input.subject);
      set('subject', t.subject, subject);
      t.subject = subject;
    }
    if (input.priorityId != null) {
      const p = await lookup(c.em, Priority, 'Priority', input.priorityId, 'priorityId', problems);
      if (p) {
        set('priorityId', t.priority.id, p.id);
        t.priority = ref(p);
        t.urgency = p.urgency;
      }
    }
    if (input.helpTopicId !== undefined) {
      const h = input.helpTopicId ? await lookup(c.em, HelpTopic, 'HelpTopic', input.helpTopicId, 'helpTopicId', problems) : null;
      set('helpTopicId', t.helpTopic?.id ?? null, h?.id ?? null);
      t.helpTopic = h ? ref(h) : null;
    }
    let slaChanged = false;
    if (input.slaPlanId !== undefined) {
      const s = input.slaPlanId ? await lookup(c.em, SlaPlan, 'SlaPlan', input.slaPlanId, 'slaPlanId', problems) : null;
      slaChanged = (t.slaPlan?.id ?? null) !== (s?.id ?? null);
      set('slaPlanId', t.slaPlan?.id ?? null, s?.id ?? null);
      t.slaPlan = s ? ref(s) : null;
      // An agent's choice: a later transfer keeps it.
      if (slaChanged) t.slaPlanInherited = false;
    }
    const oldDue = t.dueAt;
    if (input.dueAt !== undefined) {
      t.dueAtOverride = input.dueAt;
      if (input.dueAt) t.dueAt = input.dueAt;
    }
    problems.throwIfAny();
    if (slaChanged || (input.dueAt === null && oldDue)) await recomputeDue(c.em, t, t.reopenedAt ?? t.createdAt);
    set('dueAt', oldDue?.toISOString() ?? null, t.dueAt?.toISOString() ?? null);
    if (Object.keys(after).length === 0) return t;
    touch(t, c.now);
    recordEvent(c.em, t, TicketEventKind.EDITED, actorOf(ctx), { before, after });
    return t;
  });
}

export function markTicketAnswered(ctx: Context, input: { ticketId: string; answered: boolean }): Promise<Ticket> {
  return onTicket(ctx, input.ticketId, 'ticketId', async (c) => {
    requireAgent(c);
    if (!c.can.markAnswered) deny('Your role may not mark tickets answered here');
    if (c.ticket.isAnswered === input.answered) return c.ticket;
    c.ticket.isAnswered = input.answered;
    touch(c.ticket, c.now);
    recordEvent(c.em, c.ticket, TicketEventKind.EDITED, actorOf(ctx), { before: { isAnswered: !input.answered }, after: { isAnswered: input.answered } });
    return c.ticket;
  });
}

// ---- collaborators -----------------------------------------------------------

export interface PersonInput {
  email: string;
  name?: string | null;
}

export function cleanPeople(problems: Problems, people: PersonInput[], field: string): { email: string; name: string | null }[] {
  const seen = new Set<string>();
  const result: { email: string; name: string | null }[] = [];
  people.forEach((p, i) => {
    const email = cleanEmail(problems, p.email, `${field}.${i}.email`);
    const name = p.name != null ? cleanName(problems, p.name, `${field}.${i}.name`, 200) : null;
    if (!seen.has(email)) result.push({ email, name });
    seen.add(email);
  });
  return result;
}

/** Adds (or reactivates) collaborators; returns those added. */
export async function addCollaboratorsTo(
  em: EntityManager,
  ticket: Ticket,
  people: { email: string; name: string | null }[],
  role: CollaboratorRole,
  actor: EventActor,
  now: Date,
): Promise<Collaborator[]> {
  const added: Collaborator[] = [];
  for (const person of people) {
    let user = await em.findOne(EndUser, { email: person.email });
    if (user?.id === ticket.owner.id) continue;
    user ??= await findOrCreateEndUser(em, person.email, person.name);
    const existing = user.id ? await em.findOne(Collaborator, { ticket: ticket.id, user: user.id }) : null;
    if (existing) {
      if (existing.isActive && existing.role === role) continue;
      existing.isActive = true;
      existing.role = role;
      added.push(existing);
    } else {
      added.push(em.create(Collaborator, { ticket: ref(ticket), user: ref(user), role }));
    }
  }
  if (added.length) {
    await em.flush();
    touch(ticket, now);
    recordEvent(em, ticket, TicketEventKind.COLLABORATOR_ADDED, actor, {
      after: { collaborators: added.map((c) => ({ userId: c.user.id, role: c.role })) },
    });
  }
  return added;
}

export function addCollaborators(ctx: Context, input: { ticketId: string; people: PersonInput[]; role?: CollaboratorRole | null }): Promise<Ticket> {
  return onTicket(ctx, input.ticketId, 'ticketId', async (c) => {
    requireAgent(c);
    if (!c.can.manageCollaborators) deny('Your role may not manage collaborators here');
    const problems = new Problems();
    if (input.people.length === 0) problems.add(ErrorCode.BAD_USER_INPUT, 'Name at least one person', 'people');
    if (input.people.length > 50) problems.add(ErrorCode.BAD_USER_INPUT, 'At most 50 people at once', 'people');
    const people = cleanPeople(problems, input.people, 'people');
    problems.throwIfAny();
    await addCollaboratorsTo(c.em, c.ticket, people, input.role ?? CollaboratorRole.CC, actorOf(ctx), c.now);
    return c.ticket;
  });
}

export async function removeCollaborator(ctx: Context, collaboratorId: string): Promise<Ticket> {
  const key = decodeIdOf('Collaborator', collaboratorId);
  const found = key === null ? null : await ctx.em.fork().findOne(Collaborator, key);
  if (!found) return fail(ErrorCode.NOT_FOUND, 'Collaborator not found', 'collaboratorId');
  const ticketId = toGlobalId('Ticket', found.ticket.id);
  return onTicket(ctx, ticketId, 'collaboratorId', async (c) => {
    requireAgent(c);
    if (!c.can.manageCollaborators) deny('Your role may not manage collaborators here');
    const collab = await c.em.findOneOrFail(Collaborator, key!);
    if (!collab.isActive) return c.ticket;
    collab.isActive = false;
    touch(c.ticket, c.now);
    recordEvent(c.em, c.ticket, TicketEventKind.COLLABORATOR_REMOVED, actorOf(ctx), { before: { userId: collab.user.id, role: collab.role } });
    return c.ticket;
  }, 'Collaborator not found');
}

// ---- locks -------------------------------------------------------------------

export function lockTicket(ctx: Context, ticketId: string): Promise<Ticket> {
  return onTicket(ctx, ticketId, 'ticketId', async (c) => {
    const me = requireAgent(c);
    if (c.ticket.state === TicketState.DELETED || c.ticket.state === TicketState.ARCHIVED) fail(ErrorCode.CONFLICT, 'The ticket is not open to work on');
    checkLock(c, me.agentId);
    c.ticket.lockAgent = ref(Agent, me.agentId);
    c.ticket.lockExpiresAt = new Date(c.now.getTime() + LOCK_MS);
    return c.ticket;
  });
}

export function unlockTicket(ctx: Context, ticketId: string): Promise<Ticket> {
  return onTicket(ctx, ticketId, 'ticketId', async (c) => {
    const me = requireAgent(c);
    const holder = c.ticket.lockAgent?.id ?? null;
    const held = holder !== null && c.ticket.lockExpiresAt !== null && c.ticket.lockExpiresAt > c.now;
    if (held && holder !== me.agentId && !me.isAdmin) fail(ErrorCode.LOCKED, 'Another agent holds the lock');
    c.ticket.lockAgent = null;
    c.ticket.lockExpiresAt = null;
    return c.ticket;
  });
}

// ---- helpers -----------------------------------------------------------------

export function cleanSubject(problems: Problems, value: string): string {
  return cleanName(problems, value, 'subject', 255);
}

/** A fresh random number nobody has; collisions retry (and grow the number). */
export async function newTicketNumber(em: EntityManager): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const number = randomTicketNumber(attempt, (max) => randomInt(max));
    if ((await em.count(Ticket, { number })) === 0) return number;
  }
  throw new Error('could not find a free ticket number');
}

