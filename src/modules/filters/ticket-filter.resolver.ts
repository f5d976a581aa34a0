import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import { keysetPage, PageArgs, type ConnectionShape } from '../../common/connection';
import type { Context } from '../../common/context';
import { payload } from '../../common/errors';
import { registerNode } from '../../common/node';
import { DeletePayload, payloadType } from '../../common/payloads';
import { DeleteInput } from '../directory/directory.inputs';
import { TicketFilter, TicketFilterRejection } from './ticket-filter.entity';
import { CreateTicketFilterInput, TestTicketFiltersInput, UpdateTicketFilterInput } from './ticket-filter.inputs';
import * as filters from './ticket-filter.service';
import {
  TicketFilterActionsType,
  TicketFilterRejectionConnection,
  TicketFilterRejectionType,
  TicketFilterTestResultType,
  TicketFilterType,
} from './ticket-filter.type';

const isAdmin = (ctx: Context) => ctx.viewer?.kind === 'agent' && ctx.viewer.agent.isAdmin;

registerNode({ typeName: 'TicketFilter', entity: TicketFilter, load: async (ctx, id) => (isAdmin(ctx) ? ctx.em.findOne(TicketFilter, id) : null) });
registerNode({
  typeName: 'TicketFilterRejection',
  entity: TicketFilterRejection,
  load: async (ctx, id) => (isAdmin(ctx) ? ctx.em.findOne(TicketFilterRejection, id) : null),
});

const CreateTicketFilterPayload = payloadType('CreateTicketFilterPayload', 'ticketFilter', TicketFilterType);
const UpdateTicketFilterPayload = payloadType('UpdateTicketFilterPayload', 'ticketFilter', TicketFilterType);

type Result = Promise<object>;

@Resolver()
export class TicketFilterRootResolver {
  @Query(() => [TicketFilterType], { description: 'Every ticket filter, in execution order (admins only).' })
  @Access('admin')
  ticketFilters(@Ctx() ctx: Context): Promise<TicketFilter[]> {
    return ctx.em.find(TicketFilter, {}, { orderBy: { executionOrder: 'asc', id: 'asc' } });
  }

  @Query(() => TicketFilterRejectionConnection, { description: 'New tickets the filters refused, newest first (admins only).' })
  @Access('admin')
  ticketFilterRejections(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<TicketFilterRejection>> {
    return keysetPage(ctx.em, TicketFilterRejection, {}, args, { createdAt: 'desc' });
  }

  @Query(() => TicketFilterTestResultType, {
    description: 'A dry run: the active filters on a draft ticket, which match and what the ticket would become. Writes nothing (admins only).',
  })
  @Access('admin')
  testTicketFilters(@Arg('input', () => TestTicketFiltersInput) input: TestTicketFiltersInput, @Ctx() ctx: Context): Promise<filters.DryRun> {
    return filters.testTicketFilters(ctx, input);
  }

  @Mutation(() => CreateTicketFilterPayload)
  @Access('admin')
  createTicketFilter(@Arg('input', () => CreateTicketFilterInput) input: CreateTicketFilterInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticketFilter: await filters.createTicketFilter(ctx, input) }));
  }

  @Mutation(() => UpdateTicketFilterPayload)
  @Access('admin')
  updateTicketFilter(@Arg('input', () => UpdateTicketFilterInput) input: UpdateTicketFilterInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticketFilter: await filters.updateTicketFilter(ctx, input) }));
  }

  @Mutation(() => DeletePayload, { description: 'Deletes a filter; its rejection log entries keep its name.' })
  @Access('admin')
  deleteTicketFilter(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ deletedId: await filters.deleteTicketFilter(ctx, input.id) }));
  }
}

@Resolver(() => TicketFilterType)
export class TicketFilterFieldsResolver {
  @FieldResolver(() => TicketFilterActionsType)
  actions(@Root() filter: TicketFilter, @Ctx() ctx: Context): ReturnType<typeof filters.actionsOf> {
    return filters.actionsOf(ctx, filter.actions);
  }
}

@Resolver(() => TicketFilterRejectionType)
export class TicketFilterRejectionFieldsResolver {
  @FieldResolver(() => TicketFilterType, { nullable: true, description: 'Null once the filter is deleted.' })
  async filter(@Root() rejection: TicketFilterRejection): Promise<TicketFilter | null> {
    return rejection.filter ? ((await rejection.filter.load()) ?? null) : null;
  }
}
