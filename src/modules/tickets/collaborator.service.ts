import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { decodeIdOf, toGlobalId } from '../../common/global-id';
import { cleanEmail, cleanName } from '../../common/validate';
import { findOrCreateEndUser } from '../directory/end-user.service';
import { EndUser } from '../directory/end-user.entity';
import { actorOf, recordEvent, type EventActor } from '../events/events.service';
import { TicketEventKind } from '../events/ticket-event.entity';
import { Collaborator, CollaboratorRole } from './collaborator.entity';
import { onTicket, touch } from './ticket.command';
import type { Ticket } from './ticket.entity';

// Collaborators (SPEC §4): end users copied on a ticket. Who may manage them is
// the ticket policy's ('manageCollaborators'); who sees them, collaborator.policy.ts.

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
  return onTicket(ctx, input.ticketId, { field: 'ticketId', action: 'manageCollaborators' }, async (c) => {
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
  const options = { field: 'collaboratorId', action: 'manageCollaborators', notFound: 'Collaborator not found' } as const;
  return onTicket(ctx, toGlobalId('Ticket', found.ticket.id), options, async (c) => {
    const collab = await c.em.findOneOrFail(Collaborator, key!);
    if (!collab.isActive) return c.ticket;
    collab.isActive = false;
    touch(c.ticket, c.now);
    recordEvent(c.em, c.ticket, TicketEventKind.COLLABORATOR_REMOVED, actorOf(ctx), { before: { userId: collab.user.id, role: collab.role } });
    return c.ticket;
  });
}
