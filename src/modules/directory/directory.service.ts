import { ref } from '@mikro-orm/core';
import { checkUnique, command } from '../../common/command';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { lookup, lookupMany } from '../../common/lookup';
import { cleanName } from '../../common/validate';
import { SlaPlan } from '../sla/sla-plan.entity';
import { Agent } from './agent.entity';
import { Department } from './department.entity';
import { DepartmentAccess } from './department-access.entity';
import type { CreateDepartmentInput, CreateRoleInput, CreateTeamInput, UpdateDepartmentInput, UpdateRoleInput, UpdateTeamInput } from './directory.inputs';
import { isPermission, type Permission } from './permissions';
import { Role } from './role.entity';
import { Team } from './team.entity';

// Directory commands for departments, roles and teams (admins): one transaction
// each; every input problem is reported at once; nothing is written when any is
// found. Agents: agent.service.ts; organizations and end users: end-user.service.ts.

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
