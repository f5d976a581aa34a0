import { IsolationLevel } from '@mikro-orm/core';
import type { Context } from '../../common/context';
import { topLevelError } from '../../common/errors';
import { decodeGlobalId } from '../../common/global-id';
import { countPredicates } from '../queues/queue-counters';
import { agentPrincipal, queueByKey, queueMembership, visibleQueues, type QueueView } from '../queues/queue.service';
import { visibility, type Principal } from '../tickets/ticket.policy';
import { evaluate, type TicketPredicate, type TicketSnapshot } from '../tickets/ticket-predicate';
import { AsyncQueue } from './async-queue';
import type { StreamEvent } from './dispatcher';
import { hubOf, listenAfterCatchUp, withDelivery, type Delivery } from './live-hub';
import { encodeStreamCursor } from './stream-cursor';

// `queueUpdates`: membership changes of the viewer's queues, each with the queue's new exact count.

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

  out.whenClosed(() => {
    for (const h of held.values()) clearTimeout(h.timer);
  });
  await listenAfterCatchUp(hub, out, async () => {
    base = await baseline(ctx, members);
  }, apply);
  return withDelivery(ctx, out, principal);
}
