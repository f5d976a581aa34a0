import { Ctx, Query, Resolver } from 'type-graphql';
import { Access } from '../../common/access';
import type { Context } from '../../common/context';
import { readFromReferenceCache } from '../../common/loaders';
import { registerNode } from '../../common/node';
import { Priority } from './priority.entity';
import { PriorityType, TicketStatusType } from './reference.type';
import { TicketStatus } from './ticket-status.entity';

// Statuses and priorities read on every ticket of a list: from the reference cache, no statement.
readFromReferenceCache(TicketStatus, Priority);
registerNode({ typeName: 'TicketStatus', entity: TicketStatus, load: async (ctx, id) => (ctx.viewer ? ctx.em.findOne(TicketStatus, id) : null) });
registerNode({ typeName: 'Priority', entity: Priority, load: async (ctx, id) => (ctx.viewer ? ctx.em.findOne(Priority, id) : null) });

@Resolver()
export class ReferenceResolver {
  @Query(() => [TicketStatusType], { description: 'Every ticket status, in display order.' })
  @Access('authenticated')
  ticketStatuses(@Ctx() ctx: Context): Promise<TicketStatus[]> {
    return ctx.em.find(TicketStatus, {}, { orderBy: { sort: 'asc', id: 'asc' } });
  }

  @Query(() => [PriorityType], { description: 'Every priority, least urgent first.' })
  @Access('authenticated')
  priorities(@Ctx() ctx: Context): Promise<Priority[]> {
    return ctx.em.find(Priority, {}, { orderBy: { urgency: 'asc' } });
  }
}
