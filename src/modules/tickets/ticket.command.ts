import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, fail, refuse } from '../../common/errors';
import { decodeIdOf } from '../../common/global-id';
import { inTransaction } from '../../common/tx';
import { trackBefore } from '../events/outbox';
import { Ticket } from './ticket.entity';
import { canSee, decide, principalOf, ticketHere, type Principal, type TicketAction, type TicketHere } from './ticket.policy';
import { snapshotOf } from './ticket.snapshot';

// The command runner: every command on one ticket takes this path — one short
// transaction, the ticket row locked for its duration, the policy's decision
// inside it, an event written for every change (by the command), the events
// sealed before the commit (the services' `beforeCommit`).

export interface TicketCommand {
  em: EntityManager;
  ticket: Ticket;
  principal: Principal;
  /** What the policy read to let the command through, the ticket's snapshot among it (ask it again for a second decision). */
  here: TicketHere;
  now: Date;
}

export interface TicketCommandOptions {
  /** The input field naming the object; an unknown or invisible one is NOT_FOUND there. */
  field: string;
  /** What the command does, as the policy knows it: refused before `work` runs. */
  action: TicketAction;
  /** The version the caller read (CONFLICT when the ticket has moved on). */
  expectedVersion?: number | null;
  /** The NOT_FOUND message (the object the caller named: a ticket, a collaborator, an entry). */
  notFound?: string;
}

/**
 * Runs `work` in one transaction on a ticket the viewer can see, its row
 * locked (SELECT … FOR UPDATE) so racing commands serialize, once the policy
 * allows `action`. A bad, unknown or invisible id is NOT_FOUND on `field`.
 */
export async function onTicket<T>(ctx: Context, ticketId: string, options: TicketCommandOptions, work: (c: TicketCommand) => Promise<T>): Promise<T> {
  const { field, notFound = 'Ticket not found' } = options;
  const principal = await principalOf(ctx);
  const key = decodeIdOf('Ticket', ticketId);
  if (key === null) fail(ErrorCode.NOT_FOUND, notFound, field);
  return inTransaction(ctx, async (em) => {
    // The owner and its organization come joined to the locked row (the snapshot needs them, and they
    // are not what the lock orders: changing them takes no ticket lock).
    const ticket = await em.findOne(Ticket, key!, { lockMode: LockMode.PESSIMISTIC_WRITE, lockTableAliases: ['t0'], populate: ['owner.organization'], strategy: 'joined' });
    if (!ticket) return fail(ErrorCode.NOT_FOUND, notFound, field);
    const snapshot = await snapshotOf(em, ticket);
    // Same answer as for an id that does not exist: existence is not leaked.
    if (!canSee(principal, snapshot)) return fail(ErrorCode.NOT_FOUND, notFound, field);
    const now = new Date();
    const here = ticketHere(ticket, snapshot, now);
    const refusal = decide(principal, options.action, here, { expectedVersion: options.expectedVersion });
    if (refusal) refuse(refusal);
    trackBefore(em, ticket.id, snapshot);
    return work({ em, ticket, principal, here, now });
  });
}

/** Marks a change: bumps the version and the update time. */
export function touch(ticket: Ticket, now: Date): void {
  ticket.version += 1;
  ticket.updatedAt = now;
}
