import { registerEnumType } from 'type-graphql';

export enum TicketState {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
  ARCHIVED = 'ARCHIVED',
  DELETED = 'DELETED',
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
