import { Entity, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { Agent } from '../directory/agent.entity';
import type { Department } from '../directory/department.entity';
import type { Team } from '../directory/team.entity';
import type { SlaPlan } from '../sla/sla-plan.entity';
import type { Priority } from './priority.entity';

/** What a ticket is about; fills department, priority, SLA plan and assignment when nothing else did. */
@Entity({ tableName: 'help_topic' })
export class HelpTopic {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120, unique: true })
  name!: string;

  @Property({ type: 'boolean' })
  isActive: boolean & Opt = true;

  @ManyToOne({ entity: 'Department', ref: true, nullable: true, deleteRule: 'set null' })
  department: Ref<Department> | null = null;

  @ManyToOne({ entity: 'Priority', ref: true, nullable: true, deleteRule: 'set null' })
  priority: Ref<Priority> | null = null;

  @ManyToOne({ entity: 'SlaPlan', ref: true, nullable: true, deleteRule: 'set null' })
  slaPlan: Ref<SlaPlan> | null = null;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'set null' })
  assignAgent: Ref<Agent> | null = null;

  @ManyToOne({ entity: 'Team', ref: true, nullable: true, deleteRule: 'set null' })
  assignTeam: Ref<Team> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
