import {
  execute,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { Config } from '../config';
import type { Context } from '../common/context';
import type { PreparedSubscription, SubscriptionRunner } from '../modules/webhooks/webhook.document';
import { formatError } from './errors';
import { MAX_TOKENS, queryLimits, tagLimitError } from './graphql';
import { checkCost } from './query-cost';

/** Parsed and validated documents kept by their text (a dashboard's subscriptions repeat a few texts). */
const MAX_CACHED_DOCUMENTS = 500;

export interface CheckedDocument {
  document: DocumentNode;
  errors: readonly GraphQLError[];
}

/**
 * What a live subscription's document goes through, for graphql-ws (ws.ts) and
 * for webhooks alike: the same parse limit, validation rules and query limits
 * as HTTP, the same error masking, and the same JSON of a result — so a
 * webhook's body is byte for byte what a graphql-ws `next` carries.
 */
export class LiveDocuments implements SubscriptionRunner {
  private readonly rules;
  private readonly documents = new Map<string, CheckedDocument>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly config: Config,
  ) {
    this.rules = [...specifiedRules, ...queryLimits(config).validationRules];
  }

  /** The errors of a result as clients get them (masked, tagged). A request error (a variable that does not coerce) has no path and no cause: it is the client's. */
  readonly mask = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((e) => {
      const classified = e.extensions?.code || e.path || e.originalError ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } });
      return formatError(tagLimitError(classified.toJSON(), e), this.config.production);
    });

  /** A result's JSON as a graphql-ws `next` payload carries it. */
  resultJson(result: ExecutionResult): string {
    return JSON.stringify(result.errors ? { ...result, errors: this.mask(result.errors) } : result);
  }

  /** Parses and validates a document (cached by its text). */
  check(query: string): CheckedDocument {
    let checked = this.documents.get(query);
    if (checked) return checked;
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: MAX_TOKENS });
    } catch (error) {
      // Not cached: a parse failure is cheap to repeat and its text may be anything.
      const message = error instanceof GraphQLError ? error.message : 'Could not parse the document';
      return { document: { kind: Kind.DOCUMENT, definitions: [] }, errors: [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
    }
    const errors = validate(this.schema, document, this.rules).map((e) =>
      e.extensions?.code ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
    );
    checked = { document, errors };
    if (this.documents.size >= MAX_CACHED_DOCUMENTS) this.documents.delete(this.documents.keys().next().value!);
    this.documents.set(query, checked);
    return checked;
  }

  /** The cost check of a valid document, as graphql-ws and HTTP apply it. */
  costError(document: DocumentNode, variables: Readonly<Record<string, unknown>> | null | undefined, operationName?: string | null): GraphQLError | null {
    return checkCost(this.schema, document, variables, operationName).error;
  }

  prepare(query: string, variables: Record<string, unknown> | null): PreparedSubscription | { errors: readonly GraphQLError[] } {
    const { document, errors } = this.check(query);
    if (errors.length > 0) return { errors };
    const operation = getOperationAST(document);
    if (!operation) return { errors: [new GraphQLError('The document must hold exactly one operation')] };
    if (operation.operation !== 'subscription') return { errors: [new GraphQLError(`The operation must be a subscription, not a ${operation.operation}`, { nodes: [operation] })] };
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], variables ?? {});
    if (coerced.errors) return { errors: coerced.errors };
    const tooCostly = this.costError(document, variables);
    if (tooCostly) return { errors: [tooCostly] };
    const selections = operation.selectionSet.selections;
    const root = selections.length === 1 && selections[0]!.kind === Kind.FIELD ? selections[0] : null;
    const field = root && this.schema.getSubscriptionType()?.getFields()[root.name.value];
    if (!root || !field) return { errors: [new GraphQLError('The subscription must select exactly one root field, ticketEvents or queueUpdates, with no fragment around it', { nodes: [operation] })] };
    return {
      document,
      field: root.name.value,
      args: getArgumentValues(field, root, coerced.coerced),
      variables: variables ?? null,
    };
  }

  async run(prepared: PreparedSubscription, payload: object, contextValue: Context): Promise<string> {
    const result = await execute({ schema: this.schema, document: prepared.document, rootValue: payload, contextValue, variableValues: prepared.variables });
    return this.resultJson(result);
  }
}
