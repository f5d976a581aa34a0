import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { Agent } from '../directory/agent.entity';

/** The live stream a webhook's document subscribes to. */
export enum WebhookStream {
  TICKET_EVENTS = 'ticketEvents',
  QUEUE_UPDATES = 'queueUpdates',
}

/**
 * A saved subscription delivered over HTTP: its document is executed with the
 * acting agent's access for every committed event after `position` (the event
 * table is its outbox), and each message becomes a delivery. One process at a
 * time works on a webhook: the one holding its lease (`leaseOwner` until
 * `leaseUntil`), so its deliveries go out once each and in stream order.
 */
@Entity({ tableName: 'webhook' })
export class Webhook {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120 })
  name!: string;

  @Property({ type: 'string', length: 2000 })
  url!: string;

  /** The subscription document, as saved (validated against the schema then). */
  @Property({ type: 'text' })
  document!: string;

  @Property({ type: 'json', nullable: true })
  variables: Record<string, unknown> | null = null;

  @Enum({ items: () => WebhookStream, nativeEnumName: 'webhook_stream' })
  stream!: WebhookStream;

  @ManyToOne({ entity: 'Agent', ref: true, deleteRule: 'cascade', index: true })
  actAsAgent!: Ref<Agent>;

  @Property({ type: 'boolean' })
  isActive: boolean & Opt = true;

  /** Why the server turned it off (410 Gone, too many failures); cleared when an admin turns it on. */
  @Property({ type: 'text', nullable: true })
  disabledReason: string | null = null;

  /** The signing secret (`whsec_…`), sealed with the server's key; shown once, when made. */
  @Property({ type: 'text', hidden: true, lazy: true })
  secretSealed!: string;

  /** The secret before the last rotation: deliveries are signed with both until `previousSecretExpiresAt`. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  previousSecretSealed: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  previousSecretExpiresAt: Date | null = null;

  /** The seq of the last event turned into deliveries. */
  @Property({ type: 'bigint' })
  position: string & Opt = '0';

  /**
   * `queueUpdates`: each queue's exact count as of `position`, with the key of
   * the queues and visibility they were counted for (the acting agent's
   * access can change); null or another key: recounted before use.
   */
  @Property({ type: 'json', nullable: true })
  counts: { key: string; values: number[] } | null = null;

  @Property({ type: 'integer' })
  consecutiveFailures: number & Opt = 0;

  @Property({ type: 'datetime', nullable: true })
  failingSince: Date | null = null;

  @Property({ type: 'string', length: 80, nullable: true })
  leaseOwner: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  leaseUntil: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}

export enum WebhookDeliveryStatus {
  /** Not yet attempted, or waiting for its retry (`nextAttemptAt`). */
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  /** Its last attempt failed and the webhook is off; turning it on (or `redeliverWebhookDelivery`) tries again. */
  FAILED = 'FAILED',
}

/** One message of a webhook: its body is fixed when made, so a retry sends the same bytes under the same id. */
@Entity({ tableName: 'webhook_delivery' })
@Index({ properties: ['webhook', 'status', 'id'] })
@Index({ properties: ['webhook', 'id'] })
export class WebhookDelivery {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @ManyToOne({ entity: 'Webhook', ref: true, deleteRule: 'cascade' })
  webhook!: Ref<Webhook>;

  /** The seq of the event it carries. */
  @Property({ type: 'bigint' })
  seq!: string;

  /** The JSON a graphql-ws `next` carries: `{"data":…}` with `errors` when there are any. */
  @Property({ type: 'text', lazy: true })
  body!: string;

  @Enum({ items: () => WebhookDeliveryStatus, nativeEnumName: 'webhook_delivery_status' })
  status: WebhookDeliveryStatus & Opt = WebhookDeliveryStatus.PENDING;

  @Property({ type: 'integer' })
  attempts: number & Opt = 0;

  @Property({ type: 'integer', nullable: true })
  responseStatus: number | null = null;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'datetime' })
  nextAttemptAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  deliveredAt: Date | null = null;
}
