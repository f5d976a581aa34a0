import {
  Collection,
  Entity,
  ManyToMany,
  ManyToOne,
  OneToMany,
  type Opt,
  PrimaryKey,
  Property,
  type Ref,
} from '@mikro-orm/core';
import { Department } from './department.entity';
import { DepartmentAccess } from './department-access.entity';
import { Role } from './role.entity';
import { Team } from './team.entity';

@Entity({ tableName: 'agent' })
export class Agent {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 200 })
  name!: string;

  /** Stored lower-cased; unique. */
  @Property({ type: 'string', length: 320, unique: true })
  email!: string;

  @Property({ type: 'string', length: 64, unique: true })
  username!: string;

  @Property({ type: 'string', length: 255, hidden: true, lazy: true })
  passwordHash!: string;

  @Property({ type: 'boolean' })
  isAdmin: boolean & Opt = false;

  @Property({ type: 'boolean' })
  isActive: boolean & Opt = true;

  @Property({ type: 'boolean' })
  assignedOnly: boolean & Opt = false;

  @ManyToOne({ entity: () => Department, ref: true, deleteRule: 'restrict' })
  primaryDepartment!: Ref<Department>;

  @ManyToOne({ entity: () => Role, ref: true, deleteRule: 'restrict' })
  role!: Ref<Role>;

  @OneToMany({ entity: () => DepartmentAccess, mappedBy: 'agent', orphanRemoval: true })
  departmentAccess = new Collection<DepartmentAccess>(this);

  @ManyToMany({ entity: () => Team, mappedBy: 'members' })
  teams = new Collection<Team>(this);

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}

declare module '../../common/context' {
  /** A signed-in agent is this entity (common/ declares only what it reads of it). */
  interface ViewerAgent extends Agent {}
}
