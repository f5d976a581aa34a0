import type { DocumentNode, GraphQLError } from 'graphql';
import type { Context } from '../../common/context';
import { ErrorCode, Problems } from '../../common/errors';
import { WebhookStream } from './webhook.entity';

/** A subscription document checked as graphql-ws checks it, with its one root field and that field's arguments. */
export interface PreparedSubscription {
  document: DocumentNode;
  /** The root field's name (`ticketEvents`, `queueUpdates`). */
  field: string;
  /** The root field's arguments, coerced from the variables. */
  args: Record<string, unknown>;
  /** The variables as saved (the execution coerces them, as graphql-ws does). */
  variables: Record<string, unknown> | null;
}

/**
 * What the server's live documents give webhooks (src/server/live-documents.ts
 * implements it): the same checks a graphql-ws subscription goes through, and
 * the JSON of one execution over a payload — a graphql-ws `next` payload.
 */
export interface SubscriptionRunner {
  prepare(query: string, variables: Record<string, unknown> | null): PreparedSubscription | { errors: readonly GraphQLError[] };
  run(prepared: PreparedSubscription, payload: object, ctx: Context): Promise<string>;
}

declare module '../../common/context' {
  interface Services {
    /** Live documents, for webhooks (absent in scripts). */
    subscriptions?: SubscriptionRunner;
  }
}

const STREAMS: Record<string, WebhookStream> = { ticketEvents: WebhookStream.TICKET_EVENTS, queueUpdates: WebhookStream.QUEUE_UPDATES };

export interface CheckedWebhookDocument {
  prepared: PreparedSubscription;
  stream: WebhookStream;
}

/**
 * A webhook's document, checked as it is saved: it must be what a graphql-ws
 * client could subscribe with (parse, validation, limits, cost), a
 * subscription of one root field among those webhooks stream. Each GraphQL
 * error becomes a BAD_USER_INPUT problem on `document` (`variables` when the
 * variables do not coerce).
 */
export function checkWebhookDocument(runner: SubscriptionRunner, problems: Problems, document: string, variables: Record<string, unknown> | null): CheckedWebhookDocument | null {
  if (document.length > 20_000) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'document must be at most 20000 characters', 'document');
    return null;
  }
  const prepared = runner.prepare(document, variables);
  if ('errors' in prepared) {
    for (const e of prepared.errors) {
      const onVariables = e.message.startsWith('Variable "');
      problems.add(ErrorCode.BAD_USER_INPUT, e.message, onVariables ? 'variables' : 'document');
    }
    return null;
  }
  const stream = STREAMS[prepared.field];
  if (!stream) {
    problems.add(ErrorCode.BAD_USER_INPUT, `A webhook streams ticketEvents or queueUpdates, not ${prepared.field}`, 'document');
    return null;
  }
  if (stream === WebhookStream.TICKET_EVENTS && prepared.args['after'] != null) {
    // The webhook's own position is its cursor: replayWebhook rewinds it.
    problems.add(ErrorCode.BAD_USER_INPUT, 'A webhook keeps its own position in the stream: leave ticketEvents(after:) out and use replayWebhook', 'document');
    return null;
  }
  return { prepared, stream };
}
