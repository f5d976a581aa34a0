import { Entity, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { Agent } from '../directory/agent.entity';
import type { QueueCriterion } from './queue-criteria';

/** A saved custom queue: criteria (AND), a sort order, personal or shared with departments. */
@Entity({ tableName: 'queue' })
export class Queue {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120 })
  name!: string;

  /** The agent a personal queue belongs to; null for a shared one. */
  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'cascade', index: true })
  owner: Ref<Agent> | null = null;

  /** Departments a shared queue is shown to (empty: every agent). */
  @Property({ type: 'json' })
  departmentIds: number[] & Opt = [];

  @Property({ type: 'json' })
  criteria: QueueCriterion[] & Opt = [];

  @Property({ type: 'string', length: 20 })
  sortField: string & Opt = 'CREATED_AT';

  @Property({ type: 'string', length: 4 })
  sortDirection: string & Opt = 'DESC';

  @ManyToOne({ entity: () => Queue, ref: true, nullable: true, deleteRule: 'cascade' })
  parent: Ref<Queue> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
