import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { undeclaredRootFields } from '../common/access';
import { ActorIdResolver, NodeIdResolver } from '../common/node';
import { NodeResolver } from '../common/node.resolver';
import { DateTimeScalar } from '../common/scalars';
import { ApiKeyResolver, AuthResolver } from '../modules/auth/auth.resolver';
import {
  AgentFieldsResolver,
  DepartmentAccessFieldsResolver,
  DepartmentFieldsResolver,
  DirectoryResolver,
  EndUserFieldsResolver,
  OrganizationFieldsResolver,
  TeamFieldsResolver,
} from '../modules/directory/directory.resolver';
import { MailboxFieldsResolver, MailboxRootResolver, OutboxRootResolver, ThreadEntryEmailResolver } from '../modules/email/email.resolver';
import { AttachmentResolver } from '../modules/attachments/attachment.resolver';
import { CannedResponseFieldsResolver, CannedRootResolver } from '../modules/canned/canned.resolver';
import { QueueUpdateResolver, SubscriptionResolver, TicketUpdateResolver } from '../modules/events/subscription.resolver';
import { TicketEventResolver } from '../modules/events/ticket-event.resolver';
import { TicketFilterFieldsResolver, TicketFilterRejectionFieldsResolver, TicketFilterRootResolver } from '../modules/filters/ticket-filter.resolver';
import { QueueFieldsResolver, QueueRootResolver, TicketQueuesResolver } from '../modules/queues/queue.resolver';
import { ScheduleFieldsResolver, SlaPlanFieldsResolver, SlaResolver } from '../modules/sla/sla.resolver';
import { HelpTopicAdminResolver, HelpTopicResolver } from '../modules/tickets/help-topic.resolver';
import { ThreadEntryResolver, ThreadRootResolver } from '../modules/threads/thread.resolver';
import {
  CollaboratorResolver,
  TicketFieldsResolver,
  TicketLockResolver,
  TicketRootResolver,
} from '../modules/tickets/ticket.resolver';
import { ReferenceResolver } from '../modules/tickets/reference.resolver';
import { WebhookDeliveryFieldsResolver, WebhookFieldsResolver, WebhookRootResolver } from '../modules/webhooks/webhook.resolver';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql's buildSchema takes the resolver classes as NonEmptyArray<Function>
const resolvers: NonEmptyArray<Function> = [
  NodeIdResolver,
  ActorIdResolver,
  NodeResolver,
  AuthResolver,
  ApiKeyResolver,
  DirectoryResolver,
  AgentFieldsResolver,
  DepartmentAccessFieldsResolver,
  DepartmentFieldsResolver,
  TeamFieldsResolver,
  EndUserFieldsResolver,
  OrganizationFieldsResolver,
  SlaResolver,
  SlaPlanFieldsResolver,
  ScheduleFieldsResolver,
  ReferenceResolver,
  TicketRootResolver,
  ThreadRootResolver,
  TicketFieldsResolver,
  TicketLockResolver,
  CollaboratorResolver,
  HelpTopicResolver,
  HelpTopicAdminResolver,
  ThreadEntryResolver,
  AttachmentResolver,
  CannedRootResolver,
  CannedResponseFieldsResolver,
  TicketEventResolver,
  QueueRootResolver,
  QueueFieldsResolver,
  TicketQueuesResolver,
  SubscriptionResolver,
  QueueUpdateResolver,
  TicketUpdateResolver,
  TicketFilterRootResolver,
  TicketFilterFieldsResolver,
  TicketFilterRejectionFieldsResolver,
  MailboxRootResolver,
  MailboxFieldsResolver,
  OutboxRootResolver,
  ThreadEntryEmailResolver,
  WebhookRootResolver,
  WebhookFieldsResolver,
  WebhookDeliveryFieldsResolver,
];

/**
 * type-graphql refuses subscriptions without a pubSub even when each has its
 * own `subscribe` (ours read the event outbox); this one is never used.
 */
const unusedPubSub = {
  publish(): void {
    throw new Error('DeskQL subscriptions do not use the type-graphql pubSub');
  },
  subscribe(): AsyncIterable<unknown> {
    throw new Error('DeskQL subscriptions do not use the type-graphql pubSub');
  },
};

let built: Promise<GraphQLSchema> | null = null;

/** The GraphQL schema, built once per process from the resolver classes. */
export function deskSchema(): Promise<GraphQLSchema> {
  built ??= (async () => {
    const schema = await buildSchema({
      resolvers,
      validate: false,
      scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
      pubSub: unusedPubSub,
    });
    // Deny by default: a root field without an access declaration stops the server from starting.
    const missing = undeclaredRootFields(schema);
    if (missing.length > 0) throw new Error(`Root fields without @Access: ${missing.join(', ')}`);
    return schema;
  })();
  return built;
}
