import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { Agent } from '../directory/agent.entity';
import type { Department } from '../directory/department.entity';
import type { EndUser } from '../directory/end-user.entity';
import type { Team } from '../directory/team.entity';
import type { SlaPlan } from '../sla/sla-plan.entity';
import type { HelpTopic } from './help-topic.entity';
import type { Priority } from './priority.entity';
import { TicketSource } from './ticket-source';
import { TicketState } from './ticket-state';
import type { TicketStatus } from './ticket-status.entity';

@Entity({ tableName: 'ticket' })
@Index({ properties: ['department', 'state'] })
@Index({ properties: ['assignee', 'state'] })
@Index({ properties: ['team', 'state'] })
@Index({ properties: ['owner'] })
@Index({ properties: ['state', 'dueAt'] })
@Index({ properties: ['createdAt', 'id'] })
@Index({ properties: ['updatedAt', 'id'] })
// OPEN tickets not yet counted as overdue, by due date: queue counts add those already due (queue-counters.ts).
@Index({
  name: 'ticket_overdue_pending_index',
  expression: `create index "ticket_overdue_pending_index" on "ticket" ("due_at", "id") where "state" = 'OPEN' and "overdue_notified_for" is distinct from "due_at"`,
})
// Keyset pages of one state (ticket.query.ts ORDER_SQL): each index is exactly `state = …` then the sort expression, then id.
@Index({ name: 'ticket_state_created_at_id_index', properties: ['state', 'createdAt', 'id'] })
@Index({ name: 'ticket_state_updated_at_id_index', properties: ['state', 'updatedAt', 'id'] })
@Index({ name: 'ticket_state_urgency_id_index', properties: ['state', 'urgency', 'id'] })
@Index({
  name: 'ticket_state_due_sort_id_index',
  expression: `create index "ticket_state_due_sort_id_index" on "ticket" ("state", (coalesce("due_at", 'infinity'::timestamptz)), "id")`,
})
// `search.text` is a substring match (ilike '%…%'): a trigram index serves it (extension pg_trgm).
@Index({
  name: 'ticket_subject_trgm_index',
  expression: `create index "ticket_subject_trgm_index" on "ticket" using gin ("subject" gin_trgm_ops)`,
})
export class Ticket {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  /** Random, unique, at least six digits: not guessable from the ticket volume. */
  @Property({ type: 'string', length: 20, unique: true })
  number!: string;

  @Property({ type: 'string', length: 255 })
  subject!: string;

  @ManyToOne({ entity: 'TicketStatus', ref: true, deleteRule: 'restrict' })
  status!: Ref<TicketStatus>;

  /** The status's state, kept on the ticket so queues filter without a join. */
  @Enum({ items: () => TicketState, nativeEnumName: 'ticket_state' })
  state!: TicketState;

  @ManyToOne({ entity: 'Priority', ref: true, deleteRule: 'restrict' })
  priority!: Ref<Priority>;

  /** The priority's urgency, kept for ordering by priority. */
  @Property({ type: 'integer' })
  urgency!: number;

  @ManyToOne({ entity: 'Department', ref: true, deleteRule: 'restrict' })
  department!: Ref<Department>;

  @ManyToOne({ entity: 'HelpTopic', ref: true, nullable: true, deleteRule: 'set null' })
  helpTopic: Ref<HelpTopic> | null = null;

  @ManyToOne({ entity: 'SlaPlan', ref: true, nullable: true, deleteRule: 'set null' })
  slaPlan: Ref<SlaPlan> | null = null;

  /**
   * Whether the SLA plan came by default (the department's, or the desk's)
   * rather than being chosen (help topic, filter, agent). A transfer re-applies
   * the new department's default only to an inherited plan.
   */
  @Property({ type: 'boolean' })
  slaPlanInherited: boolean & Opt = false;

  @Enum({ items: () => TicketSource, nativeEnumName: 'ticket_source' })
  source!: TicketSource;

  @ManyToOne({ entity: 'EndUser', ref: true, deleteRule: 'restrict' })
  owner!: Ref<EndUser>;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'set null' })
  assignee: Ref<Agent> | null = null;

  @ManyToOne({ entity: 'Team', ref: true, nullable: true, deleteRule: 'set null' })
  team: Ref<Team> | null = null;

  @Property({ type: 'boolean' })
  isAnswered: boolean & Opt = false;

  /** When the ticket is due: the agent-set date if any, else from the SLA plan. */
  @Property({ type: 'datetime', nullable: true })
  dueAt: Date | null = null;

  /** An agent-set due date; it wins over the SLA plan's. */
  @Property({ type: 'datetime', nullable: true })
  dueAtOverride: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  closedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  reopenedAt: Date | null = null;

  @Property({ type: 'integer' })
  reopenCount: number & Opt = 0;

  @Property({ type: 'datetime', nullable: true })
  lastMessageAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastResponseAt: Date | null = null;

  /** Bumps on every change: optimistic concurrency for clients (`expectedVersion`). */
  @Property({ type: 'integer' })
  version: number & Opt = 1;

  /** The due date an OVERDUE event was emitted for (the scheduler emits once per due date). */
  @Property({ type: 'datetime', nullable: true })
  overdueNotifiedFor: Date | null = null;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'set null' })
  lockAgent: Ref<Agent> | null = null;

  @Property({ type: 'datetime', nullable: true })
  lockExpiresAt: Date | null = null;
}
