import { Entity, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from './organization.entity';

@Entity({ tableName: 'end_user' })
export class EndUser {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 200 })
  name!: string;

  /** Stored lower-cased; unique. */
  @Property({ type: 'string', length: 320, unique: true })
  email!: string;

  /** Null until the user registers a password (users created by intake have none). */
  @Property({ type: 'string', length: 255, nullable: true, hidden: true, lazy: true })
  passwordHash: string | null = null;

  @Property({ type: 'boolean' })
  isActive: boolean & Opt = true;

  @ManyToOne({ entity: () => Organization, ref: true, nullable: true, deleteRule: 'set null' })
  organization: Ref<Organization> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}

declare module '../../common/context' {
  /** A signed-in end user is this entity (common/ declares only what it reads of it). */
  interface ViewerEndUser extends EndUser {}
}
