import type { EntityManager } from '@mikro-orm/postgresql';
import { memo, type Context, type Viewer } from '../../common/context';
import { ErrorCode, refuse, type Refusal } from '../../common/errors';
import type { Agent } from '../directory/agent.entity';
import type { Permission } from '../directory/permissions';
import { PERMISSIONS } from '../directory/permissions';
import type { TicketRead } from './ticket.read';
import { P, evaluate, type TicketPredicate, type TicketSnapshot } from './ticket-predicate';
import { isLive, TicketState } from './ticket-state';
import type { TicketStatus } from './ticket-status.entity';

/**
 * Who may see and do what with tickets (SPEC §1). Everything here is pure
 * given a `Principal`, so services, list filters, subscriptions and
 * `viewerCan` share one definition: `decide` answers "may this principal do
 * this to this ticket now?" with null (allowed) or the refusal the command
 * throws; `viewerCan` is its answers as booleans.
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
export function principalOf(ctx: Context): Promise<Principal> {
  const pending = memo(ctx, principalOf, () => loadPrincipal(ctx.em, ctx.viewer));
  if (!watched.has(pending)) {
    watched.add(pending);
    pending.then((p) => settledPrincipals.set(pending, p), () => undefined);
  }
  return pending;
}

const watched = new WeakSet<Promise<Principal>>();
const settledPrincipals = new WeakMap<Promise<Principal>, Principal>();

/** The operation's principal when `principalOf` has already resolved it, else undefined: for resolvers that can answer without a promise. */
export function principalNow(ctx: Context): Principal | undefined {
  const pending = ctx.memo.get(principalOf) as Promise<Principal> | undefined;
  return pending && settledPrincipals.get(pending);
}

export async function loadPrincipal(em: EntityManager, viewer: Viewer | null): Promise<Principal> {
  if (!viewer) return { kind: 'anonymous' };
  if (viewer.kind === 'endUser') {
    const org = viewer.user.organization ? await viewer.user.organization.load() : null;
    return { kind: 'endUser', userId: viewer.user.id, orgId: org?.id ?? null, orgShares: org?.sharesTickets ?? false, ticketScope: viewer.ticketScope };
  }
  return (await loadAgentPrincipals(em, [viewer.agent])).get(viewer.agent.id)!;
}

/** The principal columns of an agent row (`principalColumns`), as the driver returns them. */
export type PrincipalRow = { permissions: Permission[] | string | null; team_ids: number[] | string; extra: [number, Permission[]][] | string };
const parsed = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/**
 * What the policy needs about the agent of alias `a` beyond its own columns
 * (role permissions, teams, extra department access), as sub-selects: a
 * statement that reads agents — the viewer's token, a new ticket's alert
 * recipients — reads their principals with them.
 */
export function principalColumns(a: string): string {
  return `(select r.permissions from role r where r.id = ${a}.role_id) as permissions,
            coalesce((select json_agg(tm.team_id order by tm.team_id) from team_member tm where tm.agent_id = ${a}.id), '[]') as team_ids,
            coalesce((select json_agg(json_build_array(d.department_id, r2.permissions) order by d.department_id)
                        from department_access d join role r2 on r2.id = d.role_id where d.agent_id = ${a}.id), '[]') as extra`;
}

/** An agent's principal from its row and `principalColumns`. */
export function agentPrincipal(agent: Pick<Agent, 'id' | 'isAdmin' | 'assignedOnly'> & { primaryDepartment: { id: number } }, row: PrincipalRow): Extract<Principal, { kind: 'agent' }> {
  return {
    kind: 'agent',
    agentId: agent.id,
    isAdmin: agent.isAdmin,
    assignedOnly: agent.assignedOnly,
    teamIds: parsed(row.team_ids).map(Number),
    primaryDepartmentId: agent.primaryDepartment.id,
    primaryPermissions: parsed(row.permissions ?? []),
    extra: new Map(parsed(row.extra).map(([department, permissions]) => [Number(department), parsed(permissions)])),
  };
}

/**
 * The principals of several agents in one statement: a command that checks
 * many agents costs the same as one that checks one. The agent rows
 * themselves are the caller's (already loaded).
 */
export async function loadAgentPrincipals(
  em: EntityManager,
  agents: readonly Pick<Agent, 'id' | 'isAdmin' | 'assignedOnly' | 'primaryDepartment' | 'role'>[],
): Promise<Map<number, Extract<Principal, { kind: 'agent' }>>> {
  const out = new Map<number, Extract<Principal, { kind: 'agent' }>>();
  if (agents.length === 0) return out;
  const rows = await em.execute<(PrincipalRow & { id: number })[]>(
    `select a.id, ${principalColumns('a')} from agent a where a.id in (${agents.map(() => '?').join(', ')})`,
    agents.map((a) => a.id),
  );
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const agent of agents) {
    const row = byId.get(agent.id);
    if (!row) throw new Error(`agent ${agent.id} vanished while loading its access`);
    out.set(agent.id, agentPrincipal(agent, row));
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
      if (!p.assignedOnly) mine.push(P.idIn('departmentId', departmentsOf(p)));
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

export type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;

/** The departments an agent works in: the primary one and those of extra access. */
export function departmentsOf(p: AgentPrincipal): number[] {
  return [p.primaryDepartmentId, ...p.extra.keys()];
}

/** Whether an agent has access to a department (assignment target check). */
export function agentWorksIn(p: AgentPrincipal, departmentId: number): boolean {
  return p.isAdmin || p.primaryDepartmentId === departmentId || p.extra.has(departmentId);
}

// ---- locks ------------------------------------------------------------------------

/** A ticket's lock as stored: the agent and the expiry, both null when it was never taken or was released. */
export interface TicketLock {
  agentId: number | null;
  expiresAt: Date | null;
}

/** The lock while it is held (SPEC §5: it has an agent and has not expired); null otherwise. */
export function heldLock(lock: TicketLock, now: Date): { agentId: number; expiresAt: Date } | null {
  return lock.agentId !== null && lock.expiresAt !== null && lock.expiresAt.getTime() > now.getTime() ? { agentId: lock.agentId, expiresAt: lock.expiresAt } : null;
}

export function lockOf(t: Pick<TicketRead, 'lockAgent' | 'lockExpiresAt'>): TicketLock {
  return { agentId: t.lockAgent?.id ?? null, expiresAt: t.lockExpiresAt };
}

// ---- decisions ----------------------------------------------------------------------

/** What a decision reads: the ticket's facts, its lock and version, and the moment it is asked. */
export interface TicketHere {
  snapshot: TicketSnapshot;
  lock: TicketLock;
  version: number;
  now: Date;
}

export function ticketHere(ticket: Pick<TicketRead, 'lockAgent' | 'lockExpiresAt' | 'version'>, snapshot: TicketSnapshot, now: Date): TicketHere {
  return { snapshot, lock: lockOf(ticket), version: ticket.version, now };
}

/** `viewerCan`: one boolean per action, each the answer of `decide`. */
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

const ABILITIES = [
  'reply', 'addNote', 'assign', 'release', 'transfer', 'edit', 'close', 'reopen',
  'markAnswered', 'manageCollaborators', 'delete', 'merge', 'postMessage', 'editThread',
] as const satisfies readonly (keyof TicketAbilities)[];

export type TicketAction = keyof TicketAbilities | 'claim' | 'lock' | 'unlock';

/** What another agent's lock blocks (SPEC §5): replies, notes, and taking the lock. */
const LOCK_BLOCKS: ReadonlySet<TicketAction> = new Set<TicketAction>(['reply', 'addNote', 'lock']);

const forbidden = (message: string): Refusal => ({ code: ErrorCode.FORBIDDEN, message });
const conflict = (message: string): Refusal => ({ code: ErrorCode.CONFLICT, message });
const AGENTS_ONLY = forbidden('Only agents may do this');
const NOT_SEEN: Refusal = { code: ErrorCode.NOT_FOUND, message: 'Ticket not found' };

/** An agent's permission in the ticket's department, in a state that allows the action; FORBIDDEN otherwise. */
function role(can: ReadonlySet<Permission>, permission: Permission, stateAllows: boolean, message: string): Refusal | null {
  return can.has(permission) && stateAllows ? null : forbidden(message);
}

/**
 * Whether the principal may do `action` to the ticket now: null when it may,
 * else the refusal, in the order a caller meets them — who they are, the
 * ticket's state and their role there, a stale `expectedVersion`, another
 * agent's lock. An invisible ticket is NOT_FOUND (the caller says which object).
 */
export function decide(p: Principal, action: TicketAction, t: TicketHere, asked: { expectedVersion?: number | null } = {}): Refusal | null {
  if (!canSee(p, t.snapshot)) return NOT_SEEN;
  return ruleOf(p, action, t.snapshot) ?? staleVersion(t, asked.expectedVersion) ?? lockRefusal(p, action, t);
}

function ruleOf(p: Principal, action: TicketAction, t: TicketSnapshot): Refusal | null {
  const state = t.state.toLowerCase();
  if (action === 'postMessage') {
    if (p.kind !== 'endUser') return forbidden('Only the owner or a collaborator posts messages; agents reply or add notes');
    if (!isLive(t.state)) return conflict(`The ticket is ${state}; messages cannot reopen it`);
    const participant = t.ownerId === p.userId || t.collaboratorIds.includes(p.userId);
    return participant ? null : forbidden('Only the owner or an active collaborator may post messages');
  }
  if (p.kind !== 'agent') return AGENTS_ONLY;
  const can = permissionsOn(p, t);
  const live = isLive(t.state);
  const open = t.state === TicketState.OPEN;
  switch (action) {
    case 'reply':
      if (!live) return conflict(`The ticket is ${state}; it takes no replies`);
      return role(can, 'ticket.reply', true, 'Your role may not reply to tickets here');
    case 'addNote':
      return live ? null : conflict(`The ticket is ${state}; it takes no notes`);
    case 'lock':
      return live ? null : conflict('The ticket is not open to work on');
    case 'unlock':
      return null;
    case 'assign':
      return role(can, 'ticket.assign', open, 'Your role may not assign tickets here');
    case 'claim':
      return (
        role(can, 'ticket.assign', open, 'Your role may not claim tickets here') ??
        (t.assigneeId !== null && t.assigneeId !== p.agentId ? conflict('The ticket is already assigned to another agent') : null)
      );
    case 'release':
      if (!open) return forbidden('Your role may not release tickets here');
      if (t.assigneeId === null && t.teamId === null) return conflict('The ticket is not assigned');
      // the assignee may always hand a ticket back
      return t.assigneeId === p.agentId ? null : role(can, 'ticket.release', true, 'Your role may not release tickets here');
    case 'transfer':
      return role(can, 'ticket.transfer', live, 'Your role may not transfer tickets here');
    case 'edit':
      return role(can, 'ticket.edit', live, 'Your role may not edit tickets here');
    case 'close':
      return role(can, 'ticket.close', open, 'Your role may not close tickets here');
    case 'reopen':
      return role(can, 'ticket.close', t.state === TicketState.CLOSED, 'Your role may not reopen tickets here');
    case 'markAnswered':
      return role(can, 'ticket.markanswered', open, 'Your role may not mark tickets answered here');
    case 'manageCollaborators':
      return role(can, 'ticket.edit', live, 'Your role may not manage collaborators here');
    case 'delete':
      return role(can, 'ticket.delete', t.state !== TicketState.DELETED, 'Your role may not delete tickets here');
    case 'merge':
      return role(can, 'ticket.merge', live, 'Your role may not merge tickets here');
    case 'editThread':
      return role(can, 'thread.edit', live, 'Your role may not edit thread entries here');
  }
}

/** A write based on an older read of the ticket (`expectedVersion`) is refused. */
function staleVersion(t: TicketHere, expected: number | null | undefined): Refusal | null {
  if (expected == null || expected === t.version) return null;
  return { code: ErrorCode.CONFLICT, message: `The ticket changed since you read it (version ${t.version}, not ${expected}); reload and try again`, field: 'expectedVersion' };
}

/** Another agent's unexpired lock: it blocks `LOCK_BLOCKS`, and only its holder or an admin may release it. */
function lockRefusal(p: Principal, action: TicketAction, t: TicketHere): Refusal | null {
  if (p.kind !== 'agent') return null;
  const held = heldLock(t.lock, t.now);
  if (!held || held.agentId === p.agentId) return null;
  if (action === 'unlock') return p.isAdmin ? null : { code: ErrorCode.LOCKED, message: 'Another agent holds the lock' };
  return LOCK_BLOCKS.has(action) ? { code: ErrorCode.LOCKED, message: 'Another agent is working on this ticket (it is locked)' } : null;
}

/** `viewerCan`: what the principal may do with the ticket right now (the preview pop-up's buttons). */
export function viewerCan(p: Principal, t: TicketHere): TicketAbilities {
  return Object.fromEntries(ABILITIES.map((a) => [a, decide(p, a, t) === null])) as unknown as TicketAbilities;
}

/**
 * Whether the principal may move the ticket to status `s` (SPEC §7), with the
 * reason when not: closing and reopening take `close`/`reopen`, deleting
 * `delete`, archiving `close`, any other move `edit` or `close`. The same
 * status is no move.
 */
export function statusMoveRefusal(p: Principal, t: TicketHere, s: Pick<TicketStatus, 'id' | 'state'>): Refusal | null {
  const from = t.snapshot;
  if (s.id === from.statusId) return null;
  const refused = (action: TicketAction) => decide(p, action, t) !== null;
  if (s.state === TicketState.CLOSED || (s.state === TicketState.OPEN && from.state === TicketState.CLOSED)) {
    if (refused(from.state === TicketState.CLOSED ? 'reopen' : 'close')) return forbidden('Your role may not close or reopen tickets here');
  } else if (s.state === TicketState.DELETED) {
    if (refused('delete')) return forbidden('Your role may not delete tickets here');
  } else if (s.state === TicketState.ARCHIVED) {
    if (refused('close')) return forbidden('Your role may not archive tickets here');
  } else if (refused('edit') && refused('close')) {
    return forbidden('Your role may not change the status here');
  }
  return null;
}

/** The principal as an agent (after `decide` let an agents-only action through); anyone else gets its refusal. */
export function asAgent(p: Principal): AgentPrincipal {
  return p.kind === 'agent' ? p : refuse(AGENTS_ONLY);
}
