import { ref } from '@mikro-orm/core';
import type { Context } from '../../common/context';
import { Agent } from '../directory/agent.entity';
import { onTicket } from './ticket.command';
import type { Ticket } from './ticket.entity';
import { LOCK_MS } from './ticket.lifecycle';
import { asAgent } from './ticket.policy';

// The lock an agent takes while working on a ticket (SPEC §5). Who it blocks,
// and who may release it, is the policy's (`decide`: 'lock', 'unlock', LOCK_BLOCKS).

/** Takes (or renews) the viewer's lock. */
export function lockTicket(ctx: Context, ticketId: string): Promise<Ticket> {
  return onTicket(ctx, ticketId, { field: 'ticketId', action: 'lock' }, async (c) => {
    c.ticket.lockAgent = ref(Agent, asAgent(c.principal).agentId);
    c.ticket.lockExpiresAt = new Date(c.now.getTime() + LOCK_MS);
    return c.ticket;
  });
}

export function unlockTicket(ctx: Context, ticketId: string): Promise<Ticket> {
  return onTicket(ctx, ticketId, { field: 'ticketId', action: 'unlock' }, async (c) => {
    clearLock(c.ticket);
    return c.ticket;
  });
}

/** Releases the lock, whoever holds it (the caller has decided it may). */
export function clearLock(ticket: Ticket): void {
  ticket.lockAgent = null;
  ticket.lockExpiresAt = null;
}
