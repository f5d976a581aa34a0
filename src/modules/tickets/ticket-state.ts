import { registerEnumType } from 'type-graphql';

export enum TicketState {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
  ARCHIVED = 'ARCHIVED',
  DELETED = 'DELETED',
}

/**
 * Live: OPEN or CLOSED, the states a ticket is worked in and talked on (a message
 * reopens a CLOSED one). ARCHIVED and DELETED tickets take no replies, notes,
 * messages, edits or locks, and a new ticket may not start in them.
 */
export function isLive(state: TicketState): boolean {
  return state === TicketState.OPEN || state === TicketState.CLOSED;
}

registerEnumType(TicketState, {
  name: 'TicketState',
  description: 'The lifecycle state a ticket status belongs to.',
  valuesConfig: {
    OPEN: { description: 'Being worked on; counts in the open queues.' },
    CLOSED: { description: 'Resolved or closed; a message from the owner reopens it.' },
    ARCHIVED: { description: 'Kept for the record; never reopened by messages.' },
    DELETED: { description: 'Deleted; never reopened by messages.' },
  },
});
