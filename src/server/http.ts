import { expressMiddleware } from '@as-integrations/express5';
import type { ApolloServer } from '@apollo/server';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Context } from '../common/context';
import { buildHttpContext, type ContextDeps } from './context';
import { graphiqlAssets, sendGraphiql, wantsGraphiql } from './graphiql';
import { inboundEmailRoutes } from './inbound-email';
import { consoleRoutes } from './console/console';
import { attachmentRoutes } from './uploads';

export interface HttpState {
  /** False until GraphQL is served, and again once draining starts. */
  ready: boolean;
}

function requestError(status: number, message: string, code: string) {
  return { status, body: { errors: [{ message, extensions: { code } }] } };
}

/** Malformed JSON, oversized or badly encoded bodies: a GraphQL-shaped error, never an HTML page. */
const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
  const e = error as { type?: string; status?: number };
  const known: Record<string, ReturnType<typeof requestError>> = {
    'entity.parse.failed': requestError(400, 'The request body is not valid JSON', 'BAD_REQUEST'),
    'entity.too.large': requestError(413, 'The request body is too large', 'BAD_REQUEST'),
    'encoding.unsupported': requestError(415, 'Unsupported body encoding', 'BAD_REQUEST'),
    'charset.unsupported': requestError(415, 'Unsupported charset', 'BAD_REQUEST'),
  };
  const hit = e.type ? known[e.type] : undefined;
  if (!hit) {
    next(error);
    return;
  }
  res.status(hit.status).type('application/json').send(JSON.stringify(hit.body));
};

export function createHttpApp(apollo: ApolloServer<Context>, deps: ContextDeps, state: HttpState): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.get('/healthz', async (_req, res) => {
    let healthy = state.ready;
    if (healthy) {
      try {
        await deps.orm.em.getConnection().execute('select 1');
      } catch {
        healthy = false;
      }
    }
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable' });
  });

  const graphiqlOn = deps.config.introspection;
  if (graphiqlOn) app.use('/graphiql', graphiqlAssets());

  app.get('/graphql', (req, res, next) => {
    if (graphiqlOn && wantsGraphiql(req.headers.accept) && Object.keys(req.query).length === 0) sendGraphiql(res);
    else next();
  });

  app.use(
    '/graphql',
    express.json({ limit: deps.config.maxBodyBytes, strict: false }),
    bodyErrors,
    expressMiddleware(apollo, {
      context: async ({ req }) => buildHttpContext(deps, req.headers.authorization, req.socket.remoteAddress ?? 'unknown'),
    }),
  );

  app.use('/attachments', attachmentRoutes(deps));
  app.use('/inbound/email', inboundEmailRoutes(deps));
  app.use('/console', consoleRoutes());

  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'Not found: GraphQL is served at /graphql', extensions: { code: 'NOT_FOUND' } }] });
  });

  const internal: ErrorRequestHandler = (error, _req, res, _next) => {
    deps.log.error({ err: error }, 'unhandled HTTP error');
    res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  };
  app.use(internal);
  return app;
}
