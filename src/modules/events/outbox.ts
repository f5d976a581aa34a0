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
 * (serial ids can commit out of order). The lock covers only the tail of a
 * transaction.
 */
const EVENT_ORDER_LOCK = 7_460_002;

/** The channel a commit that wrote events notifies; every process's dispatcher listens on it. */
export const NOTIFY_CHANNEL = 'deskql_events';

/**
 * Seals the transaction's events: computes each changed ticket's "after",
 * takes the ordering lock, and flushes. The first event of a ticket carries
 * the before→after change; later ones after→after.
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
  const seen = new Set<number>();
  for (const event of p.events) {
    const id = event.ticket.id;
    const a = after.get(id)!;
    const b = seen.has(id) ? a : (p.before.get(id) ?? null);
    seen.add(id);
    event.before = b ? toJson(b) : null;
    event.after = toJson(a);
  }
  await em.flush();
  // The ordering lock, and the wake-up for other processes sharing the database in the same round trip:
  // a NOTIFY sent inside the transaction is delivered at commit and never for a rollback.
  await em.execute('select pg_advisory_xact_lock(?), pg_notify(?, ?)', [EVENT_ORDER_LOCK, NOTIFY_CHANNEL, '']);
  const ids = p.events.map((e) => Number(e.id)).sort((x, y) => x - y);
  await em.execute(
    `with ordered as (select id, nextval('ticket_event_seq') as s from (select id from ticket_event where id in (${ids.join(',')}) order by id) x)
     update ticket_event e set seq = o.s from ordered o where e.id = o.id`,
  );
  return true;
}
