import { Entity, Enum, ManyToOne, type Opt, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import type { EndUser } from '../directory/end-user.entity';
import type { Ticket } from './ticket.entity';

export enum CollaboratorRole {
  CC = 'CC',
  BCC = 'BCC',
}

registerEnumType(CollaboratorRole, {
  name: 'CollaboratorRole',
  description: 'How a collaborator is copied.',
  valuesConfig: {
    CC: { description: 'Copied openly: other participants see them.' },
    BCC: { description: 'Copied blindly: other end users do not see them.' },
  },
});

@Entity({ tableName: 'collaborator' })
@Unique({ properties: ['ticket', 'user'] })
export class Collaborator {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne({ entity: 'Ticket', ref: true, deleteRule: 'cascade' })
  ticket!: Ref<Ticket>;

  @ManyToOne({ entity: 'EndUser', ref: true, deleteRule: 'cascade', index: true })
  user!: Ref<EndUser>;

  @Enum({ items: () => CollaboratorRole, nativeEnumName: 'collaborator_role' })
  role: CollaboratorRole & Opt = CollaboratorRole.CC;

  @Property({ type: 'boolean' })
  isActive: boolean & Opt = true;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}
