import type { EntityManager } from '@mikro-orm/postgresql';
import { memo, type Context, type Viewer } from '../../common/context';
import type { Agent } from '../directory/agent.entity';
import type { Permission } from '../directory/permissions';
import { PERMISSIONS } from '../directory/permissions';
import { P, evaluate, type TicketPredicate, type TicketSnapshot } from './ticket-predicate';
import { TicketState } from './ticket-state';
import { lockHeldByOther } from './ticket.lifecycle';

/**
 * Who may see and do what with tickets (SPEC §1). Everything here is pure
 * given a `Principal`, so services, list filters, subscriptions and
 * `viewerCan` share one definition.
 */
export type Principal =
  | {
      kind: 'agent';
      agentId: number;
      isAdmin: boolean;
      assignedOnly: boolean;
      teamIds: number[];
      primaryDepartmentId: number;
      primaryPermissions: readonly Permission[];
      /** Extra department access: department id → permissions of the role there. */
      extra: Map<number, readonly Permission[]>;
    }
  | { kind: 'endUser'; userId: number; orgId: number | null; orgShares: boolean; ticketScope: number | null }
  | { kind: 'anonymous' };

/** Loads what the policy needs about the viewer, once per operation. */
export async function principalOf(ctx: Context): Promise<Principal> {
  return memo(ctx, principalOf, () => loadPrincipal(ctx.em, ctx.viewer));
}

export async function loadPrincipal(em: EntityManager, viewer: Viewer | null): Promise<Principal> {
  if (!viewer) return { kind: 'anonymous' };
  if (viewer.kind === 'endUser') {
    const org = viewer.user.organization ? await viewer.user.organization.load() : null;
    return { kind: 'endUser', userId: viewer.user.id, orgId: org?.id ?? null, orgShares: org?.sharesTickets ?? false, ticketScope: viewer.ticketScope };
  }
  return (await loadAgentPrincipals(em, [viewer.agent])).get(viewer.agent.id)!;
}

type AgentRow = { id: number; permissions: Permission[] | string; team_ids: number[] | string; extra: [number, Permission[]][] | string };
const parsed = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/**
 * The principals of several agents in one statement (role permissions,
 * teams, extra department access): a command that checks many agents — the
 * alert recipients of a new ticket — costs the same as one that checks one.
 * The agent rows themselves are the caller's (already loaded).
 */
export async function loadAgentPrincipals(
  em: EntityManager,
  agents: readonly Pick<Agent, 'id' | 'isAdmin' | 'assignedOnly' | 'primaryDepartment' | 'role'>[],
): Promise<Map<number, Extract<Principal, { kind: 'agent' }>>> {
  const out = new Map<number, Extract<Principal, { kind: 'agent' }>>();
  if (agents.length === 0) return out;
  const rows = await em.execute<AgentRow[]>(
    `select a.id,
            (select r.permissions from role r where r.id = a.role_id) as permissions,
            coalesce((select json_agg(tm.team_id order by tm.team_id) from team_member tm where tm.agent_id = a.id), '[]') as team_ids,
            coalesce((select json_agg(json_build_array(d.department_id, r2.permissions) order by d.department_id)
                        from department_access d join role r2 on r2.id = d.role_id where d.agent_id = a.id), '[]') as extra
       from agent a where a.id in (${agents.map(() => '?').join(', ')})`,
    agents.map((a) => a.id),
  );
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const agent of agents) {
    const row = byId.get(agent.id);
    if (!row) throw new Error(`agent ${agent.id} vanished while loading its access`);
    out.set(agent.id, {
      kind: 'agent',
      agentId: agent.id,
      isAdmin: agent.isAdmin,
      assignedOnly: agent.assignedOnly,
      teamIds: parsed(row.team_ids).map(Number),
      primaryDepartmentId: agent.primaryDepartment.id,
      primaryPermissions: parsed(row.permissions),
      extra: new Map(parsed(row.extra).map(([department, permissions]) => [Number(department), parsed(permissions)])),
    });
  }
  return out;
}

/** The tickets a principal can see, as a predicate (SPEC §1 "Visibility"). */
export function visibility(p: Principal): TicketPredicate {
  switch (p.kind) {
    case 'anonymous':
      return P.false();
    case 'endUser': {
      if (p.ticketScope !== null) return P.and(P.eq('id', p.ticketScope), P.eq('ownerId', p.userId));
      const own = [P.eq('ownerId', p.userId), { op: 'hasCollaborator', userId: p.userId } as TicketPredicate];
      if (p.orgId !== null && p.orgShares) own.push({ op: 'sharedWithOrg', orgId: p.orgId });
      return P.or(...own);
    }
    case 'agent': {
      if (p.isAdmin) return P.true();
      const mine = [P.eq('assigneeId', p.agentId)];
      if (p.teamIds.length) mine.push(P.idIn('teamId', p.teamIds));
      if (!p.assignedOnly) mine.push(P.idIn('departmentId', [p.primaryDepartmentId, ...p.extra.keys()]));
      return P.or(...mine);
    }
  }
}

export function canSee(p: Principal, t: TicketSnapshot): boolean {
  return evaluate(visibility(p), t);
}

/**
 * The permissions of an agent on a visible ticket: the role of the ticket's
 * department for that agent, or the primary role when the ticket is visible
 * only through assignment. Admins hold every permission.
 */
export function permissionsOn(p: Principal, t: Pick<TicketSnapshot, 'departmentId'>): ReadonlySet<Permission> {
  if (p.kind !== 'agent') return new Set();
  if (p.isAdmin) return new Set(PERMISSIONS);
  if (!p.assignedOnly && t.departmentId === p.primaryDepartmentId) return new Set(p.primaryPermissions);
  const extra = !p.assignedOnly ? p.extra.get(t.departmentId) : undefined;
  return new Set(extra ?? p.primaryPermissions);
}

/** Whether an agent has access to a department (assignment target check). */
export function agentWorksIn(p: Extract<Principal, { kind: 'agent' }>, departmentId: number): boolean {
  return p.isAdmin || p.primaryDepartmentId === departmentId || p.extra.has(departmentId);
}

export interface TicketAbilities {
  reply: boolean;
  addNote: boolean;
  assign: boolean;
  release: boolean;
  transfer: boolean;
  edit: boolean;
  close: boolean;
  reopen: boolean;
  markAnswered: boolean;
  manageCollaborators: boolean;
  delete: boolean;
  merge: boolean;
  /** End users: post a message (owner or active collaborator). */
  postMessage: boolean;
  editThread: boolean;
}

/** What a principal may do on a ticket it can see, given its state (the preview pop-up's buttons). */
export function abilities(p: Principal, t: TicketSnapshot): TicketAbilities {
  const none: TicketAbilities = {
    reply: false, addNote: false, assign: false, release: false, transfer: false, edit: false, close: false,
    reopen: false, markAnswered: false, manageCollaborators: false, delete: false, merge: false, postMessage: false, editThread: false,
  };
  if (!canSee(p, t)) return none;
  const live = t.state === TicketState.OPEN || t.state === TicketState.CLOSED;
  if (p.kind === 'endUser') {
    const participant = t.ownerId === p.userId || t.collaboratorIds.includes(p.userId);
    return { ...none, postMessage: participant && live };
  }
  if (p.kind !== 'agent') return none;
  const can = permissionsOn(p, t);
  const open = t.state === TicketState.OPEN;
  return {
    reply: can.has('ticket.reply') && live,
    addNote: live,
    assign: can.has('ticket.assign') && open,
    // the assignee may always hand a ticket back
    release: open && (t.assigneeId !== null || t.teamId !== null) && (can.has('ticket.release') || t.assigneeId === p.agentId),
    transfer: can.has('ticket.transfer') && live,
    edit: can.has('ticket.edit') && live,
    close: can.has('ticket.close') && open,
    reopen: can.has('ticket.close') && t.state === TicketState.CLOSED,
    markAnswered: can.has('ticket.markanswered') && open,
    manageCollaborators: can.has('ticket.edit') && live,
    delete: can.has('ticket.delete') && t.state !== TicketState.DELETED,
    merge: can.has('ticket.merge') && live,
    postMessage: false,
    editThread: can.has('thread.edit') && live,
  };
}

/**
 * `viewerCan`: the abilities, and right now another agent's unexpired lock
 * (SPEC §5) refuses replies and notes. Services check the lock themselves
 * (LOCKED, not FORBIDDEN), so it is not part of `abilities`.
 */
export function abilitiesNow(p: Principal, t: TicketSnapshot, lock: { agentId: number | null; expiresAt: Date | null }, now: Date): TicketAbilities {
  const can = abilities(p, t);
  return p.kind === 'agent' && lockHeldByOther(lock, p.agentId, now) ? { ...can, reply: false, addNote: false } : can;
}
