import type { EntityManager } from '@mikro-orm/postgresql';
import type { TicketSnapshot } from '../tickets/ticket-predicate';
import { toJson } from './snapshot-json';
import type { TicketEvent } from './ticket-event.entity';

/**
 * Events are the outbox of live updates. Each carries the ticket's snapshot
 * before and after the command that wrote it, so subscribers evaluate queue
 * membership in memory. Commands declare a ticket's "before" when they start
 * on it; the events are sealed with the "after" at the end of the transaction.
 */
interface Pending {
  before: Map<number, TicketSnapshot | null>;
  events: TicketEvent[];
}

const pending = new WeakMap<EntityManager, Pending>();
/** The events a transaction sealed, for before-commit hooks that run after the seal (the email outbox). */
const sealed = new WeakMap<EntityManager, readonly TicketEvent[]>();

/** The tickets a sealed transaction created. */
const created = new WeakMap<EntityManager, ReadonlySet<number>>();
/** The "after" of each ticket a sealed transaction changed. */
const sealedAfter = new WeakMap<EntityManager, ReadonlyMap<number, TicketSnapshot>>();

/**
 * The facts of each ticket a transaction changed, as sealed: once it has
 * committed, the tickets as they now stand (a payload's policy checks need
 * not read them again), and whether the transaction created it.
 */
export function sealedTickets(em: EntityManager): { after: ReadonlyMap<number, TicketSnapshot>; created: ReadonlySet<number> } {
  return { after: sealedAfter.get(em) ?? new Map(), created: created.get(em) ?? new Set() };
}

/** Whether the ticket was created in this transaction (it has no rows but the ones this unit of work wrote). */
export function createdInTransaction(em: EntityManager, ticketId: number): boolean {
  const p = pending.get(em);
  if (p?.before.has(ticketId)) return p.before.get(ticketId) === null;
  return created.get(em)?.has(ticketId) ?? false;
}

/** The events this transaction wrote so far (sealed or not). */
export function transactionEvents(em: EntityManager): readonly TicketEvent[] {
  return pending.get(em)?.events ?? sealed.get(em) ?? [];
}

function pendingOf(em: EntityManager): Pending {
  let p = pending.get(em);
  if (!p) {
    p = { before: new Map(), events: [] };
    pending.set(em, p);
  }
  return p;
}

/** Records the ticket's facts before this transaction changes it (null: it is new). */
export function trackBefore(em: EntityManager, ticketId: number, snapshot: TicketSnapshot | null): void {
  const p = pendingOf(em);
  if (!p.before.has(ticketId)) p.before.set(ticketId, snapshot);
}

export function trackEvent(em: EntityManager, event: TicketEvent): void {
  pendingOf(em).events.push(event);
}

/**
 * Held from sequencing to commit: `seq` values are handed out in commit order,
 * so a reader that has seen seq N never later finds a smaller one committed
 * (serial ids can commit out of order). Taken by the transaction's last
 * statement before COMMIT (`writeSealedEvents`), so it covers one round trip
 * and the commit: every other transaction writing events waits for it, and
 * while a holder's next statement waits its turn on the Node thread the
 * others wait with it (taken earlier, before the email outbox's statements,
 * it serialized intake: issue 10).
 */
const EVENT_ORDER_LOCK = 7_460_002;

/** The channel a commit that wrote events notifies; every process's dispatcher listens on it. */
export const NOTIFY_CHANNEL = 'deskql_events';

/**
 * Seals the transaction's events: flushes the unit of work, computes each
 * changed ticket's "after" and sets every event's before/after. The first
 * event of a ticket carries the before→after change; later ones after→after.
 * The events are written later, by `writeSealedEvents`.
 */
export async function sealEvents(em: EntityManager, snapshotsOf: (ticketIds: number[]) => Promise<Map<number, TicketSnapshot>>): Promise<boolean> {
  const p = pending.get(em);
  if (!p || p.events.length === 0) return false;
  pending.delete(em);
  sealed.set(em, p.events);
  created.set(em, new Set([...p.before].filter(([, before]) => before === null).map(([id]) => id)));
  await em.flush();
  const after = await snapshotsOf([...new Set(p.events.map((e) => e.ticket.id))]);
  await em.flush();
  sealedAfter.set(em, after);
  const seen = new Set<number>();
  for (const event of p.events) {
    const id = event.ticket.id;
    const a = after.get(id)!;
    const b = seen.has(id) ? a : (p.before.get(id) ?? null);
    seen.add(id);
    event.before = b ? toJson(b) : null;
    event.after = toJson(a);
  }
  return true;
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * The last before-commit work: writes the sealed events in one statement that
 * first takes the ordering lock and sends the NOTIFY that wakes the other
 * processes (delivered at commit, never for a rollback), then inserts the
 * events in the order they were recorded with their `seq` from the sequence.
 * The entities get their id and seq (they are not managed by the unit of
 * work: `recordEvent` creates them unpersisted).
 */
export async function writeSealedEvents(em: EntityManager): Promise<boolean> {
  const events = sealed.get(em);
  if (!events || events.length === 0 || events[0]!.seq !== null) return false;
  const params: unknown[] = [EVENT_ORDER_LOCK, NOTIFY_CHANNEL, ''];
  const rows = events.map((e, i) => {
    params.push(i, e.ticket.id, e.kind, e.actorAgent?.id ?? null, e.actorUser?.id ?? null, json(e.data), json(e.before), json(e.after), e.effectiveAt, e.createdAt);
    return '(?::int, ?::int, ?::ticket_event_kind, ?::int, ?::int, ?::jsonb, ?::jsonb, ?::jsonb, ?::timestamptz, ?::timestamptz)';
  });
  // `exists (select from l)` is a one-time filter evaluated before the first row: the lock is held before
  // any nextval, and the sorted subquery hands the values out in the events' order.
  const written = await em.execute<{ id: string; seq: string }[]>(
    `with l as materialized (select pg_advisory_xact_lock(?), pg_notify(?, ?))
     insert into ticket_event (ticket_id, kind, actor_agent_id, actor_user_id, data, before, after, effective_at, created_at, seq)
     select ticket_id, kind, actor_agent_id, actor_user_id, data, before, after, effective_at, created_at, nextval('ticket_event_seq')
     from (select * from (values ${rows.join(', ')}) v (ord, ticket_id, kind, actor_agent_id, actor_user_id, data, before, after, effective_at, created_at)
           where exists (select from l) order by ord) x
     returning id, seq`,
    params,
  );
  const bySeq = written.map((r) => ({ id: String(r.id), seq: String(r.seq) })).sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  events.forEach((e, i) => {
    e.id = bySeq[i]!.id;
    e.seq = bySeq[i]!.seq;
  });
  return true;
}
