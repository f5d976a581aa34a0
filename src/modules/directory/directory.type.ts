import { Field, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../common/connection';
import { ActorInterface, NodeInterface } from '../../common/node';
import { DateTimeScalar } from '../../common/scalars';

// GraphQL object types of the directory. Resolvers return entities; fields
// that are relations or gated are resolved in directory.resolver.ts.

@ObjectType('Role', { implements: NodeInterface, description: 'A named set of permission keys, granted per department.' })
export class RoleType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'Permission keys of SPEC §1, such as `ticket.reply`.' })
  permissions!: string[];
}

@ObjectType('Department', { implements: NodeInterface, description: 'Tickets are grouped in departments, which may nest.' })
export class DepartmentType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { description: 'New tickets with no department go here.' })
  isDefault!: boolean;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType('DepartmentAccess', { description: 'An extra department an agent works in, with the role that applies there.' })
export class DepartmentAccessType {}

@ObjectType('Agent', { implements: [NodeInterface, ActorInterface], description: 'A member of staff.' })
export class AgentType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  username!: string;

  @Field(() => Boolean)
  isAdmin!: boolean;

  @Field(() => Boolean, { description: 'Inactive agents cannot log in or be assigned.' })
  isActive!: boolean;

  @Field(() => Boolean, { description: 'Sees only tickets assigned to them or their teams.' })
  assignedOnly!: boolean;
}

@ObjectType('Team', { implements: NodeInterface, description: 'Agents grouped across departments.' })
export class TeamType extends NodeInterface {
  @Field(() => String)
  name!: string;
}

@ObjectType('Organization', { implements: NodeInterface, description: 'A company or group of end users.' })
export class OrganizationType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { description: "Members see each other's tickets." })
  sharesTickets!: boolean;
}

@ObjectType('EndUser', { implements: [NodeInterface, ActorInterface], description: 'A customer who opens tickets.' })
export class EndUserType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  isActive!: boolean;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const { Connection: AgentConnection } = connectionTypes('Agent', AgentType);
export const { Connection: EndUserConnection } = connectionTypes('EndUser', EndUserType);
export const { Connection: OrganizationConnection } = connectionTypes('Organization', OrganizationType);

