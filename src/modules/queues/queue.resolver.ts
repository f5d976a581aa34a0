import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import { PageArgs, type ConnectionShape } from '../../common/connection';
import type { Context } from '../../common/context';
import { payload } from '../../common/errors';
import { registerNode } from '../../common/node';
import { DeletePayload, payloadType } from '../../common/payloads';
import type { TicketRead } from '../tickets/ticket.read';
import { TicketOrder } from '../tickets/ticket.inputs';
import { snapshotLoader } from '../tickets/ticket.loaders';
import { principalOf } from '../tickets/ticket.policy';
import { evaluate } from '../tickets/ticket-predicate';
import { ticketPage } from '../tickets/ticket.query';
import { TicketConnection, TicketType } from '../tickets/ticket.type';
import { DeleteInput } from '../directory/directory.inputs';
import * as queues from './queue.service';
import { QueueView } from './queue.service';
import { CreateQueueInput, QueueType, UpdateQueueInput } from './queue.type';

registerNode({
  typeName: 'Queue',
  entity: QueueView,
  load: (ctx, key) => queues.queueByKey(ctx, key),
  loadWord: (ctx, key) => queues.queueByKey(ctx, key),
});

const CreateQueuePayload = payloadType('CreateQueuePayload', 'queue', QueueType);
const UpdateQueuePayload = payloadType('UpdateQueuePayload', 'queue', QueueType);

type Result = Promise<object>;

@Resolver()
export class QueueRootResolver {
  @Query(() => [QueueType], { description: 'Top-level queues visible to the viewer: the system queues, then custom ones.' })
  @Access('agent')
  async queues(@Ctx() ctx: Context): Promise<QueueView[]> {
    return (await queues.visibleQueues(ctx)).filter((q) => q.parentId === null);
  }

  @Query(() => QueueType, { nullable: true })
  @Access('agent')
  queue(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<QueueView | null> {
    return queues.queueById(ctx, id);
  }

  @Mutation(() => CreateQueuePayload, { description: 'Saves a custom queue: personal, or shared with departments (admins).' })
  @Access('agent')
  createQueue(@Arg('input', () => CreateQueueInput) input: CreateQueueInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({
      queue: await queues.createQueue(ctx, { ...input, sortField: input.sortOrder?.field ?? null, sortDirection: input.sortOrder?.direction ?? null }),
    }));
  }

  @Mutation(() => UpdateQueuePayload)
  @Access('agent')
  updateQueue(@Arg('input', () => UpdateQueueInput) input: UpdateQueueInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({
      queue: await queues.updateQueue(ctx, input.queueId, { ...input, sortField: input.sortOrder?.field ?? null, sortDirection: input.sortOrder?.direction ?? null }),
    }));
  }

  @Mutation(() => DeletePayload, {
    description: "Deletes a custom queue with its sub-queues, except other agents' personal ones nested under it, which move to the top level.",
  })
  @Access('agent')
  deleteQueue(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ deletedId: await queues.deleteQueue(ctx, input.id) }));
  }
}

@Resolver(() => QueueType)
export class QueueFieldsResolver {
  @FieldResolver(() => QueueType, { nullable: true })
  parent(@Root() q: QueueView, @Ctx() ctx: Context): Promise<QueueView | null> {
    return q.parentId === null ? Promise.resolve(null) : queues.queueByKey(ctx, q.parentId);
  }

  @FieldResolver(() => [QueueType])
  async children(@Root() q: QueueView, @Ctx() ctx: Context): Promise<QueueView[]> {
    return (await queues.visibleQueues(ctx)).filter((c) => c.parentId === q.id);
  }

  @FieldResolver(() => Int, { description: 'Exact number of tickets in the queue that the viewer can see.' })
  count(@Root() q: QueueView, @Ctx() ctx: Context): Promise<number> {
    return queues.queueCount(ctx, q);
  }

  @FieldResolver(() => TicketConnection)
  async tickets(
    @Root() q: QueueView,
    @Args(() => PageArgs) args: PageArgs,
    @Arg('orderBy', () => TicketOrder, { nullable: true, description: "The queue's own order when omitted." }) orderBy: TicketOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConnectionShape<TicketRead>> {
    const p = await queues.agentPrincipal(ctx);
    return ticketPage(ctx, q.predicate(p), args, orderBy ?? q.order, info);
  }
}

@Resolver(() => TicketType)
export class TicketQueuesResolver {
  @FieldResolver(() => [QueueType], { description: "The viewer's queues this ticket is in now (empty for end users)." })
  async queues(@Root() t: TicketRead, @Ctx() ctx: Context): Promise<QueueView[]> {
    const p = await principalOf(ctx);
    if (p.kind !== 'agent') return [];
    const [all, snapshot] = await Promise.all([queues.visibleQueues(ctx), snapshotLoader(ctx).load(t)]);
    const now = new Date();
    return all.filter((q) => evaluate(queues.queueMembership(q, p), snapshot, now));
  }
}

