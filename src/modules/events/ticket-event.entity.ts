import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import type { Agent } from '../directory/agent.entity';
import type { EndUser } from '../directory/end-user.entity';
import type { Ticket } from '../tickets/ticket.entity';
import type { SnapshotJson } from './snapshot-json';

export enum TicketEventKind {
  CREATED = 'CREATED',
  MESSAGE = 'MESSAGE',
  RESPONSE = 'RESPONSE',
  NOTE = 'NOTE',
  ASSIGNED = 'ASSIGNED',
  RELEASED = 'RELEASED',
  TRANSFERRED = 'TRANSFERRED',
  STATUS_CHANGED = 'STATUS_CHANGED',
  CLOSED = 'CLOSED',
  REOPENED = 'REOPENED',
  EDITED = 'EDITED',
  OVERDUE = 'OVERDUE',
  COLLABORATOR_ADDED = 'COLLABORATOR_ADDED',
  COLLABORATOR_REMOVED = 'COLLABORATOR_REMOVED',
  FILTER_APPLIED = 'FILTER_APPLIED',
  MERGED = 'MERGED',
}

registerEnumType(TicketEventKind, {
  name: 'TicketEventKind',
  description: 'What happened to a ticket.',
  valuesConfig: {
    CREATED: { description: 'The ticket was opened.' },
    MESSAGE: { description: 'The owner or a collaborator posted a message.' },
    RESPONSE: { description: 'An agent responded.' },
    NOTE: { description: 'An agent added an internal note.' },
    ASSIGNED: { description: 'Assigned to an agent and/or team (also claims).' },
    RELEASED: { description: 'The assignment was released.' },
    TRANSFERRED: { description: 'Moved to another department.' },
    STATUS_CHANGED: { description: 'The status changed within the same state.' },
    CLOSED: { description: 'Moved to a closed status.' },
    REOPENED: { description: 'Moved from closed back to open.' },
    EDITED: { description: 'Fields or a thread entry were edited, or the answered flag was set by hand.' },
    OVERDUE: { description: 'The due date passed while open.' },
    COLLABORATOR_ADDED: { description: 'End users were copied on the ticket.' },
    COLLABORATOR_REMOVED: { description: 'A collaborator was removed.' },
    FILTER_APPLIED: { description: 'A ticket filter matched at intake.' },
    MERGED: { description: 'Merged with another ticket.' },
  },
});

/**
 * The audit log, and the outbox of live updates: every change to a ticket
 * writes one in the same transaction (SPEC §9). `data` holds the before and
 * after values of the change.
 */
@Entity({ tableName: 'ticket_event' })
@Index({ properties: ['ticket', 'id'] })
export class TicketEvent {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @ManyToOne({ entity: 'Ticket', ref: true, deleteRule: 'cascade' })
  ticket!: Ref<Ticket>;

  @Enum({ items: () => TicketEventKind, nativeEnumName: 'ticket_event_kind' })
  kind!: TicketEventKind;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'set null' })
  actorAgent: Ref<Agent> | null = null;

  @ManyToOne({ entity: 'EndUser', ref: true, nullable: true, deleteRule: 'set null' })
  actorUser: Ref<EndUser> | null = null;

  @Property({ type: 'json', nullable: true })
  data: Record<string, unknown> | null = null;

  /** The ticket's queue-relevant facts before the change (null at creation): live updates evaluate queues on these. */
  @Property({ type: 'json', nullable: true })
  before: SnapshotJson | null = null;

  /** The same facts after the change. */
  @Property({ type: 'json', nullable: true })
  after: SnapshotJson | null = null;

  /** Commit order (from ticket_event_seq, assigned under a lock at commit): the stream's cursor. */
  @Property({ type: 'bigint', nullable: true, unique: true })
  seq: string | null = null;

  /** The moment the change takes effect for time-based predicates (an OVERDUE event: the due date). */
  @Property({ type: 'datetime', nullable: true })
  effectiveAt: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}
