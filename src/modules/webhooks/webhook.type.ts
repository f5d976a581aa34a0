import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionTypes } from '../../common/connection';
import { NodeInterface } from '../../common/node';
import { DateTimeScalar, JSONScalar } from '../../common/scalars';
import { WebhookDeliveryStatus, WebhookStream } from './webhook.entity';

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not yet sent, or waiting for its retry (`nextAttemptAt`); later deliveries of the webhook wait for it.' },
    DELIVERED: { description: 'The receiver answered 2xx.' },
    FAILED: { description: 'Its last attempt failed and turned the webhook off; turning it on again retries it.' },
  },
});

registerEnumType(WebhookStream, {
  name: 'WebhookStream',
  description: "The subscription field a webhook's document streams.",
  valuesConfig: { TICKET_EVENTS: { description: '`ticketEvents`' }, QUEUE_UPDATES: { description: '`queueUpdates`' } },
});

@ObjectType('Webhook', {
  implements: NodeInterface,
  description: "A saved subscription delivered over HTTP: each message its acting agent's live subscription would get is POSTed, signed (Standard Webhooks), in order, retried until delivered (administrators).",
})
export class WebhookType extends NodeInterface {
  @Field(() => String) name!: string;
  @Field(() => String) url!: string;
  @Field(() => String, { description: 'The subscription document.' }) document!: string;
  @Field(() => JSONScalar, { nullable: true }) variables!: Record<string, unknown> | null;
  @Field(() => WebhookStream) stream!: WebhookStream;
  @Field(() => Boolean, { description: 'False: nothing is made or sent; events wait in the stream and are delivered once it is on again.' }) isActive!: boolean;
  @Field(() => String, { nullable: true, description: 'Why the server turned it off (410 Gone, too many failures in a row); null when an admin did or it is on.' })
  disabledReason!: string | null;
  @Field(() => Int, { description: 'Failed attempts in a row (0 after a success).' }) consecutiveFailures!: number;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Until then deliveries are signed with the previous secret too.' }) previousSecretExpiresAt!: Date | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar) updatedAt!: Date;
}

@ObjectType('WebhookDelivery', { implements: NodeInterface, description: "One message of a webhook; its id is the `webhook-id` header on every attempt, so receivers deduplicate on it." })
export class WebhookDeliveryType extends NodeInterface {
  @Field(() => WebhookDeliveryStatus) status!: WebhookDeliveryStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status at the last attempt; null when none answered." }) responseStatus!: number | null;
  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (the status and the start of the response, a timeout, a network error, a refused address).' })
  lastError!: string | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) deliveredAt!: Date | null;
}

export const { Connection: WebhookDeliveryConnection, Edge: WebhookDeliveryEdge } = connectionTypes('WebhookDelivery', WebhookDeliveryType);
