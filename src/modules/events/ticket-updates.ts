import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { topLevelError } from '../../common/errors';
import { decodeGlobalId } from '../../common/global-id';
import { principalOf, visibility } from '../tickets/ticket.policy';
import { evaluate } from '../tickets/ticket-predicate';
import { ticketById } from '../tickets/ticket.query';
import { AsyncQueue } from './async-queue';
import { hubOf } from './live-hub';
import { encodeStreamCursor } from './stream-cursor';

// `ticketUpdates`: every change to one ticket while the viewer can see it.

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
      // One payload per event for every subscriber of the ticket: the selection over it is executed once per equal viewer.
      out.push(d.shared(`ticketUpdate\n${ev.id}`, () => ({ ticketId: ev.ticketId, eventId: ev.id, cursor: encodeStreamCursor(ev.seq), em: d.em })));
    }
  });
  out.whenClosed(stop);
  return out;
}
