import { Entity, ManyToOne, PrimaryKey, type Ref, Unique } from '@mikro-orm/core';
import type { Agent } from './agent.entity';
import type { Department } from './department.entity';
import type { Role } from './role.entity';

/** Extra department access of an agent, with the role that applies there. */
@Entity({ tableName: 'department_access' })
@Unique({ properties: ['agent', 'department'] })
export class DepartmentAccess {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne({ entity: 'Agent', ref: true, deleteRule: 'cascade' })
  agent!: Ref<Agent>;

  @ManyToOne({ entity: 'Department', ref: true, deleteRule: 'cascade' })
  department!: Ref<Department>;

  @ManyToOne({ entity: 'Role', ref: true, deleteRule: 'restrict' })
  role!: Ref<Role>;
}
