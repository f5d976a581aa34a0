import { ref } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { entityColumns } from '../../common/columns';
import { memo, type Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { decodeGlobalId } from '../../common/global-id';
import { lookup } from '../../common/lookup';
import { inTransaction } from '../../common/tx';
import { cleanName } from '../../common/validate';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { departmentsOf, principalOf, visibility, type AgentPrincipal } from '../tickets/ticket.policy';
import { P, type TicketPredicate } from '../tickets/ticket-predicate';
import { OrderDirection, TicketOrderField } from '../tickets/ticket.type';
import { criteriaPredicate, validateCriteria, type QueueCriterion } from './queue-criteria';
import { countPredicates } from './queue-counters';
import { Queue } from './queue.entity';
import { SYSTEM_QUEUE_BY_KEY, SYSTEM_QUEUES, type SystemQueue } from './system-queues';


/** A system or custom queue as the API shows it; `id` is the system key or the custom queue's key. */
export class QueueView {
  constructor(
    readonly id: string | number,
    readonly name: string,
    readonly key: string | null,
    readonly parentId: string | number | null,
    readonly criteria: TicketPredicate | ((p: AgentPrincipal) => TicketPredicate),
    readonly order: { field: TicketOrderField; direction: OrderDirection },
  ) {}

  /** Membership for this agent (without visibility). */
  predicate(p: AgentPrincipal): TicketPredicate {
    return typeof this.criteria === 'function' ? this.criteria(p) : this.criteria;
  }
}

const DEFAULT_ORDER = { field: TicketOrderField.CREATED_AT, direction: OrderDirection.DESC };

export function systemView(q: SystemQueue): QueueView {
  return new QueueView(q.key, q.name, q.key, q.parent, (p) => q.predicate(p), DEFAULT_ORDER);
}

export function customView(q: Queue): QueueView {
  return new QueueView(q.id, q.name, null, q.parent?.id ?? null, criteriaPredicate(q.criteria), {
    field: q.sortField as TicketOrderField,
    direction: q.sortDirection as OrderDirection,
  });
}

/** Whether an agent sees a custom queue: their own, or shared with everyone or one of their departments. */
export function seesQueue(p: AgentPrincipal, q: Queue): boolean {
  if (q.owner) return q.owner.id === p.agentId;
  return p.isAdmin || q.departmentIds.length === 0 || q.departmentIds.some((d) => departmentsOf(p).includes(d));
}

export async function agentPrincipal(ctx: Context): Promise<AgentPrincipal> {
  const p = await principalOf(ctx);
  if (p.kind !== 'agent') return fail(ErrorCode.FORBIDDEN, 'Queues are for agents');
  return p;
}

/** Every custom queue by name, in one plain statement mapped into the EntityManager. */
async function customQueues(ctx: Context): Promise<Queue[]> {
  const columns = entityColumns(ctx.em, Queue).map((c) => `"${c}"`);
  const rows = await ctx.em.execute<Record<string, unknown>[]>(`select ${columns.join(', ')} from "queue" order by "name", "id"`);
  return rows.map((r) => ctx.em.map(Queue, r as never));
}

/** Every queue the agent sees: the system queues, then custom ones by name (once per operation). */
export function visibleQueues(ctx: Context): Promise<QueueView[]> {
  return memo(ctx, visibleQueues, async () => {
    // Both at once (on PostgreSQL two pool connections): every dashboard read starts here.
    const [p, custom] = await Promise.all([agentPrincipal(ctx), customQueues(ctx)]);
    return [...SYSTEM_QUEUES.map(systemView), ...custom.filter((q) => seesQueue(p, q)).map(customView)];
  });
}

export async function queueByKey(ctx: Context, key: string | number): Promise<QueueView | null> {
  const p = await principalOf(ctx);
  if (p.kind !== 'agent') return null;
  if (typeof key === 'string') {
    const sys = SYSTEM_QUEUE_BY_KEY.get(key);
    return sys ? systemView(sys) : null;
  }
  const q = await ctx.em.findOne(Queue, key);
  return q && seesQueue(p, q) ? customView(q) : null;
}

export async function queueById(ctx: Context, id: string): Promise<QueueView | null> {
  const decoded = decodeGlobalId(id);
  return decoded && decoded.type === 'Queue' ? queueByKey(ctx, decoded.key) : null;
}

/** Membership including visibility, for this agent. */
export function queueMembership(view: QueueView, p: AgentPrincipal): TicketPredicate {
  return P.and(visibility(p), view.predicate(p));
}

/**
 * The exact count at the moment of the read, summed over the queue counters
 * (queue-counters.ts). The counts asked for together (a `queues { count
 * children { count } }` selection) are read in one statement per counter
 * table; criteria the counters do not hold are counted on the tickets.
 * Never cached beyond that batch: a later read sees every later commit.
 */
export async function queueCount(ctx: Context, view: QueueView): Promise<number> {
  const p = await agentPrincipal(ctx);
  return countLoader(ctx).load(queueMembership(view, p));
}

function countLoader(ctx: Context): DataLoader<TicketPredicate, number> {
  return memo(ctx, countLoader, () => new DataLoader<TicketPredicate, number>((preds) => countPredicates(ctx.em, [...preds]), { cache: false }));
}

export interface QueueFields {
  name?: string | null;
  criteria?: QueueCriterion[] | null;
  sortField?: TicketOrderField | null;
  sortDirection?: OrderDirection | null;
  parentId?: string | null;
  /** Shared with these departments (admins); omitted: personal. */
  shared?: boolean | null;
  departmentIds?: string[] | null;
}

export function createQueue(ctx: Context, input: QueueFields & { name: string; criteria: QueueCriterion[] }): Promise<QueueView> {
  return saveQueue(ctx, null, input);
}

export function updateQueue(ctx: Context, queueId: string, input: QueueFields): Promise<QueueView> {
  return saveQueue(ctx, queueId, input);
}

/**
 * Queue tree edits (nesting, deleting) run one at a time: two concurrent
 * re-parentings could otherwise both pass the cycle check and make a cycle,
 * and a sub-queue nested while its parent is deleted would be swept away.
 */
const QUEUE_TREE_LOCK = 7_460_003;
async function lockQueueTree(em: Context['em']): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(?)', [QUEUE_TREE_LOCK]);
}

async function saveQueue(ctx: Context, queueId: string | null, input: QueueFields): Promise<QueueView> {
  const p = await agentPrincipal(ctx);
  return inTransaction(ctx, async (em) => {
    if (input.parentId !== undefined) await lockQueueTree(em);
    const problems = new Problems();
    let q: Queue;
    if (queueId) {
      const key = decodeGlobalId(queueId);
      const found = key?.type === 'Queue' && typeof key.key === 'number' ? await em.findOne(Queue, key.key) : null;
      if (!found || !seesQueue(p, found)) return fail(ErrorCode.NOT_FOUND, key && typeof key.key === 'string' ? 'System queues cannot be changed' : 'Queue not found', 'queueId');
      if (!found.owner && !p.isAdmin) return fail(ErrorCode.FORBIDDEN, 'Only administrators change shared queues');
      q = found;
    } else {
      q = em.create(Queue, { name: '' });
      q.owner = ref(Agent, p.agentId);
    }
    if (input.name != null) q.name = cleanName(problems, input.name, 'name');
    if (input.criteria != null) {
      validateCriteria(problems, input.criteria);
      q.criteria = input.criteria.map((c) => ({ field: c.field, operator: c.operator, values: [...c.values] }));
    }
    if (input.sortField != null) q.sortField = input.sortField;
    if (input.sortDirection != null) q.sortDirection = input.sortDirection;
    if (input.shared != null) {
      if (input.shared && !p.isAdmin) problems.add(ErrorCode.FORBIDDEN, 'Only administrators share queues', 'shared');
      q.owner = input.shared ? null : ref(Agent, p.agentId);
      // A personal queue is shown to its owner only: it keeps no departments.
      if (!input.shared) q.departmentIds = [];
    }
    if (input.departmentIds != null) {
      const ids: number[] = [];
      for (const [i, id] of input.departmentIds.entries()) {
        const d = await lookup(em, Department, 'Department', id, `departmentIds.${i}`, problems);
        if (d) ids.push(d.id);
      }
      q.departmentIds = ids;
      if (q.owner && ids.length > 0) problems.add(ErrorCode.BAD_USER_INPUT, 'departmentIds apply to shared queues only: set shared to true', 'departmentIds');
    }
    if (input.parentId !== undefined) {
      const key = input.parentId ? decodeGlobalId(input.parentId) : null;
      const parent = key?.type === 'Queue' && typeof key.key === 'number' ? await em.findOne(Queue, key.key) : null;
      if (input.parentId && (!parent || !seesQueue(p, parent))) problems.add(ErrorCode.NOT_FOUND, 'Queue not found', 'parentId');
      else if (parent && q.id !== undefined && (await nestsUnder(em, parent, q.id))) {
        // A cycle would drop every queue on it from the tree (none would be top-level).
        problems.add(ErrorCode.BAD_USER_INPUT, 'A queue cannot be nested under itself or one of its sub-queues', 'parentId');
      }
      q.parent = parent ? ref(parent) : null;
    }
    problems.throwIfAny();
    await em.flush();
    return customView(q);
  });
}

/** Whether `queue` is the queue `id` or lies below it (walks up the parents). */
async function nestsUnder(em: Context['em'], queue: Queue, id: number): Promise<boolean> {
  const seen = new Set<number>();
  for (let at: Queue | null = queue; at && !seen.has(at.id); at = at.parent ? await em.findOne(Queue, at.parent.id) : null) {
    if (at.id === id) return true;
    seen.add(at.id);
  }
  return false;
}

export async function deleteQueue(ctx: Context, queueId: string): Promise<string> {
  const p = await agentPrincipal(ctx);
  return inTransaction(ctx, async (em) => {
    await lockQueueTree(em);
    const key = decodeGlobalId(queueId);
    const q = key?.type === 'Queue' && typeof key.key === 'number' ? await em.findOne(Queue, key.key) : null;
    if (!q || !seesQueue(p, q)) return fail(ErrorCode.NOT_FOUND, 'Queue not found', 'id');
    if (!q.owner && !p.isAdmin) return fail(ErrorCode.FORBIDDEN, 'Only administrators delete shared queues');
    // Sub-queues go with it, except other agents' personal ones (nested under a shared queue):
    // those are theirs to keep and move to the top level.
    const seen = new Set([q.id]);
    for (let level = [q.id]; level.length > 0; ) {
      const children = await em.find(Queue, { parent: { $in: level } });
      level = [];
      for (const child of children) {
        if (seen.has(child.id)) continue;
        seen.add(child.id);
        if (child.owner && child.owner.id !== p.agentId) child.parent = null;
        else level.push(child.id);
      }
    }
    await em.flush();
    em.remove(q);
    await em.flush();
    return queueId;
  });
}
