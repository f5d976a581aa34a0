import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionTypes } from '../../common/connection';
import { NodeInterface } from '../../common/node';
import { DateTimeScalar } from '../../common/scalars';
import { CollaboratorRole } from './collaborator.entity';
import { TicketSource } from './ticket-source';
import { TicketState } from './ticket-state';

@ObjectType('Ticket', { implements: NodeInterface, description: 'A customer request and everything that happened to it.' })
export class TicketType extends NodeInterface {
  @Field(() => String, { description: 'The public ticket number (random, at least six digits).' })
  number!: string;

  @Field(() => String)
  subject!: string;

  @Field(() => TicketState)
  state!: TicketState;

  @Field(() => TicketSource)
  source!: TicketSource;

  @Field(() => Boolean, { description: 'An agent responded since the last message from the owner or a collaborator.' })
  isAnswered!: boolean;

  @Field(() => DateTimeScalar, { nullable: true })
  dueAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  closedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  reopenedAt!: Date | null;

  @Field(() => Int)
  reopenCount!: number;

  @Field(() => DateTimeScalar, { nullable: true })
  lastMessageAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  lastResponseAt!: Date | null;

  @Field(() => Int, { description: 'Bumps on every change; send it back as `expectedVersion` to avoid overwriting.' })
  version!: number;
}

@ObjectType('TicketPermissions', { description: "What the viewer may do with a ticket right now: `reply` and `addNote` are false while another agent holds the ticket's lock." })
export class TicketPermissionsType {
  @Field(() => Boolean) reply!: boolean;
  @Field(() => Boolean) addNote!: boolean;
  @Field(() => Boolean) assign!: boolean;
  @Field(() => Boolean) release!: boolean;
  @Field(() => Boolean) transfer!: boolean;
  @Field(() => Boolean) edit!: boolean;
  @Field(() => Boolean) close!: boolean;
  @Field(() => Boolean) reopen!: boolean;
  @Field(() => Boolean) markAnswered!: boolean;
  @Field(() => Boolean) manageCollaborators!: boolean;
  @Field(() => Boolean) delete!: boolean;
  @Field(() => Boolean) merge!: boolean;
  @Field(() => Boolean, { description: 'Post a message (owner or active collaborator).' }) postMessage!: boolean;
  @Field(() => Boolean, { description: 'Edit thread entries.' }) editThread!: boolean;
}

@ObjectType('Collaborator', { implements: NodeInterface, description: 'An end user copied on a ticket.' })
export class CollaboratorType extends NodeInterface {
  @Field(() => CollaboratorRole)
  role!: CollaboratorRole;

  @Field(() => Boolean, { description: 'Inactive collaborators keep only their past entries.' })
  isActive!: boolean;
}

@ObjectType('TicketLock', { description: 'An agent working on a ticket; others cannot reply or add notes until it expires.' })
export class TicketLockType {
  @Field(() => DateTimeScalar)
  expiresAt!: Date;
}

@ObjectType('HelpTopic', { implements: NodeInterface, description: 'What a ticket is about; sets defaults at intake.' })
export class HelpTopicType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  isActive!: boolean;
}

export enum TicketOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  DUE_AT = 'DUE_AT',
  PRIORITY = 'PRIORITY',
  NUMBER = 'NUMBER',
  LAST_MESSAGE_AT = 'LAST_MESSAGE_AT',
}

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

registerEnumType(TicketOrderField, {
  name: 'TicketOrderField',
  description: 'What to sort tickets by (ties broken by id).',
  valuesConfig: {
    CREATED_AT: { description: 'Creation time.' },
    UPDATED_AT: { description: 'Last change.' },
    DUE_AT: { description: 'Due date; tickets without one sort last ascending.' },
    PRIORITY: { description: 'Urgency.' },
    NUMBER: { description: 'Ticket number.' },
    LAST_MESSAGE_AT: { description: 'Last message from the owner or a collaborator.' },
  },
});
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'Sort direction.',
  valuesConfig: { ASC: { description: 'Smallest first.' }, DESC: { description: 'Largest first.' } },
});

export const { Connection: TicketConnection } = connectionTypes('Ticket', TicketType);
