import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { SlaPlan } from '../sla/sla-plan.entity';
import type { Agent } from './agent.entity';

@Entity({ tableName: 'department' })
@Index({ name: 'department_one_default', expression: 'create unique index "department_one_default" on "department" ("is_default") where "is_default"' })
export class Department {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120, unique: true })
  name!: string;

  @ManyToOne({ entity: () => Department, ref: true, nullable: true, deleteRule: 'restrict' })
  parent: Ref<Department> | null = null;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'set null' })
  manager: Ref<Agent> | null = null;

  @ManyToOne({ entity: 'SlaPlan', ref: true, nullable: true, deleteRule: 'set null' })
  slaPlan: Ref<SlaPlan> | null = null;

  @Property({ type: 'boolean' })
  isDefault: boolean & Opt = false;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
