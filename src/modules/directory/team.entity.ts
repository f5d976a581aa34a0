import { Collection, Entity, ManyToMany, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { Agent } from './agent.entity';

@Entity({ tableName: 'team' })
export class Team {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120, unique: true })
  name!: string;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'set null' })
  lead: Ref<Agent> | null = null;

  @ManyToMany({ entity: 'Agent', inversedBy: 'teams', pivotTable: 'team_member', joinColumn: 'team_id', inverseJoinColumn: 'agent_id' })
  members = new Collection<Agent>(this);

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
