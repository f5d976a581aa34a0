import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Exact ticket counts grouped by the facts queues and visibility read (see
 * queue-counters.ts). A database trigger on `ticket` appends one signed row
 * to `queue_count_delta` per changed group in the same transaction as the
 * change; a compaction folds the deltas into the two grouped tables. Unset
 * ids are stored as 0 (so each group has one row). Nothing here is written
 * through the ORM: the classes describe the tables for the schema check.
 */
@Entity({ tableName: 'queue_count_core' })
export class QueueCountCore {
  @PrimaryKey({ type: 'string', length: 16 })
  state!: string;

  @PrimaryKey({ type: 'integer' })
  departmentId!: number;

  @PrimaryKey({ type: 'integer' })
  assigneeId!: number;

  @PrimaryKey({ type: 'integer' })
  teamId!: number;

  @PrimaryKey({ type: 'boolean' })
  isAnswered!: boolean;

  /** Counted as overdue: OPEN, and an OVERDUE was recorded for its current due date (so that date has passed). */
  @PrimaryKey({ type: 'boolean' })
  overdue!: boolean;

  @Property({ type: 'bigint' })
  n!: string;
}

/** The same counts with every counted fact (for custom queues on status, priority, help topic, source). */
@Entity({ tableName: 'queue_count_full' })
export class QueueCountFull {
  @PrimaryKey({ type: 'string', length: 16 })
  state!: string;

  @PrimaryKey({ type: 'integer' })
  statusId!: number;

  @PrimaryKey({ type: 'integer' })
  departmentId!: number;

  @PrimaryKey({ type: 'integer' })
  assigneeId!: number;

  @PrimaryKey({ type: 'integer' })
  teamId!: number;

  @PrimaryKey({ type: 'boolean' })
  isAnswered!: boolean;

  @PrimaryKey({ type: 'integer' })
  priorityId!: number;

  @PrimaryKey({ type: 'integer' })
  helpTopicId!: number;

  @PrimaryKey({ type: 'string', length: 16 })
  source!: string;

  @PrimaryKey({ type: 'boolean' })
  overdue!: boolean;

  @Property({ type: 'bigint' })
  n!: string;
}

/** Signed changes not yet folded into the grouped tables (insert-only: writers never wait on each other here). */
@Entity({ tableName: 'queue_count_delta' })
export class QueueCountDelta {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'string', length: 16 })
  state!: string;

  @Property({ type: 'integer' })
  statusId!: number;

  @Property({ type: 'integer' })
  departmentId!: number;

  @Property({ type: 'integer' })
  assigneeId!: number;

  @Property({ type: 'integer' })
  teamId!: number;

  @Property({ type: 'boolean' })
  isAnswered!: boolean;

  @Property({ type: 'integer' })
  priorityId!: number;

  @Property({ type: 'integer' })
  helpTopicId!: number;

  @Property({ type: 'string', length: 16 })
  source!: string;

  @Property({ type: 'boolean' })
  overdue!: boolean;

  @Property({ type: 'integer' })
  n!: number;
}
