import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { principalOf, type Principal } from '../tickets/ticket.policy';
import { Ticket } from '../tickets/ticket.entity';
import type { AsyncQueue } from './async-queue';
import type { EventDispatcher, StreamEvent } from './dispatcher';
import { TicketEvent } from './ticket-event.entity';

// The live subscriptions' common part: the hub that fans committed batches out,
// the catch-up every resumable stream starts with, and the context each payload
// is resolved in. The subscriptions: queue-updates.ts, ticket-updates.ts, ticket-events.ts.

/** A batch of committed events with the one EntityManager every subscriber resolves it through. */
export interface Delivery {
  events: StreamEvent[];
  em: EntityManager;
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

export function hubOf(ctx: Context): LiveHub {
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

/** Sets the context to each payload's delivery before GraphQL resolves it. */
export function withDelivery<T extends object>(ctx: Context, source: AsyncQueue<T>, principal: Promise<Principal>): AsyncIterable<T> {
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

declare module '../../common/context' {
  interface Services {
    /** Live subscriptions' fan-out (absent in scripts). */
    live?: LiveHub;
  }
}
