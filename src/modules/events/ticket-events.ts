import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { topLevelError } from '../../common/errors';
import { principalOf, visibility } from '../tickets/ticket.policy';
import { evaluate, type TicketPredicate } from '../tickets/ticket-predicate';
import { AsyncQueue } from './async-queue';
import type { StreamEvent } from './dispatcher';
import { hubOf, listenAfterCatchUp, type Delivery } from './live-hub';
import { decodeStreamCursor, encodeStreamCursor } from './stream-cursor';

// `ticketEvents`: every event the viewer can see, resumable from a cursor.

export interface EventEdgePayload {
  eventId: string;
  cursor: string;
  em: EntityManager;
}

/** Whether a viewer of this visibility hears an event of `ticketEvents` (live subscribers and webhooks alike). */
export const eventVisible = (vis: TicketPredicate, ev: StreamEvent): boolean => evaluate(vis, ev.after, ev.at);

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
  const deliver = (events: StreamEvent[], em: EntityManager, shared?: Delivery['shared']) => {
    for (const ev of events) {
      if (ev.seq <= last) continue;
      last = ev.seq;
      if (!eventVisible(vis, ev)) continue;
      const edge = () => ({ eventId: ev.id, cursor: encodeStreamCursor(ev.seq), em });
      // Live, one payload per event for every subscriber: the selection over it is executed once per equal viewer.
      out.push(shared ? shared(`ticketEvent\n${ev.id}`, edge) : edge());
    }
  };
  // Replay in pages until the table has nothing newer, then switch to the held live batches.
  const replay = async () => {
    for (;;) {
      const page = await hub.dispatcher.fetchAfter(last, 500);
      if (page.length === 0) break;
      deliver(page, ctx.em.fork());
    }
  };
  await listenAfterCatchUp(hub, out, replay, (d) => deliver(d.events, d.em, d.shared));
  return out;
}
