import type { Server as HttpServer } from 'node:http';
import { getOperationAST, GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticateToken } from '../modules/auth/auth.service';
import { buildContext, contextOf, type ContextDeps } from './context';
import type { LiveDocuments } from './live-documents';
import type { SocketAccessGuard } from './ws-access';
import { subscribeLive, type LiveOperation } from './ws-live';

/** Close codes: graphql-ws clients stop retrying on 4401 and retry on 4403 and 1001. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;

type Extra = {
  authorization?: string | undefined;
  ip?: string;
  operations?: Set<string>;
};

function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' ? value : undefined;
}

/**
 * graphql-ws on the HTTP server's /graphql path: the same schema, context,
 * limits and error masking as HTTP. Every connection must authenticate in
 * `connection_init`; each operation re-checks the token — a subscription, and
 * a connection, by what `guard` verified since the last announced change of
 * anyone's access when it holds the token (no database work), any other
 * operation in the database — and `guard` closes the connection once its
 * token or its person's access ends or changes. Subscriptions are executed
 * once per group of equal subscribers and write their own messages (ws-live.ts).
 */
export function attachWebSocket(httpServer: HttpServer, schema: GraphQLSchema, deps: ContextDeps, guard: SocketAccessGuard, documents: LiveDocuments) {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: deps.config.maxBodyBytes });
  const mask = documents.mask;
  // Each subscription's socket and id, by its context: `subscribe` writes its messages itself (ws-live.ts).
  const live = new WeakMap<object, LiveOperation>();
  const liveOptions = { resultJson: (r: ExecutionResult) => documents.resultJson(r), maxBufferedBytes: deps.config.wsMaxBufferedBytes };

  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      connectionInitWaitTimeout: 3_000,
      subscribe: (args) => {
        const op = live.get(args.contextValue as object);
        if (!op) throw new Error('a subscription without its socket');
        return subscribeLive(args, op, liveOptions);
      },
      onConnect: async (ctx) => {
        const authorization = authorizationOf(ctx.connectionParams);
        const ip = ctx.extra.request.socket.remoteAddress ?? 'unknown';
        Object.assign(ctx.extra, { authorization, ip, operations: new Set<string>() });
        if (!authorization) {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: send connectionParams.authorization');
          return false;
        }
        // A token verified since the last change of anyone's access (ws-access.ts) needs no database work.
        const trusted = guard.trusted(authorization);
        if (trusted) {
          await guard.watch(ctx.extra.socket, authorization, trusted.viewer, trusted.expiresAt, trusted);
          return true;
        }
        let verified;
        try {
          verified = await authenticateToken(deps.orm.em.fork(), authorization);
        } catch (error) {
          if (error instanceof GraphQLError && error.extensions?.code === 'UNAUTHENTICATED') {
            // An unknown, expired or revoked token: 4401, which graphql-ws clients do not retry (they do retry 4403).
            ctx.extra.socket.close(CLOSE_UNAUTHORIZED, `Unauthorized: ${error.message}`);
          } else {
            deps.log.error({ err: error }, 'authenticating a WebSocket connection failed');
            ctx.extra.socket.close(1011, 'Internal server error');
          }
          return false;
        }
        if (!verified) return false;
        // Its token and access are re-checked while it stays open.
        await guard.watch(ctx.extra.socket, authorization, verified.viewer, verified.expiresAt);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const extra = ctx.extra;
        const operations = (extra.operations ??= new Set<string>());
        if (operations.size >= deps.config.maxSubscriptionsPerSocket) {
          return [
            new GraphQLError(`At most ${deps.config.maxSubscriptionsPerSocket} operations may run at once on one connection`, {
              extensions: { code: 'RATE_LIMITED' },
            }),
          ];
        }
        // Reserve the slot before any await, so a burst of subscribes cannot overshoot the limit.
        operations.add(id);
        const refuse = (errors: readonly GraphQLError[]) => {
          operations.delete(id);
          return errors;
        };
        const checked = documents.check(payload.query);
        const { document, errors } = checked;
        if (errors.length > 0) return refuse(errors);
        const tooCostly = documents.costError(document, payload.variables, payload.operationName);
        if (tooCostly) return refuse([tooCostly]);
        let contextValue;
        try {
          // A subscription on a token verified since the last change of anyone's access starts with no database work;
          // other operations read their viewer afresh, in their own EntityManager.
          const trusted = extra.authorization && getOperationAST(document, payload.operationName)?.operation === 'subscription' ? guard.trusted(extra.authorization) : null;
          contextValue = trusted
            ? contextOf(deps, trusted.viewer, extra.ip ?? 'unknown', trusted.principal)
            : await buildContext(deps, extra.authorization, extra.ip ?? 'unknown');
        } catch (error) {
          if (error instanceof GraphQLError) return refuse([error]);
          operations.delete(id);
          throw error;
        }
        live.set(contextValue, {
          socket: extra.socket,
          id,
          query: payload.query,
          documentKey: `${payload.operationName ?? ''}\n${JSON.stringify(payload.variables ?? null)}\n${payload.query}`,
        });
        return {
          schema,
          document,
          contextValue,
          variableValues: payload.variables ?? null,
          operationName: payload.operationName ?? null,
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: mask(result.errors) } : undefined,
      onError: (ctx, id, _payload, errors) => {
        ctx.extra.operations?.delete(id);
        return mask(errors);
      },
      onComplete: (ctx, id) => {
        ctx.extra.operations?.delete(id);
      },
    },
    wss,
  );

  return {
    wss,
    /** Closes every socket with 1001 (clients reconnect elsewhere) and stops accepting. */
    async close(): Promise<void> {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
