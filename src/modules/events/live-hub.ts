import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { Ticket } from '../tickets/ticket.entity';
import type { AsyncQueue } from './async-queue';
import type { EventDispatcher, StreamEvent } from './dispatcher';
import { TicketEvent } from './ticket-event.entity';

// The live subscriptions' common part: the hub that fans committed batches out and
// the catch-up every resumable stream starts with. The subscriptions: queue-updates.ts,
// ticket-updates.ts, ticket-events.ts. Each payload carries the EntityManager its
// selection is resolved through (`LivePayload`); the WebSocket layer
// (src/server/ws-live.ts) builds the context for it and executes the selection once
// per payload object and what the selection depends on.

/** What every live payload carries: the EntityManager its selection is resolved through. */
export interface LivePayload {
  em: EntityManager;
}

/** A batch of committed events with the one EntityManager every subscriber resolves it through. */
export interface Delivery {
  events: StreamEvent[];
  em: EntityManager;
  /**
   * The one payload object of this delivery for a given identity (see `shared`):
   * streams that would build equal payloads build one, so the selection over it
   * is executed once for all of them.
   */
  shared: <T extends object>(identity: string, build: () => T) => T;
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
    const payloads = new Map<string, object>();
    const shared = <T extends object>(identity: string, build: () => T): T => {
      let p = payloads.get(identity) as T | undefined;
      if (!p) payloads.set(identity, (p = build()));
      return p;
    };
    for (const l of this.listeners) l({ events, em, shared });
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

export function hubOf(ctx: Context): LiveHub {
  const hub = ctx.services.live;
  if (!hub) throw new Error('live updates are not running');
  return hub;
}

/**
 * Listens from now on, holding the deliveries until `catchUp` has read what
 * came before them (a baseline, a replay from the event table); then hands the
 * held ones to `deliver` in order, and the later ones as they come. `deliver`
 * skips by seq what the catch-up already covered: nothing is missed or seen twice.
 */
export async function listenAfterCatchUp(hub: LiveHub, out: Pick<AsyncQueue<unknown>, 'whenClosed'>, catchUp: () => Promise<void>, deliver: (d: Delivery) => void): Promise<void> {
  const held: Delivery[] = [];
  let live = false;
  const stop = hub.listen((d) => (live ? deliver(d) : held.push(d)));
  out.whenClosed(stop);
  await catchUp();
  live = true;
  for (const d of held.splice(0)) deliver(d);
}

declare module '../../common/context' {
  interface Services {
    /** Live subscriptions' fan-out (absent in scripts). */
    live?: LiveHub;
  }
}
