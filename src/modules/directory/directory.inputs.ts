import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateDepartmentInput {
  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true })
  parentId?: string | null;

  @Field(() => ID, { nullable: true })
  managerId?: string | null;

  @Field(() => ID, { nullable: true })
  slaPlanId?: string | null;
}

@InputType()
export class UpdateDepartmentInput {
  @Field(() => ID)
  departmentId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => ID, { nullable: true, description: 'Null moves the department to the top level.' })
  parentId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Null removes the manager.' })
  managerId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Null removes the department SLA plan.' })
  slaPlanId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'True makes this the default department.' })
  isDefault?: boolean | null;
}

@InputType()
export class CreateRoleInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'Keys of SPEC §1 (see `permissionKeys`).' })
  permissions!: string[];
}

@InputType()
export class UpdateRoleInput {
  @Field(() => ID)
  roleId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [String], { nullable: true })
  permissions?: string[] | null;
}

@InputType()
export class CreateTeamInput {
  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true })
  leadId?: string | null;

  @Field(() => [ID], { nullable: true })
  memberIds?: string[] | null;
}

@InputType()
export class UpdateTeamInput {
  @Field(() => ID)
  teamId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => ID, { nullable: true, description: 'Null removes the lead.' })
  leadId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the members.' })
  memberIds?: string[] | null;
}

@InputType()
export class DepartmentAccessInput {
  @Field(() => ID)
  departmentId!: string;

  @Field(() => ID)
  roleId!: string;
}

@InputType()
export class CreateAgentInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true, description: 'Defaults to the part of the email before the @.' })
  username?: string | null;

  @Field(() => String)
  password!: string;

  @Field(() => ID)
  primaryDepartmentId!: string;

  @Field(() => ID)
  roleId!: string;

  @Field(() => [DepartmentAccessInput], { nullable: true })
  departmentAccess?: DepartmentAccessInput[] | null;

  @Field(() => [ID], { nullable: true })
  teamIds?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  isAdmin?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  assignedOnly?: boolean | null;
}

@InputType()
export class UpdateAgentInput {
  @Field(() => ID)
  agentId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true, description: "Sets a new password and signs the agent out everywhere." })
  password?: string | null;

  @Field(() => ID, { nullable: true })
  primaryDepartmentId?: string | null;

  @Field(() => ID, { nullable: true })
  roleId?: string | null;

  @Field(() => [DepartmentAccessInput], { nullable: true, description: 'Replaces the extra department access.' })
  departmentAccess?: DepartmentAccessInput[] | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the team memberships.' })
  teamIds?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  isAdmin?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'False signs the agent out everywhere.' })
  isActive?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  assignedOnly?: boolean | null;
}

@InputType()
export class CreateOrganizationInput {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { nullable: true })
  sharesTickets?: boolean | null;
}

@InputType()
export class UpdateOrganizationInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Boolean, { nullable: true })
  sharesTickets?: boolean | null;
}

@InputType()
export class CreateEndUserInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true, description: 'Lets the user log in to the portal.' })
  password?: string | null;

  @Field(() => ID, { nullable: true })
  organizationId?: string | null;
}

@InputType()
export class UpdateEndUserInput {
  @Field(() => ID)
  endUserId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  password?: string | null;

  @Field(() => ID, { nullable: true, description: 'Null removes the user from its organization.' })
  organizationId?: string | null;

  @Field(() => Boolean, { nullable: true })
  isActive?: boolean | null;
}

@InputType({ description: 'Names the object a delete mutation removes.' })
export class DeleteInput {
  @Field(() => ID)
  id!: string;
}
