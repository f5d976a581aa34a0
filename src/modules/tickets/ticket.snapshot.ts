import { wrap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { EndUser } from '../directory/end-user.entity';
import { createdInTransaction, sealEvents } from '../events/outbox';
import { Collaborator } from './collaborator.entity';
import { Ticket } from './ticket.entity';
import type { TicketRead } from './ticket.read';
import { isOverdue, type TicketSnapshot } from './ticket-predicate';

// A ticket's snapshot: the facts the policy, the queues and the event outbox read.

/**
 * The before-commit work of every command transaction (registered where the
 * server is assembled, src/server/app.ts): seal its events with the tickets'
 * new facts. A ticket that is already overdue when its change commits needs no
 * OVERDUE later: that change moved it.
 */
export function sealTicketEvents(em: EntityManager): Promise<boolean> {
  return sealEvents(em, async (ids) => {
    const tickets = await Promise.all(ids.map((id) => em.findOneOrFail(Ticket, id)));
    for (const ticket of tickets) if (ticket.dueAt && isOverdue(ticket)) ticket.overdueNotifiedFor = ticket.dueAt;
    return snapshotsOf(em, tickets);
  });
}

/** Per unit of work (an EntityManager fork per command): the tickets whose active collaborators it has loaded. */
const collaboratorsHeld = new WeakMap<EntityManager, Set<number>>();

/** The collaborators of these tickets that the unit of work holds (active or not), by ticket, in id order. */
export function unitCollaborators(em: EntityManager, ticketIds: ReadonlySet<number>): Map<number, Collaborator[]> {
  const out = new Map<number, Collaborator[]>([...ticketIds].map((id) => [id, []]));
  if (ticketIds.size === 0) return out;
  for (const entity of em.getUnitOfWork().getIdentityMap().values()) if (entity instanceof Collaborator) out.get(entity.ticket.id)?.push(entity);
  for (const list of out.values()) list.sort((a, b) => a.id - b.id);
  return out;
}

/**
 * A ticket's active collaborators, their people loaded, in id order, from the
 * unit of work when it holds them all (the ticket was created in this
 * transaction or a snapshot in it read them; changes since are in it too);
 * null when they must be read.
 */
export function heldCollaborators(em: EntityManager, ticketId: number): Collaborator[] | null {
  const held = em.isInTransaction() ? collaboratorsHeld.get(em) : undefined;
  if (!held?.has(ticketId) && !createdInTransaction(em, ticketId)) return null;
  const active = unitCollaborators(em, new Set([ticketId])).get(ticketId)!.filter((c) => c.isActive);
  return active.every((c) => c.user.isInitialized()) ? active : null;
}

/** The queue-relevant facts of a ticket, read inside the caller's transaction. */
export async function snapshotOf(em: EntityManager, t: Ticket): Promise<TicketSnapshot> {
  return (await snapshotsOf(em, [t])).get(t.id)!;
}

/**
 * The facts of several tickets in at most two statements, whatever their
 * number (a bulk close of 50 costs what a close of one does): the owners not
 * already loaded with their organization, and the active collaborators of
 * the tickets that existed before this transaction (a ticket created in it
 * has only the collaborators this unit of work created).
 */
export async function snapshotsOf(em: EntityManager, tickets: readonly Ticket[]): Promise<Map<number, TicketSnapshot>> {
  const out = new Map<number, TicketSnapshot>();
  if (tickets.length === 0) return out;
  const uow = em.getUnitOfWork();
  const loaded = (id: number): EndUser | undefined => {
    const owner = uow.getById<EndUser>(EndUser.name, id);
    // A reference (owner not loaded) has no organization yet: it must be read.
    return owner && wrap(owner).isInitialized() && (!owner.organization || owner.organization.isInitialized()) ? owner : undefined;
  };
  const missing = [...new Set(tickets.map((t) => t.owner.id))].filter((id) => !loaded(id));
  // Tickets whose collaborators this unit of work holds already: created in it, or read by an earlier snapshot in it
  // (a command's "before"; the seal's "after" then reads none). Changes since are in the unit of work too.
  // Only in a transaction (its own fork): an operation's EntityManager outlives the transactions it runs.
  const held = (em.isInTransaction() && collaboratorsHeld.get(em)) || new Set<number>();
  if (em.isInTransaction()) collaboratorsHeld.set(em, held);
  const stored = tickets.filter((t) => !createdInTransaction(em, t.id) && !held.has(t.id)).map((t) => t.id);
  const [owners, collaborators] = await Promise.all([
    missing.length ? em.find(EndUser, { id: { $in: missing } }, { populate: ['organization'] }) : Promise.resolve([]),
    // with their people: the email outbox then takes a reply's recipients from the unit of work (heldCollaborators)
    stored.length ? em.find(Collaborator, { ticket: { $in: stored }, isActive: true }, { populate: ['user'], strategy: 'joined' }) : Promise.resolve([]),
  ]);
  for (const id of stored) held.add(id);
  const ownerById = new Map(owners.map((o) => [o.id, o]));
  const byTicket = new Map<number, number[]>();
  const add = (c: Collaborator) => {
    const list = byTicket.get(c.ticket.id) ?? [];
    if (!list.includes(c.user.id)) list.push(c.user.id);
    byTicket.set(c.ticket.id, list);
  };
  for (const c of collaborators) add(c);
  const fresh = new Set(tickets.filter((t) => createdInTransaction(em, t.id) || (held.has(t.id) && !stored.includes(t.id))).map((t) => t.id));
  for (const list of unitCollaborators(em, fresh).values()) for (const c of list) if (c.isActive) add(c);
  for (const t of tickets) {
    const owner = ownerById.get(t.owner.id) ?? loaded(t.owner.id);
    if (!owner) throw new Error(`owner ${t.owner.id} of ticket ${t.id} not found`);
    const org = owner.organization?.getEntity() ?? null;
    out.set(t.id, snapshotFrom(t, { orgId: org?.id ?? null, orgShares: org?.sharesTickets ?? false }, byTicket.get(t.id) ?? []));
  }
  return out;
}

export function snapshotFrom(t: TicketRead, owner: { orgId: number | null; orgShares: boolean }, collaboratorIds: number[]): TicketSnapshot {
  return {
    id: t.id,
    state: t.state,
    statusId: t.status.id,
    departmentId: t.department.id,
    assigneeId: t.assignee?.id ?? null,
    teamId: t.team?.id ?? null,
    ownerId: t.owner.id,
    ownerOrgId: owner.orgId,
    ownerOrgShares: owner.orgShares,
    priorityId: t.priority.id,
    helpTopicId: t.helpTopic?.id ?? null,
    source: t.source,
    isAnswered: t.isAnswered,
    dueAt: t.dueAt,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    collaboratorIds,
    subject: t.subject,
    number: t.number,
  };
}
