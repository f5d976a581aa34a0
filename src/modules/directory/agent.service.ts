import { type EntityManager, ref } from '@mikro-orm/core';
import { checkUnique, command } from '../../common/command';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { lookup, lookupMany } from '../../common/lookup';
import { cleanEmail, cleanName } from '../../common/validate';
import { revokeAllTokensOf } from '../auth/auth.service';
import { checkPassword, hashPassword } from '../auth/password';
import { Agent } from './agent.entity';
import { Department } from './department.entity';
import { DepartmentAccess } from './department-access.entity';
import type { CreateAgentInput, DepartmentAccessInput, UpdateAgentInput } from './directory.inputs';
import { Role } from './role.entity';
import { Team } from './team.entity';

// Agent commands (admins): one transaction each; every input problem is reported
// at once; nothing is written when any is found.

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
