import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { type EntityManager, ref } from '@mikro-orm/core';
import { checkUnique, command } from '../../common/command';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { lookup, lookupMany } from '../../common/lookup';
import { cleanEmail, cleanName } from '../../common/validate';
import { revokeAllTokensOf } from '../auth/auth.service';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from '../auth/password';
import { SlaPlan } from '../sla/sla-plan.entity';
import { Agent } from './agent.entity';
import { Department } from './department.entity';
import { DepartmentAccess } from './department-access.entity';
import type {
  CreateAgentInput,
  CreateDepartmentInput,
  CreateEndUserInput,
  CreateOrganizationInput,
  CreateRoleInput,
  CreateTeamInput,
  DepartmentAccessInput,
  UpdateAgentInput,
  UpdateDepartmentInput,
  UpdateEndUserInput,
  UpdateOrganizationInput,
  UpdateRoleInput,
  UpdateTeamInput,
} from './directory.inputs';
import { EndUser } from './end-user.entity';
import { Organization } from './organization.entity';
import { isPermission, type Permission } from './permissions';
import { Role } from './role.entity';
import { Team } from './team.entity';

// Directory commands: one transaction each; every input problem is reported at
// once; nothing is written when any is found.

function checkPassword(problems: Problems, password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    problems.add(ErrorCode.BAD_USER_INPUT, `${field} must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`, field);
  }
}

function permissionsOf(problems: Problems, list: string[]): Permission[] {
  const result: Permission[] = [];
  list.forEach((p, i) => {
    if (isPermission(p)) {
      if (!result.includes(p)) result.push(p);
    } else problems.add(ErrorCode.BAD_USER_INPUT, `Unknown permission "${p}"`, ['permissions', String(i)]);
  });
  return result;
}

// ---- Departments -------------------------------------------------------------

async function isDescendant(candidate: Department, ancestor: Department): Promise<boolean> {
  let current: Department | null = candidate;
  for (let depth = 0; current && depth < 100; depth++) {
    if (current.id === ancestor.id) return true;
    current = current.parent ? await current.parent.load() : null;
  }
  return false;
}

export function createDepartment(ctx: Context, input: CreateDepartmentInput): Promise<Department> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name');
    await checkUnique(em, problems, Department, 'name', name);
    const parent = input.parentId ? await lookup(em, Department, 'Department', input.parentId, 'parentId', problems) : null;
    const manager = input.managerId ? await lookup(em, Agent, 'Agent', input.managerId, 'managerId', problems) : null;
    const sla = input.slaPlanId ? await lookup(em, SlaPlan, 'SlaPlan', input.slaPlanId, 'slaPlanId', problems) : null;
    problems.throwIfAny();
    const dept = em.create(Department, {
      name,
      parent: parent ? ref(parent) : null,
      manager: manager ? ref(manager) : null,
      slaPlan: sla ? ref(sla) : null,
    });
    await em.flush();
    return dept;
  });
}

export function updateDepartment(ctx: Context, input: UpdateDepartmentInput): Promise<Department> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const dept = await lookup(em, Department, 'Department', input.departmentId, 'departmentId', problems);
    problems.throwIfAny();
    const d = dept!;
    if (input.name != null) {
      d.name = cleanName(problems, input.name, 'name');
      await checkUnique(em, problems, Department, 'name', d.name, d.id);
    }
    if (input.parentId !== undefined) {
      const parent = input.parentId ? await lookup(em, Department, 'Department', input.parentId, 'parentId', problems) : null;
      if (parent && (await isDescendant(parent, d))) {
        problems.add(ErrorCode.BAD_USER_INPUT, 'A department cannot be placed under itself or its own sub-department', 'parentId');
      }
      d.parent = parent ? ref(parent) : null;
    }
    if (input.managerId !== undefined) {
      const manager = input.managerId ? await lookup(em, Agent, 'Agent', input.managerId, 'managerId', problems) : null;
      d.manager = manager ? ref(manager) : null;
    }
    if (input.slaPlanId !== undefined) {
      const sla = input.slaPlanId ? await lookup(em, SlaPlan, 'SlaPlan', input.slaPlanId, 'slaPlanId', problems) : null;
      d.slaPlan = sla ? ref(sla) : null;
    }
    if (input.isDefault === false && d.isDefault) {
      problems.add(ErrorCode.BAD_USER_INPUT, 'Make another department the default instead', 'isDefault');
    }
    problems.throwIfAny();
    if (input.isDefault === true && !d.isDefault) {
      await em.nativeUpdate(Department, { isDefault: true }, { isDefault: false });
      d.isDefault = true;
    }
    await em.flush();
    return d;
  });
}

export function deleteDepartment(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const dept = await lookup(em, Department, 'Department', id, 'id', problems);
    problems.throwIfAny();
    const d = dept!;
    if (d.isDefault) fail(ErrorCode.CONFLICT, 'The default department cannot be deleted', 'id');
    if (await em.count(Department, { parent: d.id })) fail(ErrorCode.CONFLICT, 'Move or delete its sub-departments first', 'id');
    if (await em.count(Agent, { primaryDepartment: d.id })) {
      fail(ErrorCode.CONFLICT, 'Agents still have this as their primary department', 'id');
    }
    em.remove(d);
    await em.flush();
    return id;
  });
}

// ---- Roles -------------------------------------------------------------------

export function createRole(ctx: Context, input: CreateRoleInput): Promise<Role> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name');
    await checkUnique(em, problems, Role, 'name', name);
    const permissions = permissionsOf(problems, input.permissions);
    problems.throwIfAny();
    const role = em.create(Role, { name, permissions });
    await em.flush();
    return role;
  });
}

export function updateRole(ctx: Context, input: UpdateRoleInput): Promise<Role> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const role = await lookup(em, Role, 'Role', input.roleId, 'roleId', problems);
    problems.throwIfAny();
    const r = role!;
    if (input.name != null) {
      r.name = cleanName(problems, input.name, 'name');
      await checkUnique(em, problems, Role, 'name', r.name, r.id);
    }
    if (input.permissions != null) r.permissions = permissionsOf(problems, input.permissions);
    problems.throwIfAny();
    await em.flush();
    return r;
  });
}

export function deleteRole(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const role = await lookup(em, Role, 'Role', id, 'id', problems);
    problems.throwIfAny();
    const inUse = (await em.count(Agent, { role: role!.id })) + (await em.count(DepartmentAccess, { role: role!.id }));
    if (inUse) fail(ErrorCode.CONFLICT, 'Agents still have this role', 'id');
    em.remove(role!);
    await em.flush();
    return id;
  });
}

// ---- Teams -------------------------------------------------------------------

export function createTeam(ctx: Context, input: CreateTeamInput): Promise<Team> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name');
    await checkUnique(em, problems, Team, 'name', name);
    const lead = input.leadId ? await lookup(em, Agent, 'Agent', input.leadId, 'leadId', problems) : null;
    const members = await lookupMany(em, Agent, 'Agent', input.memberIds ?? [], 'memberIds', problems);
    problems.throwIfAny();
    const team = em.create(Team, { name, lead: lead ? ref(lead) : null });
    team.members.set(members);
    await em.flush();
    return team;
  });
}

export function updateTeam(ctx: Context, input: UpdateTeamInput): Promise<Team> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const team = await lookup(em, Team, 'Team', input.teamId, 'teamId', problems);
    problems.throwIfAny();
    const t = team!;
    if (input.name != null) {
      t.name = cleanName(problems, input.name, 'name');
      await checkUnique(em, problems, Team, 'name', t.name, t.id);
    }
    if (input.leadId !== undefined) {
      const lead = input.leadId ? await lookup(em, Agent, 'Agent', input.leadId, 'leadId', problems) : null;
      t.lead = lead ? ref(lead) : null;
    }
    if (input.memberIds != null) {
      const members = await lookupMany(em, Agent, 'Agent', input.memberIds, 'memberIds', problems);
      await t.members.init();
      t.members.set(members);
    }
    problems.throwIfAny();
    await em.flush();
    return t;
  });
}

export function deleteTeam(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const team = await lookup(em, Team, 'Team', id, 'id', problems);
    problems.throwIfAny();
    await team!.members.init();
    team!.members.removeAll();
    em.remove(team!);
    await em.flush();
    return id;
  });
}

// ---- Agents ------------------------------------------------------------------

async function departmentAccessOf(
  em: EntityManager,
  problems: Problems,
  list: DepartmentAccessInput[],
): Promise<{ department: Department; role: Role }[]> {
  const result: { department: Department; role: Role }[] = [];
  for (const [i, entry] of list.entries()) {
    const department = await lookup(em, Department, 'Department', entry.departmentId, `departmentAccess.${i}.departmentId`, problems);
    const role = await lookup(em, Role, 'Role', entry.roleId, `departmentAccess.${i}.roleId`, problems);
    if (department && role) {
      if (result.some((r) => r.department.id === department.id)) {
        problems.add(ErrorCode.BAD_USER_INPUT, 'The same department is listed twice', `departmentAccess.${i}.departmentId`);
      }
      result.push({ department, role });
    }
  }
  return result;
}

const USERNAME = /^[a-zA-Z0-9._-]{1,64}$/;

/** The part of the email before the @, reduced to the characters a username allows. */
function defaultUsername(email: string): string {
  return (email.split('@')[0] ?? '').replace(/[^a-zA-Z0-9._-]/g, '').slice(0, 64) || 'agent';
}

function cleanUsername(problems: Problems, value: string): string {
  const v = value.trim();
  if (!USERNAME.test(v)) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'username must be 1 to 64 letters, digits, dots, dashes or underscores', 'username');
  }
  return v;
}

export function createAgent(ctx: Context, input: CreateAgentInput): Promise<Agent> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name', 200);
    const email = cleanEmail(problems, input.email);
    await checkUnique(em, problems, Agent, 'email', email);
    const username = cleanUsername(problems, input.username ?? defaultUsername(email));
    await checkUnique(em, problems, Agent, 'username', username);
    checkPassword(problems, input.password);
    const dept = await lookup(em, Department, 'Department', input.primaryDepartmentId, 'primaryDepartmentId', problems);
    const role = await lookup(em, Role, 'Role', input.roleId, 'roleId', problems);
    const access = await departmentAccessOf(em, problems, input.departmentAccess ?? []);
    if (dept && access.some((a) => a.department.id === dept.id)) {
      problems.add(ErrorCode.BAD_USER_INPUT, 'The primary department is not extra access', 'departmentAccess');
    }
    const teams = await lookupMany(em, Team, 'Team', input.teamIds ?? [], 'teamIds', problems);
    problems.throwIfAny();
    const agent = em.create(Agent, {
      name,
      email,
      username,
      passwordHash: await hashPassword(input.password),
      primaryDepartment: ref(dept!),
      role: ref(role!),
      isAdmin: input.isAdmin ?? false,
      assignedOnly: input.assignedOnly ?? false,
    });
    for (const a of access) em.create(DepartmentAccess, { agent, department: a.department, role: a.role });
    for (const team of teams) team.members.add(agent);
    await em.flush();
    return agent;
  });
}

export function updateAgent(ctx: Context, input: UpdateAgentInput): Promise<Agent> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const agent = await lookup(em, Agent, 'Agent', input.agentId, 'agentId', problems);
    problems.throwIfAny();
    const a = agent!;
    const self = ctx.viewer?.kind === 'agent' && ctx.viewer.agent.id === a.id;
    if (input.name != null) a.name = cleanName(problems, input.name, 'name', 200);
    if (input.email != null) {
      a.email = cleanEmail(problems, input.email);
      await checkUnique(em, problems, Agent, 'email', a.email, a.id);
    }
    if (input.username != null) {
      a.username = cleanUsername(problems, input.username);
      await checkUnique(em, problems, Agent, 'username', a.username, a.id);
    }
    if (input.password != null) checkPassword(problems, input.password);
    if (input.primaryDepartmentId != null) {
      const dept = await lookup(em, Department, 'Department', input.primaryDepartmentId, 'primaryDepartmentId', problems);
      if (dept) a.primaryDepartment = ref(dept);
    }
    if (input.roleId != null) {
      const role = await lookup(em, Role, 'Role', input.roleId, 'roleId', problems);
      if (role) a.role = ref(role);
    }
    if (input.departmentAccess != null) {
      const access = await departmentAccessOf(em, problems, input.departmentAccess);
      if (access.some((x) => x.department.id === a.primaryDepartment.id)) {
        problems.add(ErrorCode.BAD_USER_INPUT, 'The primary department is not extra access', 'departmentAccess');
      }
      if (!problems.hasAny()) {
        await a.departmentAccess.init();
        a.departmentAccess.removeAll();
        for (const x of access) a.departmentAccess.add(em.create(DepartmentAccess, { agent: a, department: x.department, role: x.role }));
      }
    }
    if (input.teamIds != null) {
      const teams = await lookupMany(em, Team, 'Team', input.teamIds, 'teamIds', problems);
      await a.teams.init();
      for (const t of a.teams.getItems()) if (!teams.includes(t)) t.members.remove(a);
      for (const t of teams) if (!t.members.contains(a, false)) t.members.add(a);
    }
    if (self && input.isAdmin === false) problems.add(ErrorCode.BAD_USER_INPUT, 'You cannot remove your own admin flag', 'isAdmin');
    if (self && input.isActive === false) problems.add(ErrorCode.BAD_USER_INPUT, 'You cannot deactivate yourself', 'isActive');
    problems.throwIfAny();
    if (input.isAdmin != null) a.isAdmin = input.isAdmin;
    if (input.assignedOnly != null) a.assignedOnly = input.assignedOnly;
    let signOut = false;
    if (input.isActive != null) {
      signOut = a.isActive && !input.isActive;
      a.isActive = input.isActive;
    }
    if (input.password != null) {
      a.passwordHash = await hashPassword(input.password);
      signOut = true;
    }
    await em.flush();
    if (signOut) await revokeAllTokensOf(em, { agentId: a.id });
    return a;
  });
}

export function deleteAgent(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const agent = await lookup(em, Agent, 'Agent', id, 'id', problems);
    problems.throwIfAny();
    if (ctx.viewer?.kind === 'agent' && ctx.viewer.agent.id === agent!.id) fail(ErrorCode.BAD_USER_INPUT, 'You cannot delete yourself', 'id');
    await agent!.teams.init();
    for (const t of agent!.teams.getItems()) t.members.remove(agent!);
    em.remove(agent!);
    await em.flush();
    return id;
  });
}

// ---- Organizations and end users ----------------------------------------------

export function createOrganization(ctx: Context, input: CreateOrganizationInput): Promise<Organization> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name', 200);
    await checkUnique(em, problems, Organization, 'name', name);
    problems.throwIfAny();
    const org = em.create(Organization, { name, sharesTickets: input.sharesTickets ?? false });
    await em.flush();
    return org;
  });
}

export function updateOrganization(ctx: Context, input: UpdateOrganizationInput): Promise<Organization> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const org = await lookup(em, Organization, 'Organization', input.organizationId, 'organizationId', problems);
    problems.throwIfAny();
    const o = org!;
    if (input.name != null) {
      o.name = cleanName(problems, input.name, 'name', 200);
      await checkUnique(em, problems, Organization, 'name', o.name, o.id);
    }
    problems.throwIfAny();
    if (input.sharesTickets != null) o.sharesTickets = input.sharesTickets;
    await em.flush();
    return o;
  });
}

export function deleteOrganization(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const org = await lookup(em, Organization, 'Organization', id, 'id', problems);
    problems.throwIfAny();
    em.remove(org!);
    await em.flush();
    return id;
  });
}

export function createEndUser(ctx: Context, input: CreateEndUserInput): Promise<EndUser> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name', 200);
    const email = cleanEmail(problems, input.email);
    await checkUnique(em, problems, EndUser, 'email', email);
    if (input.password != null) checkPassword(problems, input.password);
    const org = input.organizationId
      ? await lookup(em, Organization, 'Organization', input.organizationId, 'organizationId', problems)
      : null;
    problems.throwIfAny();
    const user = em.create(EndUser, {
      name,
      email,
      passwordHash: input.password != null ? await hashPassword(input.password) : null,
      organization: org ? ref(org) : null,
    });
    await em.flush();
    return user;
  });
}

export function updateEndUser(ctx: Context, input: UpdateEndUserInput): Promise<EndUser> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const user = await lookup(em, EndUser, 'EndUser', input.endUserId, 'endUserId', problems);
    problems.throwIfAny();
    const u = user!;
    if (input.name != null) u.name = cleanName(problems, input.name, 'name', 200);
    if (input.email != null) {
      u.email = cleanEmail(problems, input.email);
      await checkUnique(em, problems, EndUser, 'email', u.email, u.id);
    }
    if (input.password != null) checkPassword(problems, input.password);
    if (input.organizationId !== undefined) {
      const org = input.organizationId
        ? await lookup(em, Organization, 'Organization', input.organizationId, 'organizationId', problems)
        : null;
      u.organization = org ? ref(org) : null;
    }
    problems.throwIfAny();
    let signOut = false;
    if (input.isActive != null) {
      signOut = u.isActive && !input.isActive;
      u.isActive = input.isActive;
    }
    if (input.password != null) {
      u.passwordHash = await hashPassword(input.password);
      signOut = true;
    }
    await em.flush();
    if (signOut) await revokeAllTokensOf(em, { endUserId: u.id });
    return u;
  });
}

export function deleteEndUser(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const user = await lookup(em, EndUser, 'EndUser', id, 'id', problems);
    problems.throwIfAny();
    em.remove(user!);
    await em.flush();
    return id;
  });
}

/**
 * Finds an end user by email or creates one (intake, collaborators). Two
 * requests naming the same new person at once must not collide on the unique
 * email: the insert skips a conflict and the row is read back (on PostgreSQL
 * the second waits for the first to commit, then sees its row).
 */
export async function findOrCreateEndUser(em: SqlEntityManager, email: string, name: string | null): Promise<EndUser> {
  const existing = await em.findOne(EndUser, { email });
  if (existing) return existing;
  const now = new Date();
  await em.execute(
    `insert into "end_user" ("name", "email", "is_active", "created_at", "updated_at") values (?, ?, true, ?, ?) on conflict ("email") do nothing`,
    [name ?? email.split('@')[0] ?? email, email, now, now],
  );
  return em.findOneOrFail(EndUser, { email });
}

