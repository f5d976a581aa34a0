import { Field, ID, InputType, Int } from 'type-graphql';
import { JSONScalar } from '../../common/scalars';

@InputType()
export class CreateWebhookInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Where deliveries are POSTed: http:// or https://, a public address (unless the server allows private ones).' })
  url!: string;

  @Field(() => String, {
    description:
      'A subscription with one root field, `ticketEvents` (without `after`: the webhook keeps its own position) or `queueUpdates`, validated and cost-checked as a graphql-ws subscription is. Each delivery is the `{ data, errors? }` a graphql-ws `next` of the acting agent carries.',
  })
  document!: string;

  @Field(() => JSONScalar, { nullable: true, description: "The document's variables." })
  variables?: Record<string, unknown> | null;

  @Field(() => ID, { description: "The agent whose access the document runs with: the webhook gets what this agent's own subscription would get." })
  actAsAgentId!: string;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  isActive?: boolean | null;
}

@InputType()
export class UpdateWebhookInput {
  @Field(() => ID)
  webhookId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'Applies to events not yet turned into deliveries; made deliveries keep their bodies.' })
  document?: string | null;

  @Field(() => JSONScalar, { nullable: true, description: 'Null: none; omitted: unchanged.' })
  variables?: Record<string, unknown> | null;

  @Field(() => ID, { nullable: true })
  actAsAgentId?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'True turns a webhook the server turned off back on: `disabledReason` is cleared, the failure count reset, and its FAILED delivery retried at once.',
  })
  isActive?: boolean | null;
}

@InputType()
export class RotateWebhookSecretInput {
  @Field(() => ID)
  webhookId!: string;

  @Field(() => Int, { nullable: true, defaultValue: 86_400, description: 'How long deliveries are signed with the old secret too (0 to 2,592,000 seconds; default a day).' })
  gracePeriodSeconds?: number | null;
}

@InputType()
export class RedeliverWebhookDeliveryInput {
  @Field(() => ID)
  deliveryId!: string;
}

@InputType()
export class ReplayWebhookInput {
  @Field(() => ID)
  webhookId!: string;

  @Field(() => String, {
    nullable: true,
    description: "A stream cursor (a delivery's or a ticketEvents edge's `cursor`): every event after it is made and sent again, in order. Null: from the first event.",
  })
  after?: string | null;
}
