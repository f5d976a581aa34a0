import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { topLevelError } from '../../common/errors';
import { decodeGlobalId } from '../../common/global-id';
import { countPredicates } from '../queues/queue-counters';
import { agentPrincipal, queueByKey, queueMembership, visibleQueues, type QueueView } from '../queues/queue.service';
import { visibility } from '../tickets/ticket.policy';
import { evaluate, type TicketPredicate, type TicketSnapshot } from '../tickets/ticket-predicate';
import { AsyncQueue } from './async-queue';
import type { StreamEvent } from './dispatcher';
import { hubOf, listenAfterCatchUp, type Delivery, type LiveHub } from './live-hub';
import { encodeStreamCursor } from './stream-cursor';

// `queueUpdates`: membership changes of the viewer's queues, each with the queue's new exact count.
//
// Subscriptions whose queues have the same membership and visibility predicates — built by the
// same functions as the SQL (queueMembership, visibility) — can only hear the same updates with
// the same counts: they form one group, which keeps the counts, evaluates each event once and
// hands every member the same payload object. The WebSocket layer executes a selection once
// per payload object (src/server/ws-live.ts), so equal subscribers share execution and bytes.

const before = (ev: StreamEvent) => (ev.timeBased ? new Date(ev.at.getTime() - 1) : ev.at);

function member(pred: TicketPredicate, snap: TicketSnapshot | null, at: Date): boolean {
  return snap !== null && evaluate(pred, snap, at);
}

export type QueueChangeKind = 'ENTERED' | 'LEFT' | 'CHANGED';

export interface QueueUpdatePayload {
  view: QueueView;
  change: QueueChangeKind;
  ticketId: number | null;
  count: number;
  cursor: string;
  /** The event's seq: a member that joined at or after it does not hear it. */
  seq: number;
  /** The delivery's EntityManager, through which the selection is resolved. */
  em: EntityManager;
}

/** Exact counts and the last event seq they include, read in one snapshot. */
export async function baseline(em: EntityManager, preds: TicketPredicate[]): Promise<{ counts: number[]; seq: number }> {
  return em.fork().transactional(
    async (tx) => {
      // Overdue as the events recorded it: a due date passing after this snapshot arrives as an OVERDUE event.
      const counts = await countPredicates(tx, preds, { overdue: 'recorded' });
      const seq = await tx.execute<{ max: string | null }[]>('select max(seq) as max from ticket_event');
      return { counts, seq: Number(seq[0]?.max ?? 0) };
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ },
  );
}

/** Not yet live: the group's baseline is still being read. */
const PENDING = -1;

interface Member {
  out: AsyncQueue<QueueUpdatePayload>;
  /** The last seq the member's subscription already covers (PENDING until the group is live). */
  after: number;
}

/**
 * One group of equal `queueUpdates` subscriptions: one baseline, one
 * evaluation of each event, one coalescing timer per queue, one payload per
 * update for all members.
 */
class QueueGroup {
  readonly members = new Set<Member>();
  private counts: number[] = [];
  /** The last seq the counts include. */
  private seq = PENDING;
  private readonly lastSent = new Map<number, number>();
  private readonly held = new Map<number, { update: QueueUpdatePayload; timer: NodeJS.Timeout }>();
  private readonly closed = new AsyncQueue<never>();
  readonly ready: Promise<void>;

  constructor(
    private readonly hub: LiveHub,
    private readonly registry: Map<string, QueueGroup>,
    private readonly key: string,
    private readonly queues: { view: QueueView; pred: TicketPredicate; identity: string }[],
    private readonly vis: TicketPredicate,
    em: EntityManager,
  ) {
    this.ready = listenAfterCatchUp(hub, this.closed, async () => {
      const base = await baseline(em, queues.map((q) => q.pred));
      this.counts = base.counts;
      this.seq = base.seq;
      for (const m of this.members) if (m.after === PENDING) m.after = base.seq;
    }, (d) => this.apply(d));
    this.ready.catch(() => this.close());
  }

  join(out: AsyncQueue<QueueUpdatePayload>): Member {
    const m: Member = { out, after: this.seq };
    this.members.add(m);
    out.whenClosed(() => {
      this.members.delete(m);
      if (this.members.size === 0) this.close();
    });
    return m;
  }

  private close(): void {
    if (this.registry.get(this.key) === this) this.registry.delete(this.key);
    for (const h of this.held.values()) clearTimeout(h.timer);
    this.held.clear();
    this.closed.end();
  }

  private publish(update: QueueUpdatePayload): void {
    for (const m of this.members) if (m.after !== PENDING && update.seq > m.after) m.out.push(update);
  }

  private send(i: number, update: QueueUpdatePayload): void {
    const interval = this.hub.options.queueUpdateIntervalMs;
    const now = Date.now();
    const since = now - (this.lastSent.get(i) ?? 0);
    if (interval <= 0 || (since >= interval && !this.held.has(i))) {
      this.lastSent.set(i, now);
      this.publish(update);
      return;
    }
    // Coalesce: keep only the newest update of this queue; it goes out when the interval has passed.
    const pending = this.held.get(i);
    if (pending) {
      pending.update = update;
      return;
    }
    const timer = setTimeout(() => {
      const h = this.held.get(i);
      this.held.delete(i);
      if (h) {
        this.lastSent.set(i, Date.now());
        this.publish(h.update);
      }
    }, interval - since);
    this.held.set(i, { update, timer });
  }

  private apply(d: Delivery): void {
    for (const ev of d.events) {
      if (ev.seq <= this.seq) continue;
      this.seq = ev.seq;
      for (const c of queueChanges(this.queues, this.vis, this.counts, ev)) {
        const q = this.queues[c.index]!;
        // Groups whose update is the same (queue, change, ticket, count, event) share one payload object.
        const update = d.shared(`queueUpdate\n${q.identity}\n${c.change}\n${c.ticketId}\n${c.count}\n${ev.seq}`, () => ({
          view: q.view,
          change: c.change,
          ticketId: c.ticketId,
          count: c.count,
          cursor: encodeStreamCursor(ev.seq),
          seq: ev.seq,
          em: d.em,
        }));
        this.send(c.index, update);
      }
    }
  }
}

/** One queue's change by one event, with the queue's count after it. */
export interface QueueChange {
  index: number;
  change: QueueChangeKind;
  /** Null when the viewer can no longer see the ticket: it left, with no details. */
  ticketId: number | null;
  count: number;
}

/**
 * What one event changes in a set of queues, evaluated once: each queue the
 * ticket entered, left or changed in, with its new count (`counts` is
 * updated). The one definition of a queue update, for live subscribers and
 * webhooks alike.
 */
export function queueChanges(queues: readonly { pred: TicketPredicate }[], vis: TicketPredicate, counts: number[], ev: StreamEvent): QueueChange[] {
  const out: QueueChange[] = [];
  // Evaluated lazily: a ticket the viewer can no longer see leaves with no details.
  let visible: boolean | undefined;
  queues.forEach((q, index) => {
    const was = member(q.pred, ev.before, before(ev));
    const is = member(q.pred, ev.after, ev.at);
    if (!was && !is) return;
    const change: QueueChangeKind = was && is ? 'CHANGED' : is ? 'ENTERED' : 'LEFT';
    if (change === 'CHANGED' && ev.unchanged) return;
    counts[index]! += change === 'ENTERED' ? 1 : change === 'LEFT' ? -1 : 0;
    visible ??= evaluate(vis, ev.after, ev.at);
    out.push({ index, change, ticketId: visible ? ev.ticketId : null, count: counts[index]! });
  });
  return out;
}

const registries = new WeakMap<LiveHub, Map<string, QueueGroup>>();

/**
 * What a group's updates depend on: each queue's identity as the selection
 * sees it (id, key, name) and membership predicate, and the visibility
 * predicate. Subscribers with equal keys hear byte-for-byte the same updates.
 */
function groupKey(queues: { pred: TicketPredicate; identity: string }[], vis: TicketPredicate): string {
  return JSON.stringify([queues.map((q) => [q.identity, q.pred]), vis]);
}

/** A queue as a payload's selection can see it: equal identities resolve `Queue`'s fields alike. */
const viewIdentity = (v: QueueView) =>
  JSON.stringify([v.id, v.key, v.name, v.parentId, typeof v.criteria === 'function' ? `system:${v.key}` : v.criteria, v.order]);

/** A subscription's queues and visibility, resolved for its viewer the way `queueUpdates` does (webhooks too). */
export interface SubscribedQueues {
  queues: { view: QueueView; pred: TicketPredicate; identity: string }[];
  vis: TicketPredicate;
}

export async function subscribedQueues(ctx: Context, queueIds: string[] | null | undefined): Promise<SubscribedQueues> {
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
  return { queues: views.map((view) => ({ view, pred: queueMembership(view, p), identity: viewIdentity(view) })), vis: visibility(p) };
}

export async function queueUpdates(ctx: Context, queueIds: string[] | null | undefined): Promise<AsyncIterable<QueueUpdatePayload>> {
  const hub = hubOf(ctx);
  const { queues, vis } = await subscribedQueues(ctx, queueIds);
  const key = groupKey(queues, vis);
  let registry = registries.get(hub);
  if (!registry) registries.set(hub, (registry = new Map<string, QueueGroup>()));
  let group = registry.get(key);
  if (!group) {
    group = new QueueGroup(hub, registry, key, queues, vis, ctx.em);
    registry.set(key, group);
  }
  const out = new AsyncQueue<QueueUpdatePayload>();
  group.join(out);
  try {
    await group.ready;
  } catch (error) {
    out.end();
    throw error;
  }
  return out;
}

/** How many groups and members the live `queueUpdates` subscriptions form (for tests and benchmarks). */
export function queueGroupStats(hub: LiveHub): { groups: number; members: number } {
  const registry = registries.get(hub);
  let members = 0;
  for (const g of registry?.values() ?? []) members += g.members.size;
  return { groups: registry?.size ?? 0, members };
}
