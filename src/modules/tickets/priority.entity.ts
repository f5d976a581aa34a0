import { Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

@Entity({ tableName: 'priority' })
@Index({ name: 'priority_one_default', expression: 'create unique index "priority_one_default" on "priority" ("is_default") where "is_default"' })
export class Priority {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 60, unique: true })
  name!: string;

  /** Higher is more urgent: Low 1, Normal 2, High 3, Emergency 4. */
  @Property({ type: 'integer', unique: true })
  urgency!: number;

  @Property({ type: 'boolean' })
  isDefault: boolean & Opt = false;
}
