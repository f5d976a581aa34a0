import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../common/logger';
import { toSql, type IdField, type TicketPredicate } from '../tickets/ticket-predicate';

/**
 * Exact ticket counts at desk size: the third evaluation of a ticket
 * predicate (DESIGN "One definition, several evaluations"), beside `toSql`
 * over tickets and `evaluate` in memory — summing counters.
 *
 * Storage (migration Migration20261203174258):
 * - `queue_count_delta`: signed rows appended by triggers on `ticket` in the
 *   same transaction as every change of a counted fact (−1 on the row's old
 *   group, +1 on its new one). Insert-only, so writers never wait on one
 *   another here (no hot row, no lock order, no deadlock).
 * - `queue_count_full` (every counted fact) and `queue_count_core` (the facts
 *   visibility and the system queues read): one row per group, where
 *   `compactQueueCounts` folds the deltas, atomically.
 * A count is one statement over grouped rows ∪ deltas, read in one snapshot:
 * exact for whatever is committed at that moment, however far compaction lags.
 *
 * Overdue changes with time alone. The counted fact `overdue` is "OPEN, and
 * an OVERDUE was recorded for its current due date" (`overdue_notified_for =
 * due_at`: stamped by the scheduler, or by a change sealed after the date
 * passed), which implies the date has passed. The OPEN tickets whose due date
 * passed and which are not stamped yet (a range of a partial index, empty but
 * for the scheduler's few milliseconds) are moved from `overdue = false` to
 * `overdue = true` at read time: exact at the moment of the read.
 */

type Table = 'core' | 'full';

const CORE_IDS: Partial<Record<IdField, string>> = { departmentId: 'department_id', assigneeId: 'assignee_id', teamId: 'team_id' };
const FULL_IDS: Partial<Record<IdField, string>> = { ...CORE_IDS, statusId: 'status_id', priorityId: 'priority_id', helpTopicId: 'help_topic_id' };

const rank = { core: 0, full: 1 } as const;
const wider = (a: Table | null, b: Table | null): Table | null => (a === null || b === null ? null : rank[a] >= rank[b] ? a : b);

/** Which counter table can answer the predicate: `core`, `full`, or null (count the tickets). */
export function counterTable(p: TicketPredicate): Table | null {
  switch (p.op) {
    case 'true':
    case 'false':
    case 'stateIn':
    case 'answered':
    case 'overdue':
      return 'core';
    case 'sourceIn':
      return 'full';
    case 'idIn':
      return CORE_IDS[p.field] ? 'core' : FULL_IDS[p.field] ? 'full' : null;
    case 'and':
    case 'or':
      return p.items.reduce<Table | null>((t, i) => wider(t, counterTable(i)), 'core');
    case 'not':
      return counterTable(p.item);
    default:
      // dates, subject, number, owner, organization, collaborators: not counted facts
      return null;
  }
}

/** Compiles a predicate `counterTable` accepts to a condition on a counter row aliased `x` (no NULLs there: unset ids are 0). */
export function toCounterSql(p: TicketPredicate, x = 'x'): string {
  switch (p.op) {
    case 'and':
      return p.items.length === 0 ? 'true' : `(${p.items.map((i) => toCounterSql(i, x)).join(' and ')})`;
    case 'or':
      return p.items.length === 0 ? 'false' : `(${p.items.map((i) => toCounterSql(i, x)).join(' or ')})`;
    case 'not':
      return `not ${toCounterSql(p.item, x)}`;
    case 'idIn': {
      const col = FULL_IDS[p.field];
      if (!col) throw new Error(`not a counted fact: ${p.field}`);
      const ids = [...new Set(p.values.map((v) => v ?? 0))];
      for (const v of ids) if (!Number.isSafeInteger(v)) throw new Error(`not an id: ${v}`);
      return ids.length === 0 ? 'false' : ids.length === 1 ? `${x}."${col}" = ${ids[0]}` : `${x}."${col}" in (${ids.join(', ')})`;
    }
    case 'overdue':
      return p.value ? `${x}."overdue"` : `not ${x}."overdue"`;
    case 'true':
    case 'false':
    case 'stateIn':
    case 'sourceIn':
    case 'answered':
      // the same columns, names and literals as on the ticket table
      return toSql(p, x, []);
    default:
      throw new Error(`not a counted fact: ${p.op}`);
  }
}

function usesOverdue(p: TicketPredicate): boolean {
  if (p.op === 'overdue') return true;
  if (p.op === 'and' || p.op === 'or') return p.items.some(usesOverdue);
  if (p.op === 'not') return usesOverdue(p.item);
  return false;
}

const COLUMNS: Record<Table, string[]> = {
  core: ['state', 'department_id', 'assignee_id', 'team_id', 'is_answered'],
  full: ['state', 'status_id', 'department_id', 'assignee_id', 'team_id', 'is_answered', 'priority_id', 'help_topic_id', 'source'],
};
const TICKET_KEY: Record<string, string> = {
  state: 't.state::text',
  status_id: 't.status_id',
  department_id: 't.department_id',
  assignee_id: 'coalesce(t.assignee_id, 0)',
  team_id: 'coalesce(t.team_id, 0)',
  is_answered: 't.is_answered',
  priority_id: 't.priority_id',
  help_topic_id: 'coalesce(t.help_topic_id, 0)',
  source: 't.source::text',
};

export interface CountOptions {
  /**
   * `now` (default): overdue at the moment of the read. `recorded`: overdue
   * as the events recorded it — for a live baseline, whose later OVERDUE
   * events bring the due dates passing since (counting those twice otherwise).
   */
  overdue?: 'now' | 'recorded';
  /** The moment of the read (default: now, on this process's clock, as `toSql` and `evaluate` take it). */
  now?: Date;
}

/** The counter rows of a table as one relation (grouped ∪ deltas ∪ the due, unstamped tickets moved to overdue). */
function counterRows(table: Table, due: Date | null): string {
  const cols = [...COLUMNS[table], 'overdue'].join(', ');
  const parts = [`select ${cols}, n from queue_count_${table}`, `select ${cols}, n from queue_count_delta`];
  if (due) {
    // The ids come from an index-only range of the partial index on (due_at, id); as a sub-select
    // feeding `= any(array(...))` the planner cannot swap in the (state, due_at) index, which reads
    // every overdue OPEN ticket (measured 1 s at 1M). The moment is a literal (an ISO string we made).
    parts.push(
      `select ${COLUMNS[table].map((c) => TICKET_KEY[c]).join(', ')}, d.overdue, d.n from ticket t cross join (values (true, 1), (false, -1)) d (overdue, n)
       where t.id = any(array(select p.id from ticket p where p.state = 'OPEN' and p.due_at <= '${due.toISOString()}'::timestamptz and p.overdue_notified_for is distinct from p.due_at))`,
    );
  }
  return parts.join(' union all ');
}

/** The first conjunct every predicate shares (the viewer's visibility), to filter the rows once. */
function sharedFirst(preds: TicketPredicate[]): { where: TicketPredicate | null; rest: TicketPredicate[] } {
  const first = preds.map((p) => (p.op === 'and' && p.items.length > 1 ? p.items[0]! : null));
  const key = first[0] ? JSON.stringify(first[0]) : null;
  if (key === null || preds.length < 2 || first.some((f) => f === null || JSON.stringify(f) !== key)) return { where: null, rest: preds };
  const rest = preds.map((p) => {
    const items = (p as { items: TicketPredicate[] }).items.slice(1);
    return items.length === 1 ? items[0]! : ({ op: 'and', items } satisfies TicketPredicate);
  });
  return { where: first[0]!, rest };
}

async function sumCounters(em: EntityManager, table: Table, preds: TicketPredicate[], options: CountOptions): Promise<number[]> {
  const due = options.overdue !== 'recorded' && preds.some(usesOverdue) ? (options.now ?? new Date()) : null;
  const { where, rest } = sharedFirst(preds);
  const sums = rest.map((p, i) => `coalesce(sum(x.n) filter (where ${toCounterSql(p)}), 0)::bigint as c${i}`).join(', ');
  const rows = await em.execute<Record<string, string | number>[]>(
    `select ${sums} from (${counterRows(table, due)}) x${where ? ` where ${toCounterSql(where)}` : ''}`,
  );
  return rest.map((_, i) => Number(rows[0]?.[`c${i}`] ?? 0));
}

/** A plain count of the tickets (criteria the counters do not hold: dates, subject, owner, organization). */
async function countTickets(em: EntityManager, pred: TicketPredicate, now?: Date): Promise<number> {
  const params: unknown[] = [];
  const rows = await em.execute<{ count: number }[]>(`select count(*)::int as count from "ticket" t where ${toSql(pred, 't', params, now)}`, params);
  return Number(rows[0]?.count ?? 0);
}

/**
 * The exact number of tickets meeting each predicate, in at most two
 * statements for all those the counters answer (one per counter table)
 * and one `count(*)` for each other.
 */
export async function countPredicates(em: EntityManager, preds: TicketPredicate[], options: CountOptions = {}): Promise<number[]> {
  const out = new Array<number>(preds.length).fill(0);
  for (const table of ['core', 'full'] as const) {
    const at = preds.flatMap((p, i) => (counterTable(p) === table ? [i] : []));
    if (at.length === 0) continue;
    const counts = await sumCounters(em, table, at.map((i) => preds[i]!), options);
    at.forEach((i, j) => (out[i] = counts[j]!));
  }
  for (const [i, p] of preds.entries()) if (counterTable(p) === null) out[i] = await countTickets(em, p, options.now);
  return out;
}

// ---- compaction -----------------------------------------------------------------

const COMPACT_LOCK = 7_460_004;
const KEY_FULL = COLUMNS.full.concat('overdue').join(', ');
const KEY_CORE = COLUMNS.core.concat('overdue').join(', ');

/**
 * Folds the deltas into the grouped tables in one statement (so one
 * transaction): a reader sees either the deltas or their sum, never both or
 * neither. Concurrent compactions (several processes) skip while one runs.
 * Returns the delta rows folded.
 */
export async function compactQueueCounts(em: EntityManager, options: { dropEmpty?: boolean } = {}): Promise<number> {
  const [row] = await em.execute<{ moved: number }[]>(
    `with l as (select pg_try_advisory_xact_lock(${COMPACT_LOCK}) as ok),
     d as (delete from queue_count_delta where (select ok from l) returning *),
     g as (select ${KEY_FULL}, sum(n) as n from d group by ${KEY_FULL} having sum(n) <> 0),
     f as (insert into queue_count_full (${KEY_FULL}, n) select ${KEY_FULL}, n from g
           on conflict (${KEY_FULL}) do update set n = queue_count_full.n + excluded.n),
     c as (insert into queue_count_core (${KEY_CORE}, n) select ${KEY_CORE}, sum(n) from g group by ${KEY_CORE} having sum(n) <> 0
           on conflict (${KEY_CORE}) do update set n = queue_count_core.n + excluded.n)
     select count(*)::int as moved from d`,
  );
  if (options.dropEmpty) {
    await em.execute('delete from queue_count_full where n = 0');
    await em.execute('delete from queue_count_core where n = 0');
  }
  return Number(row?.moved ?? 0);
}

/**
 * Recounts every group from the tickets (for bulk loads that bypass the
 * triggers; the triggers keep the counts otherwise). Locks the ticket table
 * against writes meanwhile.
 */
export async function rebuildQueueCounts(em: EntityManager): Promise<void> {
  const key =
    `t.state::text, t.status_id, t.department_id, coalesce(t.assignee_id, 0), coalesce(t.team_id, 0), t.is_answered, ` +
    `t.priority_id, coalesce(t.help_topic_id, 0), t.source::text, coalesce(t.state = 'OPEN' and t.overdue_notified_for = t.due_at, false)`;
  await em.transactional(async (tx) => {
    await tx.execute('lock table ticket in share mode');
    await tx.execute('delete from queue_count_delta');
    await tx.execute('delete from queue_count_full');
    await tx.execute('delete from queue_count_core');
    await tx.execute(`insert into queue_count_full (${KEY_FULL}, n) select ${key}, count(*) from ticket t group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`);
    await tx.execute(`insert into queue_count_core (${KEY_CORE}, n) select ${KEY_CORE}, sum(n) from queue_count_full group by ${KEY_CORE}`);
  });
}

/** Folds the deltas every second or so; empty groups are dropped and the delta table vacuumed now and then. */
export class QueueCountCompactor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private runs = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly log: Logger,
    private readonly everyMs = 1000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.run(), this.everyMs);
    this.timer.unref();
  }

  /** One compaction now (or the one already running). */
  run(): Promise<void> {
    this.running ??= (async () => {
      try {
        const housekeeping = ++this.runs % 60 === 0;
        await compactQueueCounts(this.orm.em.fork(), { dropEmpty: housekeeping });
        if (housekeeping) await this.orm.em.fork().execute('vacuum queue_count_delta');
      } catch (err) {
        this.log.error({ err }, 'compacting queue counts failed');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
