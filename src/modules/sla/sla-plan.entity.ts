import { Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

@Entity({ tableName: 'sla_plan' })
@Index({ name: 'sla_plan_one_default', expression: 'create unique index "sla_plan_one_default" on "sla_plan" ("is_default") where "is_default"' })
export class SlaPlan {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120, unique: true })
  name!: string;

  @Property({ type: 'integer' })
  gracePeriodHours!: number;

  @Property({ type: 'boolean' })
  isActive: boolean & Opt = true;

  @Property({ type: 'boolean' })
  isDefault: boolean & Opt = false;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
