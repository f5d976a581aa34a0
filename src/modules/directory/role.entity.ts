import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import type { Permission } from './permissions';

@Entity({ tableName: 'role' })
export class Role {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120, unique: true })
  name!: string;

  @Property({ type: 'json' })
  permissions: Permission[] & Opt = [];

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  can(permission: Permission): boolean {
    return this.permissions.includes(permission);
  }
}
