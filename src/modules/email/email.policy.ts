import type { Principal } from '../tickets/ticket.policy';

/**
 * Who may read the outbox: administrators all of it; other agents the emails
 * of one ticket they can see (the caller checks visibility through the
 * ticket query). End users never: recipients include BCC addresses.
 */
export function outboxAccess(p: Principal, ticketGiven: boolean): 'all' | 'ticket' | 'none' {
  if (p.kind !== 'agent') return 'none';
  if (p.isAdmin) return 'all';
  return ticketGiven ? 'ticket' : 'none';
}

/** Delivery status and raw sources of a thread's emails are for agents who can see the ticket. */
export const readsEmailDetails = (p: Principal): boolean => p.kind === 'agent';
