import { Arg, Args, Ctx, Field, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import { keysetPage, PageArgs, type ConnectionShape } from '../../common/connection';
import type { Context } from '../../common/context';
import { payload, UserError } from '../../common/errors';
import { registerNode } from '../../common/node';
import { DeletePayload, payloadType } from '../../common/payloads';
import type { Agent } from '../directory/agent.entity';
import { DeleteInput } from '../directory/directory.inputs';
import { AgentType } from '../directory/directory.type';
import { DateTimeScalar } from '../../common/scalars';
import { encodeStreamCursor } from '../events/stream-cursor';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from './webhook.entity';
import { CreateWebhookInput, RedeliverWebhookDeliveryInput, ReplayWebhookInput, RotateWebhookSecretInput, UpdateWebhookInput } from './webhook.inputs';
import * as webhooks from './webhook.service';
import { WebhookDeliveryConnection, WebhookDeliveryType, WebhookType } from './webhook.type';

const adminOnly = (ctx: Context) => ctx.viewer?.kind === 'agent' && ctx.viewer.agent.isAdmin;

registerNode({ typeName: 'Webhook', entity: Webhook, load: async (ctx, key) => (adminOnly(ctx) ? ctx.em.findOne(Webhook, key) : null) });
registerNode({
  typeName: 'WebhookDelivery',
  entity: WebhookDelivery,
  load: async (ctx, key) => (adminOnly(ctx) ? ctx.em.findOne(WebhookDelivery, { id: String(key) }) : null),
});

@ObjectType('WebhookWithSecretPayload', { description: 'A webhook and its new signing secret, shown only here.' })
class WebhookWithSecretPayload {
  @Field(() => WebhookType, { nullable: true })
  webhook?: Webhook | null;

  @Field(() => String, { nullable: true, description: 'The signing secret (`whsec_…`, Standard Webhooks), shown once: keep it where your receiver verifies signatures.' })
  secret?: string | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

const UpdateWebhookPayload = payloadType('UpdateWebhookPayload', 'webhook', WebhookType);
const ReplayWebhookPayload = payloadType('ReplayWebhookPayload', 'webhook', WebhookType);
const RedeliverWebhookDeliveryPayload = payloadType('RedeliverWebhookDeliveryPayload', 'delivery', WebhookDeliveryType);

type Result = Promise<object>;

@Resolver()
export class WebhookRootResolver {
  @Query(() => [WebhookType], { description: 'Webhooks, oldest first (administrators).' })
  @Access('admin')
  webhooks(@Ctx() ctx: Context): Promise<Webhook[]> {
    return webhooks.listWebhooks(ctx);
  }

  @Mutation(() => WebhookWithSecretPayload, { description: 'Streams what is committed from now on; `replayWebhook` sends the past. The secret is shown only in this payload.' })
  @Access('admin')
  createWebhook(@Arg('input', () => CreateWebhookInput) input: CreateWebhookInput, @Ctx() ctx: Context): Result {
    return payload(() => webhooks.createWebhook(ctx, input));
  }

  @Mutation(() => UpdateWebhookPayload)
  @Access('admin')
  updateWebhook(@Arg('input', () => UpdateWebhookInput) input: UpdateWebhookInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ webhook: await webhooks.updateWebhook(ctx, input) }));
  }

  @Mutation(() => DeletePayload, { description: 'Its deliveries go with it.' })
  @Access('admin')
  deleteWebhook(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ deletedId: await webhooks.deleteWebhook(ctx, input.id) }));
  }

  @Mutation(() => WebhookWithSecretPayload, { description: 'A new signing secret; deliveries carry a signature with the old one too for the grace period.' })
  @Access('admin')
  rotateWebhookSecret(@Arg('input', () => RotateWebhookSecretInput) input: RotateWebhookSecretInput, @Ctx() ctx: Context): Result {
    return payload(() => webhooks.rotateWebhookSecret(ctx, input));
  }

  @Mutation(() => RedeliverWebhookDeliveryPayload, { description: 'Sends a delivery again, same body and `webhook-id`, before the webhook’s later ones.' })
  @Access('admin')
  redeliverWebhookDelivery(@Arg('input', () => RedeliverWebhookDeliveryInput) input: RedeliverWebhookDeliveryInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ delivery: await webhooks.redeliverWebhookDelivery(ctx, input) }));
  }

  @Mutation(() => ReplayWebhookPayload, { description: 'Rewinds the webhook to a stream cursor: every event after it is made into deliveries again (new ids) and sent in order.' })
  @Access('admin')
  replayWebhook(@Arg('input', () => ReplayWebhookInput) input: ReplayWebhookInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ webhook: await webhooks.replayWebhook(ctx, input) }));
  }
}

@Resolver(() => WebhookType)
export class WebhookFieldsResolver {
  @FieldResolver(() => AgentType, { description: 'Whose access the document runs with.' })
  actAsAgent(@Root() w: Webhook): Promise<Agent> {
    return w.actAsAgent.loadOrFail();
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Its deliveries, newest first.' })
  deliveries(
    @Root() w: Webhook,
    @Args(() => PageArgs) args: PageArgs,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status: WebhookDeliveryStatus | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<ConnectionShape<WebhookDelivery>> {
    return keysetPage(ctx.em, WebhookDelivery, { webhook: w.id, ...(status ? { status } : {}) }, args, { id: 'desc' });
  }
}

@Resolver(() => WebhookDeliveryType)
export class WebhookDeliveryFieldsResolver {
  @FieldResolver(() => String, { description: 'The stream cursor of the event it carries: `replayWebhook(after:)` from here re-sends what came after it.' })
  cursor(@Root() d: WebhookDelivery): string {
    return encodeStreamCursor(Number(d.seq));
  }

  @FieldResolver(() => String, { description: 'The JSON POSTed: a graphql-ws `next` payload, `{ data, errors? }`.' })
  async body(@Root() d: WebhookDelivery, @Ctx() ctx: Context): Promise<string> {
    await ctx.em.populate(d, ['body']);
    return d.body;
  }

  @FieldResolver(() => WebhookType)
  webhook(@Root() d: WebhookDelivery): Promise<Webhook> {
    return d.webhook.loadOrFail();
  }

  @FieldResolver(() => DateTimeScalar, { nullable: true, description: 'When it is tried next (PENDING only).' })
  nextAttemptAt(@Root() d: WebhookDelivery): Date | null {
    return d.status === WebhookDeliveryStatus.PENDING ? d.nextAttemptAt : null;
  }
}
