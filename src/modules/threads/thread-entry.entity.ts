import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import type { Agent } from '../directory/agent.entity';
import type { EndUser } from '../directory/end-user.entity';
import type { Ticket } from '../tickets/ticket.entity';

export enum ThreadEntryType {
  MESSAGE = 'MESSAGE',
  RESPONSE = 'RESPONSE',
  NOTE = 'NOTE',
}

registerEnumType(ThreadEntryType, {
  name: 'ThreadEntryType',
  description: 'What a thread entry is.',
  valuesConfig: {
    MESSAGE: { description: "From the ticket's owner or a collaborator." },
    RESPONSE: { description: 'From an agent, sent to the owner and active collaborators.' },
    NOTE: { description: 'Internal: agents only.' },
  },
});

@Entity({ tableName: 'thread_entry' })
@Index({ properties: ['ticket', 'id'] })
export class ThreadEntry {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne({ entity: 'Ticket', ref: true, deleteRule: 'cascade' })
  ticket!: Ref<Ticket>;

  @Enum({ items: () => ThreadEntryType, nativeEnumName: 'thread_entry_type' })
  type!: ThreadEntryType;

  /** Sanitized HTML. */
  @Property({ type: 'text' })
  body!: string;

  /** Plain-text rendering of the body. */
  @Property({ type: 'text' })
  bodyText!: string;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'set null' })
  posterAgent: Ref<Agent> | null = null;

  @ManyToOne({ entity: 'EndUser', ref: true, nullable: true, deleteRule: 'set null' })
  posterUser: Ref<EndUser> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  editedAt: Date | null = null;
}

/** The body an entry had before an edit (SPEC §5: every edit keeps the previous body). */
@Entity({ tableName: 'thread_entry_revision' })
export class ThreadEntryRevision {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne({ entity: 'ThreadEntry', ref: true, deleteRule: 'cascade', index: true })
  entry!: Ref<ThreadEntry>;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'text' })
  bodyText!: string;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'set null' })
  editor: Ref<Agent> | null = null;

  /** When this body was replaced. */
  @Property({ type: 'datetime' })
  replacedAt: Date & Opt = new Date();
}
