import { Arg, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import { Access } from '../../common/access';
import type { Context } from '../../common/context';
import type { QueueView } from '../queues/queue.service';
import { QueueType, QueueUpdateType, TicketUpdateType } from '../queues/queue.type';
import { Ticket } from '../tickets/ticket.entity';
import { TicketType } from '../tickets/ticket.type';
import { queueUpdates, type QueueUpdatePayload } from './queue-updates';
import { ticketEvents, type EventEdgePayload } from './ticket-events';
import { ticketUpdates, type TicketUpdatePayload } from './ticket-updates';
import { TicketEvent } from './ticket-event.entity';
import { TicketEventEdge, TicketEventType } from './ticket-event.type';

interface SubscribeData<A> {
  args: A;
  context: Context;
}

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => QueueUpdateType, {
    description: "Membership changes of the viewer's queues (all visible ones when `queueIds` is omitted), each with the queue's new exact count. Count updates of one queue are coalesced to one per 250 ms; the last always arrives.",
    subscribe: ({ args, context }: SubscribeData<{ queueIds?: string[] | null }>) => queueUpdates(context, args.queueIds),
  })
  @Access('agent')
  queueUpdates(@Root() update: QueueUpdatePayload, @Arg('queueIds', () => [ID], { nullable: true }) _queueIds: string[] | null): QueueUpdatePayload {
    return update;
  }

  @Subscription(() => TicketUpdateType, {
    description: 'Every change to one ticket while the viewer can see it; the stream ends when they no longer can.',
    subscribe: ({ args, context }: SubscribeData<{ ticketId: string }>) => ticketUpdates(context, args.ticketId),
  })
  @Access('authenticated')
  ticketUpdates(@Root() update: TicketUpdatePayload, @Arg('ticketId', () => ID) _ticketId: string): TicketUpdatePayload {
    return update;
  }

  @Subscription(() => TicketEventEdge, {
    description: 'Every event the viewer can see, resumable: pass the last `cursor` you received as `after` to get what you missed, exactly once and in order, then live events.',
    subscribe: ({ args, context }: SubscribeData<{ after?: string | null }>) => ticketEvents(context, args.after),
  })
  @Access('agent')
  async ticketEvents(@Root() edge: EventEdgePayload, @Arg('after', () => String, { nullable: true }) _after: string | null, @Ctx() ctx: Context): Promise<{ cursor: string; node: TicketEvent }> {
    return { cursor: edge.cursor, node: await ctx.em.findOneOrFail(TicketEvent, edge.eventId) };
  }
}

@Resolver(() => QueueUpdateType)
export class QueueUpdateResolver {
  @FieldResolver(() => QueueType)
  queue(@Root() u: QueueUpdatePayload): QueueView {
    return u.view;
  }

  @FieldResolver(() => TicketType, { nullable: true, description: 'Null when the viewer can no longer see the ticket.' })
  ticket(@Root() u: QueueUpdatePayload, @Ctx() ctx: Context): Promise<Ticket | null> {
    return u.ticketId === null ? Promise.resolve(null) : ctx.em.findOne(Ticket, u.ticketId);
  }
}

@Resolver(() => TicketUpdateType)
export class TicketUpdateResolver {
  @FieldResolver(() => TicketType)
  ticket(@Root() u: TicketUpdatePayload, @Ctx() ctx: Context): Promise<Ticket> {
    return ctx.em.findOneOrFail(Ticket, u.ticketId);
  }

  @FieldResolver(() => TicketEventType)
  event(@Root() u: TicketUpdatePayload, @Ctx() ctx: Context): Promise<TicketEvent> {
    return ctx.em.findOneOrFail(TicketEvent, u.eventId);
  }
}
