import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql';
import type { Config } from '../config';
import type { Context } from '../common/context';
import type { Logger } from '../common/logger';
import { formatError } from './errors';
import { authenticatePending } from './context';
import { checkCost, type QueryCost } from './query-cost';

export const MAX_TOKENS = 5000;

/** Errors raised by the query limits; Apollo re-wraps validation errors, so they are recognised by identity. */
const limitErrors = new WeakSet<object>();

/** Gives a query-limit rejection the code QUERY_TOO_COMPLEX (HTTP and WebSocket). */
export function tagLimitError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (typeof original === 'object' && original !== null && (limitErrors.has(original) || (error instanceof GraphQLError && limitErrors.has(error)))) {
    return { ...formatted, extensions: { ...formatted.extensions, code: 'QUERY_TOO_COMPLEX' } };
  }
  return formatted;
}

/**
 * Query limits (NOTES-PERF-SECURITY.md: graphql-armor defaults, GitLab's and
 * Shopify's limits): depth, aliases, directives. The query cost is not a
 * validation rule (it needs the variables): `queryCostPlugin` on HTTP, the
 * same `checkCost` in ws.ts. Introspection is exempt so GraphiQL works. A rejected
 * query gets the code QUERY_TOO_COMPLEX. Used by HTTP and WebSocket alike.
 */
export function queryLimits(config: Config): { validationRules: ValidationRule[]; plugins: ApolloServerPlugin[] } {
  const report = (ctx: ValidationContext | null, error: GraphQLError) => {
    const reported = new GraphQLError(error.message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });
    limitErrors.add(reported);
    if (ctx) overLimit.add(ctx);
    ctx?.reportError(reported);
  };
  const common = { onReject: [report], propagateOnRejection: false, exposeLimits: !config.production };
  const { validationRules, plugins } = new ApolloArmor({
    maxDepth: { ...common, n: 12, ignoreIntrospection: true, flattenFragments: true },
    // The cost is ours (query-cost.ts): it knows connections and reads `first` from variables too.
    costLimit: { enabled: false },
    maxAliases: { ...common, n: 15 },
    maxDirectives: { ...common, n: 50 },
    // Apollo's own parser limit (parseOptions.maxTokens) replaces armor's token plugin, which turns parse errors into 500s.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
  return { validationRules: [...validationRules, stopOverLimit], plugins };
}

/** Validations in which a query limit refused the document. */
const overLimit = new WeakSet<ValidationContext>();

/**
 * Ends the validation of a document a limit refused. graphql-js runs every
 * rule in one walk over every node, so a flood of aliases cost the standard
 * rules' whole walk after the alias rule had already refused it (~6 ms for
 * 1,000 aliases). The limit rules decide at the operation's enter; this rule,
 * listed after them, then answers every node with null — in the visitor
 * protocol "remove this node", which skips it for all the rules walking in
 * parallel — so the rest of the document is never visited.
 */
const stopOverLimit: ValidationRule = (context) => ({
  enter: () => (overLimit.has(context) ? null : undefined),
});

/**
 * The query cost (query-cost.ts) of every HTTP operation, checked once the
 * operation is resolved and before it executes, and reported in every
 * response as `extensions.cost: { requested, limit }`. Over the limit the
 * request is refused with QUERY_TOO_COMPLEX and the computed cost. Only an
 * operation within the limits has its viewer read (`authenticatePending`):
 * parse, validation and cost refusals cost no database round trip. (One hook
 * for both: Apollo runs the plugins' didResolveOperation hooks concurrently.)
 */
const queryCostPlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    let cost: QueryCost | null = null;
    return {
      async didResolveOperation({ schema, document, operationName, request, contextValue }) {
        const checked = checkCost(schema, document, request.variables, operationName, true);
        cost = checked.cost;
        if (checked.error) throw checked.error;
        await authenticatePending(contextValue);
      },
      async willSendResponse({ response }) {
        if (cost && response.body.kind === 'single') {
          response.body.singleResult.extensions = { ...response.body.singleResult.extensions, cost };
        }
      },
    };
  },
};

/**
 * GraphQL-over-HTTP: a client that accepts only `application/json` SHOULD get
 * 200 for request errors (parse, validation, variable coercion); Apollo answers
 * 400. Clients that accept `application/graphql-response+json` keep the 4xx.
 */
const legacyJsonStatus: ApolloServerPlugin<Context> = {
  async requestDidStart({ request }) {
    const accept = request.http?.headers.get('accept') ?? '';
    const legacy = !accept.includes('application/graphql-response+json');
    if (!legacy) return {};
    return {
      async willSendResponse({ response, errors }) {
        const status = response.http.status;
        const requestError =
          errors?.some((e) =>
            ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'QUERY_TOO_COMPLEX'].includes(
              String(e.extensions?.code),
            ),
          ) ?? false;
        if (status === 400 && requestError && response.body.kind === 'single') response.http.status = 200;
      },
    };
  },
};

export function createApollo(schema: GraphQLSchema, config: Config, log: Logger, plugins: ApolloServerPlugin<Context>[]): ApolloServer<Context> {
  const limits = queryLimits(config);
  return new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: !config.production,
    hideSchemaDetailsFromClientErrors: config.production,
    formatError: (formatted, error) => {
      const result = formatError(tagLimitError(formatted, error), config.production);
      if (result.extensions?.code === 'INTERNAL_SERVER_ERROR') log.error({ err: error }, 'internal error');
      return result;
    },
    validationRules: limits.validationRules,
    parseOptions: { maxTokens: MAX_TOKENS },
    // Compact JSON: Apollo's default indents every response (more bytes to send and parse, ~0.2 ms of a 50-ticket page).
    stringifyResult: (result) => JSON.stringify(result),
    csrfPrevention: true,
    // main.ts owns SIGTERM: it drains WebSockets, then Apollo, then the database.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    // No cache hints are used (responses are per viewer): without the cache-control plugin Apollo
    // does not wrap every field resolver in its instrumentation.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), legacyJsonStatus, queryCostPlugin, ...(limits.plugins as ApolloServerPlugin<Context>[]), ...plugins],
    logger: {
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m) => log.error(m),
    },
  });
}
