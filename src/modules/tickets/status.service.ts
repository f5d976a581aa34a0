import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems, refuse } from '../../common/errors';
import { decodeIdOf } from '../../common/global-id';
import { lookupRef } from '../../common/lookup';
import { refWhere } from '../../common/reference-cache';
import { inTransaction } from '../../common/tx';
import { actorOf, recordEvent, type EventActor } from '../events/events.service';
import { trackBefore } from '../events/outbox';
import { recomputeDue } from '../sla/due-date';
import { clearLock } from './lock.service';
import { touch, type TicketCommand } from './ticket.command';
import { Ticket } from './ticket.entity';
import { statusChange } from './ticket.lifecycle';
import { canSee, principalOf, statusMoveRefusal, ticketHere } from './ticket.policy';
import { snapshotsOf } from './ticket.snapshot';
import { TicketState } from './ticket-state';
import { TicketStatus } from './ticket-status.entity';

// Status changes (SPEC §7): the bulk command, and the status step of a reply or note.

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
  if (change.releaseLock) clearLock(ticket);
  if (change.recomputeDue) await recomputeDue(em, ticket, now);
  touch(ticket, now);
  recordEvent(em, ticket, change.kind, actor, {
    before: { statusId: previousStatus, state: from },
    after: { statusId: status.id, state: status.state },
    ...(note ? { note } : {}),
  });
}

export async function defaultOpenStatus(em: EntityManager): Promise<TicketStatus> {
  const [status] = await refWhere(em, TicketStatus, (s) => s.state === TicketState.OPEN && s.isDefault === true);
  if (!status) throw new Error('no default open status');
  return status;
}

/** Resolves a status id for the status step of a command; the policy says whether the viewer may make that move. */
export async function statusFor(c: TicketCommand, statusId: string, field: string): Promise<TicketStatus> {
  const problems = new Problems();
  const status = await lookupRef(c.em, TicketStatus, 'TicketStatus', statusId, field, problems);
  problems.throwIfAny();
  const refusal = statusMoveRefusal(c.principal, c.here, status!);
  if (refusal) refuse(refusal);
  return status!;
}

/** Many tickets to one status, all or nothing (the queue's quick action). */
export async function setTicketStatus(ctx: Context, input: { ticketIds: string[]; statusId: string; note?: string | null }): Promise<Ticket[]> {
  if (input.ticketIds.length === 0) fail(ErrorCode.BAD_USER_INPUT, 'Name at least one ticket', 'ticketIds');
  if (input.ticketIds.length > 100) fail(ErrorCode.BAD_USER_INPUT, 'At most 100 tickets at once', 'ticketIds');
  const principal = await principalOf(ctx);
  return inTransaction(ctx, async (em) => {
    const problems = new Problems();
    const status = await lookupRef(em, TicketStatus, 'TicketStatus', input.statusId, 'statusId', problems);
    const keys = input.ticketIds.map((id) => decodeIdOf('Ticket', id));
    const found = await em.find(Ticket, { id: { $in: keys.filter((k): k is number => k !== null) } }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
    const byId = new Map(found.map((t) => [t.id, t]));
    const snapshots = await snapshotsOf(em, found);
    const tickets: Ticket[] = [];
    const now = new Date();
    for (const [i, key] of keys.entries()) {
      const t = key === null ? undefined : byId.get(key);
      const snap = t ? snapshots.get(t.id)! : null;
      if (!t || !snap || !canSee(principal, snap)) {
        problems.add(ErrorCode.NOT_FOUND, 'Ticket not found', ['ticketIds', String(i)]);
        continue;
      }
      // Only the policy's answer becomes a per-ticket error; anything else (a database failure) is not a refusal.
      if (status && statusMoveRefusal(principal, ticketHere(t, snap, now), status)) {
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
