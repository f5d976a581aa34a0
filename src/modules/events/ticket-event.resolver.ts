import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../common/context';
import { ActorInterface, registerNode } from '../../common/node';
import type { Ticket } from '../tickets/ticket.entity';
import { ticketById } from '../tickets/ticket.query';
import { TicketType } from '../tickets/ticket.type';
import { TicketEvent } from './ticket-event.entity';
import { TicketEventType } from './ticket-event.type';

registerNode({
  typeName: 'TicketEvent',
  entity: TicketEvent,
  load: async (ctx, key) => {
    if (ctx.viewer?.kind !== 'agent') return null;
    const event = await ctx.em.findOne(TicketEvent, String(key));
    return event && (await ticketById(ctx, event.ticket.id)) ? event : null;
  },
});

@Resolver(() => TicketEventType)
export class TicketEventResolver {
  @FieldResolver(() => ActorInterface, { nullable: true, description: 'Who made the change; null for the system (filters, schedules).' })
  async actor(@Root() e: TicketEvent): Promise<object | null> {
    if (e.actorAgent) return (await e.actorAgent.load()) ?? null;
    if (e.actorUser) return (await e.actorUser.load()) ?? null;
    return null;
  }

  @FieldResolver(() => TicketType, { nullable: true, description: 'Null when the viewer can no longer see the ticket.' })
  ticket(@Root() e: TicketEvent, @Ctx() ctx: Context): Promise<Ticket | null> {
    return ticketById(ctx, e.ticket.id);
  }
}
