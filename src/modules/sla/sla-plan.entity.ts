import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { Schedule } from './schedule.entity';

@Entity({ tableName: 'sla_plan' })
@Index({ name: 'sla_plan_one_default', expression: 'create unique index "sla_plan_one_default" on "sla_plan" ("is_default") where "is_default"' })
export class SlaPlan {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120, unique: true })
  name!: string;

  @Property({ type: 'integer' })
  gracePeriodHours!: number;

  /** Business hours the grace period counts in; none means around the clock. Deleting a schedule in use is refused. */
  @ManyToOne({ entity: 'Schedule', ref: true, nullable: true, deleteRule: 'restrict' })
  schedule: Ref<Schedule> | null = null;

  @Property({ type: 'boolean' })
  isActive: boolean & Opt = true;

  @Property({ type: 'boolean' })
  isDefault: boolean & Opt = false;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
