import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { topLevelError } from '../../common/errors';
import { decodeGlobalId } from '../../common/global-id';
import { agentPrincipal, queueByKey, queueMembership, visibleQueues, type QueueView } from '../queues/queue.service';
import { principalOf, visibility, type Principal } from '../tickets/ticket.policy';
import { countPredicates } from '../queues/queue-counters';
import { evaluate, type TicketPredicate, type TicketSnapshot } from '../tickets/ticket-predicate';
import { ticketById } from '../tickets/ticket.query';
import { Ticket } from '../tickets/ticket.entity';
import type { EventDispatcher, StreamEvent } from './dispatcher';
import { TicketEvent } from './ticket-event.entity';

/** A batch of committed events with the one EntityManager every subscriber resolves it through. */
export interface Delivery {
  events: StreamEvent[];
  em: EntityManager;
}

/** A push/pull queue: the producer pushes, GraphQL pulls; `return()` unsubscribes. */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((r: IteratorResult<T>) => void)[] = [];
  private done = false;
  private readonly onClose: (() => void)[] = [];

  push(item: T): void {
    if (this.done) return;
    const w = this.waiting.shift();
    if (w) w({ value: item, done: false });
    else this.items.push(item);
  }

  whenClosed(fn: () => void): void {
    this.onClose.push(fn);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    for (const fn of this.onClose) fn();
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/**
 * Fans batches out to live subscriptions: the batch's tickets and events are
 * loaded once into one EntityManager that every subscriber resolves through
 * (its identity map answers their lookups), then each subscriber's queues
 * and visibility are checked in memory. Batches are delivered in order.
 */
export class LiveHub {
  private readonly listeners = new Set<(d: Delivery) => void>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly orm: MikroORM,
    readonly dispatcher: EventDispatcher,
    readonly options: { queueUpdateIntervalMs: number; onBatch?: () => void; log?: { error(obj: object, msg: string): void } },
  ) {
    dispatcher.subscribe((events) => {
      this.chain = this.chain.then(() => this.deliver(events)).catch((err: unknown) => options.log?.error({ err }, 'live delivery failed'));
    });
  }

  private async deliver(events: StreamEvent[]): Promise<void> {
    const em = this.orm.em.fork();
    if (this.listeners.size > 0) {
      await em.find(Ticket, { id: { $in: [...new Set(events.map((e) => e.ticketId))] } });
      await em.find(TicketEvent, { id: { $in: events.map((e) => e.id) } });
    }
    for (const l of this.listeners) l({ events, em });
    this.options.onBatch?.();
  }

  listen(fn: (d: Delivery) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}

function hubOf(ctx: Context): LiveHub {
  const hub = ctx.services.live;
  if (!hub) throw new Error('live updates are not running');
  return hub;
}

/**
 * Points the subscription's context at this delivery: its shared
 * EntityManager and fresh per-delivery loaders, keeping the principal.
 */
function deliverThrough(ctx: Context, em: EntityManager, principal: Promise<Principal>): void {
  ctx.em = em;
  ctx.memo = new Map<unknown, unknown>([[principalOf, principal]]);
}

const before = (ev: StreamEvent) => (ev.timeBased ? new Date(ev.at.getTime() - 1) : ev.at);

function member(pred: TicketPredicate, snap: TicketSnapshot | null, at: Date): boolean {
  return snap !== null && evaluate(pred, snap, at);
}

export const encodeStreamCursor = (seq: number) => Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');

export function decodeStreamCursor(cursor: string): number {
  const m = /^seq:(\d{1,15})$/.exec(cursor.length <= 64 ? Buffer.from(cursor, 'base64url').toString('utf8') : '');
  if (!m || encodeStreamCursor(Number(m[1])) !== cursor) throw topLevelError('BAD_USER_INPUT', '"after" is not a cursor of this stream');
  return Number(m[1]);
}

// ---- queueUpdates -------------------------------------------------------------------

export type QueueChangeKind = 'ENTERED' | 'LEFT' | 'CHANGED';

export interface QueueUpdatePayload {
  view: QueueView;
  change: QueueChangeKind;
  ticketId: number | null;
  count: number;
  cursor: string;
}

/** Exact counts and the last event seq they include, read in one snapshot. */
async function baseline(ctx: Context, members: { view: QueueView; pred: TicketPredicate }[]): Promise<{ counts: number[]; seq: number }> {
  return ctx.em.fork().transactional(
    async (em) => {
      // Overdue as the events recorded it: a due date passing after this snapshot arrives as an OVERDUE event.
      const counts = await countPredicates(em, members.map((m) => m.pred), { overdue: 'recorded' });
      const seq = await em.execute<{ max: string | null }[]>('select max(seq) as max from ticket_event');
      return { counts, seq: Number(seq[0]?.max ?? 0) };
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ },
  );
}

export async function queueUpdates(ctx: Context, queueIds: string[] | null | undefined): Promise<AsyncIterable<QueueUpdatePayload>> {
  const hub = hubOf(ctx);
  const p = await agentPrincipal(ctx).catch(() => {
    throw topLevelError('FORBIDDEN', 'Queues are for agents');
  });
  let views: QueueView[];
  if (queueIds) {
    if (queueIds.length > 100) throw topLevelError('BAD_USER_INPUT', 'At most 100 queues per subscription');
    views = [];
    for (const id of queueIds) {
      const decoded = decodeGlobalId(id);
      const view = decoded?.type === 'Queue' ? await queueByKey(ctx, decoded.key) : null;
      if (!view) throw topLevelError('NOT_FOUND', `Queue not found: ${id}`);
      views.push(view);
    }
  } else {
    views = await visibleQueues(ctx);
  }
  const principal = Promise.resolve(p as Principal);
  const vis = visibility(p);
  const members = views.map((view) => ({ view, pred: queueMembership(view, p) }));
  const out = new AsyncQueue<QueueUpdatePayload>();
  const buffered: Delivery[] = [];
  let base: { counts: number[]; seq: number } | null = null;
  const interval = hub.options.queueUpdateIntervalMs;
  const lastSent = new Map<number, number>();
  const held = new Map<number, { update: QueueUpdatePayload; timer: NodeJS.Timeout }>();

  const send = (i: number, update: QueueUpdatePayload) => {
    const now = Date.now();
    const since = now - (lastSent.get(i) ?? 0);
    if (interval <= 0 || (since >= interval && !held.has(i))) {
      lastSent.set(i, now);
      out.push(update);
      return;
    }
    // Coalesce: keep only the newest update of this queue; it goes out when the interval has passed.
    const pending = held.get(i);
    if (pending) {
      pending.update = update;
      return;
    }
    const timer = setTimeout(() => {
      const h = held.get(i);
      held.delete(i);
      if (h) {
        lastSent.set(i, Date.now());
        out.push(h.update);
      }
    }, interval - since);
    held.set(i, { update, timer });
  };

  const apply = (d: Delivery) => {
    const b = base!;
    for (const ev of d.events) {
      if (ev.seq <= b.seq) continue;
      members.forEach((m, i) => {
        const was = member(m.pred, ev.before, before(ev));
        const is = member(m.pred, ev.after, ev.at);
        if (!was && !is) return;
        const change: QueueChangeKind = was && is ? 'CHANGED' : is ? 'ENTERED' : 'LEFT';
        if (change === 'CHANGED' && ev.unchanged) return;
        b.counts[i]! += change === 'ENTERED' ? 1 : change === 'LEFT' ? -1 : 0;
        // A ticket the viewer can no longer see leaves with no details.
        const visible = evaluate(vis, ev.after, ev.at);
        send(i, { view: m.view, change, ticketId: visible ? ev.ticketId : null, count: b.counts[i]!, cursor: encodeStreamCursor(ev.seq), em: d.em } as QueueUpdatePayload);
      });
    }
  };

  const stop = hub.listen((d) => (base ? apply(d) : buffered.push(d)));
  out.whenClosed(() => {
    stop();
    for (const h of held.values()) clearTimeout(h.timer);
  });
  base = await baseline(ctx, members);
  for (const d of buffered.splice(0)) apply(d);
  return withDelivery(ctx, out, principal);
}

/** Sets the context to each payload's delivery before GraphQL resolves it. */
function withDelivery<T extends object>(ctx: Context, source: AsyncQueue<T>, principal: Promise<Principal>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const r = await source.next();
        if (!r.done) {
          const em = (r.value as { em?: EntityManager }).em;
          if (em) deliverThrough(ctx, em, principal);
        }
        return r;
      },
      return: () => source.return(),
    }),
  };
}

// ---- ticketUpdates ------------------------------------------------------------------

export interface TicketUpdatePayload {
  ticketId: number;
  eventId: string;
  cursor: string;
  em: EntityManager;
}

export async function ticketUpdates(ctx: Context, ticketId: string): Promise<AsyncIterable<TicketUpdatePayload>> {
  const hub = hubOf(ctx);
  const decoded = decodeGlobalId(ticketId);
  const ticket = decoded?.type === 'Ticket' && typeof decoded.key === 'number' ? await ticketById(ctx, decoded.key) : null;
  if (!ticket) throw topLevelError('NOT_FOUND', 'Ticket not found');
  const p = await principalOf(ctx);
  const vis = visibility(p);
  const out = new AsyncQueue<TicketUpdatePayload>();
  const from = hub.dispatcher.position;
  const stop = hub.listen((d) => {
    for (const ev of d.events) {
      if (ev.ticketId !== ticket.id || ev.seq <= from) continue;
      // Lost access: nothing more about this ticket.
      if (!evaluate(vis, ev.after, ev.at)) return out.end();
      out.push({ ticketId: ev.ticketId, eventId: ev.id, cursor: encodeStreamCursor(ev.seq), em: d.em });
    }
  });
  out.whenClosed(stop);
  return withDelivery(ctx, out, Promise.resolve(p));
}

// ---- ticketEvents -----------------------------------------------------------------

export interface EventEdgePayload {
  eventId: string;
  cursor: string;
  em: EntityManager;
}

/**
 * Every event the viewer can see, from a cursor: the replay is read from the
 * event table, then live delivery takes over without a gap or a duplicate
 * (live batches are buffered from the start and skipped up to the last
 * replayed seq).
 */
export async function ticketEvents(ctx: Context, after: string | null | undefined): Promise<AsyncIterable<EventEdgePayload>> {
  const hub = hubOf(ctx);
  const p = await principalOf(ctx);
  if (p.kind !== 'agent') throw topLevelError('FORBIDDEN', 'Only agents read ticket events');
  const vis = visibility(p);
  let last = after ? decodeStreamCursor(after) : hub.dispatcher.position;
  const out = new AsyncQueue<EventEdgePayload>();
  const buffered: Delivery[] = [];
  let live = false;
  const deliver = (events: StreamEvent[], em: EntityManager) => {
    for (const ev of events) {
      if (ev.seq <= last) continue;
      last = ev.seq;
      if (evaluate(vis, ev.after, ev.at)) out.push({ eventId: ev.id, cursor: encodeStreamCursor(ev.seq), em });
    }
  };
  const stop = hub.listen((d) => (live ? deliver(d.events, d.em) : buffered.push(d)));
  out.whenClosed(stop);
  // Replay in pages until the table has nothing newer, then switch to the buffer.
  for (;;) {
    const page = await hub.dispatcher.fetchAfter(last, 500);
    if (page.length === 0) break;
    deliver(page, ctx.em.fork());
  }
  live = true;
  for (const d of buffered.splice(0)) deliver(d.events, d.em);
  return withDelivery(ctx, out, Promise.resolve(p));
}

declare module '../../common/context' {
  interface Services {
    /** Live subscriptions' fan-out (absent in scripts). */
    live?: LiveHub;
  }
}
