import DataLoader from 'dataloader';
import { memo, type Context } from '../../common/context';
import type { Agent } from './agent.entity';
import { Department } from './department.entity';
import { DepartmentAccess } from './department-access.entity';
import { Team } from './team.entity';

// Batched reads behind the directory's list fields: one statement per batch, not one per object.

/** Each agent's extra department access, one statement per batch. */
export function departmentAccessLoader(ctx: Context): DataLoader<number, DepartmentAccess[]> {
  return memo(ctx, departmentAccessLoader, () =>
    new DataLoader<number, DepartmentAccess[]>(async (agentIds) => {
      const rows = await ctx.em.find(DepartmentAccess, { agent: { $in: [...agentIds] } }, { orderBy: { id: 'asc' } });
      return agentIds.map((id) => rows.filter((a) => a.agent.id === id));
    }),
  );
}

/** Each agent's teams by name, one statement per batch. */
export function teamsOfLoader(ctx: Context): DataLoader<number, Team[]> {
  return memo(ctx, teamsOfLoader, () =>
    new DataLoader<number, Team[]>(async (agentIds) => {
      const teams = await ctx.em.find(Team, { members: { $in: [...agentIds] } }, { populate: ['members'], orderBy: { name: 'asc', id: 'asc' } });
      return agentIds.map((id) => teams.filter((t) => t.members.getItems().some((m) => m.id === id)));
    }),
  );
}

/** Each team's members by name, one statement per batch. */
export function membersLoader(ctx: Context): DataLoader<number, Agent[]> {
  return memo(ctx, membersLoader, () =>
    new DataLoader<number, Agent[]>(async (teamIds) => {
      const teams = await ctx.em.find(Team, { id: { $in: [...teamIds] } }, { populate: ['members'] });
      return teamIds.map((id) => teams.find((t) => t.id === id)?.members.getItems() ?? []);
    }),
  );
}

export function childrenLoader(ctx: Context): DataLoader<number, Department[]> {
  return memo(ctx, childrenLoader, () =>
    new DataLoader<number, Department[]>(async (parentIds) => {
      const rows = await ctx.em.find(Department, { parent: { $in: [...parentIds] } }, { orderBy: { name: 'asc', id: 'asc' } });
      return parentIds.map((id) => rows.filter((d) => d.parent?.id === id));
    }),
  );
}
