import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import { PageArgs, keysetPage, type ConnectionShape } from '../../common/connection';
import type { Context } from '../../common/context';
import { related, relatedOrFail, type ReadOf, type MaybePromise } from '../../common/loaders';
import { payload, topLevelError } from '../../common/errors';
import { DeletePayload, payloadType } from '../../common/payloads';
import { EmailAddressScalar } from '../../common/scalars';
import { SlaPlanType } from '../sla/sla.type';
import { SlaPlan } from '../sla/sla-plan.entity';
import { Agent } from './agent.entity';
import { Department } from './department.entity';
import { DepartmentAccess } from './department-access.entity';
import * as agents from './agent.service';
import * as directory from './directory.service';
import * as people from './end-user.service';
import {
  CreateAgentInput,
  CreateDepartmentInput,
  CreateEndUserInput,
  CreateOrganizationInput,
  CreateRoleInput,
  CreateTeamInput,
  DeleteInput,
  UpdateAgentInput,
  UpdateDepartmentInput,
  UpdateEndUserInput,
  UpdateOrganizationInput,
  UpdateRoleInput,
  UpdateTeamInput,
} from './directory.inputs';
import {
  AgentConnection,
  AgentType,
  DepartmentAccessType,
  DepartmentType,
  EndUserConnection,
  EndUserType,
  OrganizationConnection,
  OrganizationType,
  RoleType,
  TeamType,
} from './directory.type';
import { EndUser } from './end-user.entity';
import { Organization } from './organization.entity';
import { PERMISSIONS } from './permissions';
import { Role } from './role.entity';
import { Team } from './team.entity';
import { childrenLoader, departmentAccessLoader, membersLoader, teamsOfLoader } from './directory.loaders';
import './directory.nodes';

const CreateDepartmentPayload = payloadType('CreateDepartmentPayload', 'department', DepartmentType);
const UpdateDepartmentPayload = payloadType('UpdateDepartmentPayload', 'department', DepartmentType);
const CreateRolePayload = payloadType('CreateRolePayload', 'role', RoleType);
const UpdateRolePayload = payloadType('UpdateRolePayload', 'role', RoleType);
const CreateTeamPayload = payloadType('CreateTeamPayload', 'team', TeamType);
const UpdateTeamPayload = payloadType('UpdateTeamPayload', 'team', TeamType);
const CreateAgentPayload = payloadType('CreateAgentPayload', 'agent', AgentType);
const UpdateAgentPayload = payloadType('UpdateAgentPayload', 'agent', AgentType);
const CreateOrganizationPayload = payloadType('CreateOrganizationPayload', 'organization', OrganizationType);
const UpdateOrganizationPayload = payloadType('UpdateOrganizationPayload', 'organization', OrganizationType);
const CreateEndUserPayload = payloadType('CreateEndUserPayload', 'endUser', EndUserType);
const UpdateEndUserPayload = payloadType('UpdateEndUserPayload', 'endUser', EndUserType);

type Result = Promise<object>;
const deleted = (work: Promise<string>) => payload(async () => ({ deletedId: await work }));

@Resolver()
export class DirectoryResolver {
  @Query(() => [DepartmentType], { description: 'Every department, by name.' })
  @Access('authenticated')
  departments(@Ctx() ctx: Context): Promise<Department[]> {
    return ctx.em.find(Department, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Query(() => [TeamType], { description: 'Every team, by name.' })
  @Access('agent')
  teams(@Ctx() ctx: Context): Promise<Team[]> {
    return ctx.em.find(Team, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Query(() => [RoleType], { description: 'Every role, by name.' })
  @Access('agent')
  roles(@Ctx() ctx: Context): Promise<Role[]> {
    return ctx.em.find(Role, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Query(() => [String], { description: 'The permission keys a role may grant.' })
  @Access('agent')
  permissionKeys(): readonly string[] {
    return PERMISSIONS;
  }

  @Query(() => AgentConnection, { description: 'Agents by name.' })
  @Access('agent')
  agents(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<Agent>> {
    return keysetPage(ctx.em, Agent, {}, args, { name: 'asc' });
  }

  @Query(() => EndUserConnection, { description: 'End users by name.' })
  @Access('agent')
  endUsers(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<EndUser>> {
    return keysetPage(ctx.em, EndUser, {}, args, { name: 'asc' });
  }

  @Query(() => OrganizationConnection, { description: 'Organizations by name.' })
  @Access('agent')
  organizations(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<Organization>> {
    return keysetPage(ctx.em, Organization, {}, args, { name: 'asc' });
  }

  @Mutation(() => CreateDepartmentPayload)
  @Access('admin')
  createDepartment(@Arg('input', () => CreateDepartmentInput) input: CreateDepartmentInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ department: await directory.createDepartment(ctx, input) }));
  }

  @Mutation(() => UpdateDepartmentPayload)
  @Access('admin')
  updateDepartment(@Arg('input', () => UpdateDepartmentInput) input: UpdateDepartmentInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ department: await directory.updateDepartment(ctx, input) }));
  }

  @Mutation(() => DeletePayload)
  @Access('admin')
  deleteDepartment(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return deleted(directory.deleteDepartment(ctx, input.id));
  }

  @Mutation(() => CreateRolePayload)
  @Access('admin')
  createRole(@Arg('input', () => CreateRoleInput) input: CreateRoleInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ role: await directory.createRole(ctx, input) }));
  }

  @Mutation(() => UpdateRolePayload)
  @Access('admin')
  updateRole(@Arg('input', () => UpdateRoleInput) input: UpdateRoleInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ role: await directory.updateRole(ctx, input) }));
  }

  @Mutation(() => DeletePayload)
  @Access('admin')
  deleteRole(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return deleted(directory.deleteRole(ctx, input.id));
  }

  @Mutation(() => CreateTeamPayload)
  @Access('admin')
  createTeam(@Arg('input', () => CreateTeamInput) input: CreateTeamInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ team: await directory.createTeam(ctx, input) }));
  }

  @Mutation(() => UpdateTeamPayload)
  @Access('admin')
  updateTeam(@Arg('input', () => UpdateTeamInput) input: UpdateTeamInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ team: await directory.updateTeam(ctx, input) }));
  }

  @Mutation(() => DeletePayload)
  @Access('admin')
  deleteTeam(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return deleted(directory.deleteTeam(ctx, input.id));
  }

  @Mutation(() => CreateAgentPayload)
  @Access('admin')
  createAgent(@Arg('input', () => CreateAgentInput) input: CreateAgentInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ agent: await agents.createAgent(ctx, input) }));
  }

  @Mutation(() => UpdateAgentPayload)
  @Access('admin')
  updateAgent(@Arg('input', () => UpdateAgentInput) input: UpdateAgentInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ agent: await agents.updateAgent(ctx, input) }));
  }

  @Mutation(() => DeletePayload)
  @Access('admin')
  deleteAgent(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return deleted(agents.deleteAgent(ctx, input.id));
  }

  @Mutation(() => CreateOrganizationPayload)
  @Access('admin')
  createOrganization(@Arg('input', () => CreateOrganizationInput) input: CreateOrganizationInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ organization: await people.createOrganization(ctx, input) }));
  }

  @Mutation(() => UpdateOrganizationPayload)
  @Access('admin')
  updateOrganization(@Arg('input', () => UpdateOrganizationInput) input: UpdateOrganizationInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ organization: await people.updateOrganization(ctx, input) }));
  }

  @Mutation(() => DeletePayload)
  @Access('admin')
  deleteOrganization(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return deleted(people.deleteOrganization(ctx, input.id));
  }

  @Mutation(() => CreateEndUserPayload)
  @Access('admin')
  createEndUser(@Arg('input', () => CreateEndUserInput) input: CreateEndUserInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ endUser: await people.createEndUser(ctx, input) }));
  }

  @Mutation(() => UpdateEndUserPayload)
  @Access('admin')
  updateEndUser(@Arg('input', () => UpdateEndUserInput) input: UpdateEndUserInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ endUser: await people.updateEndUser(ctx, input) }));
  }

  @Mutation(() => DeletePayload)
  @Access('admin')
  deleteEndUser(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return deleted(people.deleteEndUser(ctx, input.id));
  }
}

/** Gated field: null with a FORBIDDEN error at its path when the viewer may not read it. */
function gated<T>(allowed: boolean, value: T): T {
  if (!allowed) throw topLevelError('FORBIDDEN', 'You may not read this field');
  return value;
}

@Resolver(() => AgentType)
export class AgentFieldsResolver {
  @FieldResolver(() => EmailAddressScalar, { nullable: true, description: 'Visible to agents.' })
  email(@Root() agent: ReadOf<Agent>, @Ctx() ctx: Context): string {
    return gated(ctx.viewer?.kind === 'agent', agent.email);
  }

  @FieldResolver(() => DepartmentType)
  primaryDepartment(@Root() agent: ReadOf<Agent>, @Ctx() ctx: Context): MaybePromise<ReadOf<Department>> {
    return relatedOrFail(ctx, Department, agent.primaryDepartment);
  }

  @FieldResolver(() => RoleType, { description: 'The role in the primary department.' })
  role(@Root() agent: ReadOf<Agent>, @Ctx() ctx: Context): MaybePromise<ReadOf<Role>> {
    return relatedOrFail(ctx, Role, agent.role);
  }

  @FieldResolver(() => [DepartmentAccessType], { description: 'Extra departments and the role in each.' })
  departmentAccess(@Root() agent: ReadOf<Agent>, @Ctx() ctx: Context): Promise<DepartmentAccess[]> {
    return departmentAccessLoader(ctx).load(agent.id);
  }

  @FieldResolver(() => [TeamType])
  teams(@Root() agent: ReadOf<Agent>, @Ctx() ctx: Context): Promise<Team[]> {
    return teamsOfLoader(ctx).load(agent.id);
  }
}

@Resolver(() => DepartmentAccessType)
export class DepartmentAccessFieldsResolver {
  @FieldResolver(() => DepartmentType)
  department(@Root() access: DepartmentAccess): Promise<Department> {
    return access.department.load() as Promise<Department>;
  }

  @FieldResolver(() => RoleType)
  role(@Root() access: DepartmentAccess): Promise<Role> {
    return access.role.load() as Promise<Role>;
  }
}

@Resolver(() => DepartmentType)
export class DepartmentFieldsResolver {
  @FieldResolver(() => DepartmentType, { nullable: true })
  parent(@Root() dept: ReadOf<Department>, @Ctx() ctx: Context): MaybePromise<ReadOf<Department> | null> {
    return related(ctx, Department, dept.parent);
  }

  @FieldResolver(() => [DepartmentType], { description: 'Sub-departments, by name.' })
  children(@Root() dept: ReadOf<Department>, @Ctx() ctx: Context): Promise<Department[]> {
    return childrenLoader(ctx).load(dept.id);
  }

  @FieldResolver(() => AgentType, { nullable: true })
  manager(@Root() dept: ReadOf<Department>, @Ctx() ctx: Context): MaybePromise<ReadOf<Agent> | null> {
    return related(ctx, Agent, dept.manager);
  }

  @FieldResolver(() => SlaPlanType, { nullable: true, description: 'SLA plan of its new tickets, unless a help topic or filter sets one.' })
  slaPlan(@Root() dept: ReadOf<Department>, @Ctx() ctx: Context): MaybePromise<ReadOf<SlaPlan> | null> {
    return related(ctx, SlaPlan, dept.slaPlan);
  }
}

@Resolver(() => TeamType)
export class TeamFieldsResolver {
  @FieldResolver(() => AgentType, { nullable: true })
  lead(@Root() team: ReadOf<Team>, @Ctx() ctx: Context): MaybePromise<ReadOf<Agent> | null> {
    return related(ctx, Agent, team.lead);
  }

  @FieldResolver(() => [AgentType])
  members(@Root() team: ReadOf<Team>, @Ctx() ctx: Context): Promise<Agent[]> {
    return membersLoader(ctx).load(team.id);
  }
}

@Resolver(() => EndUserType)
export class EndUserFieldsResolver {
  @FieldResolver(() => EmailAddressScalar, { nullable: true, description: 'Visible to agents and to the user.' })
  email(@Root() user: ReadOf<EndUser>, @Ctx() ctx: Context): string {
    const v = ctx.viewer;
    return gated(v?.kind === 'agent' || (v?.kind === 'endUser' && v.user.id === user.id), user.email);
  }

  @FieldResolver(() => OrganizationType, { nullable: true })
  organization(@Root() user: ReadOf<EndUser>, @Ctx() ctx: Context): MaybePromise<ReadOf<Organization> | null> {
    return related(ctx, Organization, user.organization);
  }
}

@Resolver(() => OrganizationType)
export class OrganizationFieldsResolver {
  @FieldResolver(() => EndUserConnection, { nullable: true, description: 'Members by name (agents only).' })
  members(@Root() org: Organization, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<EndUser>> {
    gated(ctx.viewer?.kind === 'agent', null);
    return keysetPage(ctx.em, EndUser, { organization: org.id }, args, { name: 'asc' });
  }
}
