import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { Config } from '../config';
import type { Services } from '../common/context';
import { createLogger, type Logger } from '../common/logger';
import { bootstrap, type BootstrapResult } from '../db/bootstrap';
import { migrate, openDatabase, type Database, type DatabaseOptions } from '../db/orm';
import { UrlSigner } from '../modules/attachments/signed-url';
import { UploadSweeper } from '../modules/attachments/upload-sweeper';
import { LoginLimiter } from '../modules/auth/login-limiter';
import { startEmail } from '../modules/email/email.server';
import { writeEmails } from '../modules/email/outbound.service';
import { EventDispatcher } from '../modules/events/dispatcher';
import { LiveHub } from '../modules/events/live-hub';
import { writeSealedEvents } from '../modules/events/outbox';
import { primeCommitted } from '../modules/tickets/ticket.loaders';
import { sealTicketEvents } from '../modules/tickets/ticket.snapshot';
import { OverdueScheduler } from '../modules/events/overdue-scheduler';
import { QueueCountCompactor } from '../modules/queues/queue-counters';
import { RegexPool } from '../modules/filters/regex-pool';
import type { ContextDeps } from './context';
import { createApollo } from './graphql';
import { createHttpApp, type HttpState } from './http';
import { deskSchema } from './schema';
import { systemResolve, type Resolve } from '../modules/webhooks/webhook.address';
import { WebhookWorker } from '../modules/webhooks/webhook.worker';
import { LiveDocuments } from './live-documents';
import { attachWebSocket } from './ws';
import { SocketAccessGuard } from './ws-access';

export interface RunningServer {
  url: string;
  port: number;
  db: Database;
  log: Logger;
  bootstrap: BootstrapResult;
  /** The built-in SMTP receiver's port (DESKQL_SMTP_LISTEN_PORT; 0 picks a free one); null when it is off. */
  smtpPort: number | null;
  /** Drains: no new connections, in-flight requests finish, sockets get a close frame; then the database closes. */
  close(): Promise<void>;
}

/**
 * The services every process needs (scripts too); startServer adds the rest. The type
 * is common/'s Services with the slots the modules declare (src/common/context.ts), so
 * a module's required service that is not built here does not compile.
 */
export function createServices(config: Config): Services {
  return {
    // Every command transaction ends with these, in this order: the events are sealed with the
    // tickets' new facts, the emails they cause are written from the sealed events, then the events
    // themselves in one statement under the ordering lock, held from there to the commit.
    beforeCommit: [sealTicketEvents, writeEmails, writeSealedEvents],
    // The operation's payload then reads the tickets' facts as sealed, not from the database again.
    afterCommit: [primeCommitted],
    loginLimits: new LoginLimiter({
      windowMs: config.loginWindowMs,
      email: { maxFailures: config.loginMaxFailures, freeFailures: 3 },
      // One address may carry many people (an office behind NAT): a higher ceiling.
      address: { maxFailures: config.loginMaxFailures * 5, freeFailures: 20 },
    }),
    // Threads start on first use; they never keep the process alive.
    regex: new RegexPool({ timeoutMs: config.filterRegexTimeoutMs }),
  };
}

export interface ServerOptions extends DatabaseOptions {
  /** How webhook hosts are resolved (tests answer with a resolver they control); default the system's. */
  resolveHost?: Resolve;
}

/** Opens the database, migrates, bootstraps and serves GraphQL over HTTP and WebSocket on one port. */
export async function startServer(config: Config, log: Logger = createLogger(config.logLevel), options: ServerOptions = {}): Promise<RunningServer> {
  const { resolveHost, ...dbOptions } = options;
  const db = await openDatabase(config, dbOptions);
  try {
    await migrate(db.orm, config.databaseUrl);
    const boot = await bootstrap(db.orm.em.fork(), { email: config.adminEmail, password: config.adminPassword });
    const schema = await deskSchema();
    const services = createServices(config);
    services.urlSigner = await UrlSigner.load(db.orm.em.fork());
    const dispatcher = new EventDispatcher(db.orm, log, { databaseUrl: config.databaseUrl, pollMs: config.eventPollMs });
    await dispatcher.start();
    const email = await startEmail(db.orm, config, log, services, dispatcher);
    const scheduler = new OverdueScheduler(db.orm, services, log);
    const hub = new LiveHub(db.orm, dispatcher, {
      queueUpdateIntervalMs: config.queueUpdateIntervalMs,
      onBatch: () => void scheduler.reschedule().catch((err: unknown) => log.error({ err }, 'rescheduling OVERDUE failed')),
      log,
    });
    services.events = dispatcher;
    services.live = hub;
    await scheduler.reschedule();
    const counts = new QueueCountCompactor(db.orm, log);
    counts.start();
    const uploads = new UploadSweeper(db.orm, log, config.uploadTtlMs);
    uploads.start();
    const deps: ContextDeps = { orm: db.orm, config, log, services };
    const state: HttpState = { ready: false };
    const httpServer = http.createServer();
    httpServer.headersTimeout = 30_000;
    httpServer.requestTimeout = 60_000;
    // Idle keep-alive sockets stay open longer than a client or proxy keeps them (undici's threshold, a load
    // balancer's 60 s), so a client does not send on a socket the server is closing: with Node's 5 s default a
    // busy machine's delayed timers made that race (ECONNRESET mid-test, 16 clients racing on PGlite).
    httpServer.keepAliveTimeout = 65_000;
    const apollo = createApollo(schema, config, log, [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
    ]);
    await apollo.start();
    const guard = new SocketAccessGuard(db.orm, log, config.wsAccessCheckMs);
    services.sockets = guard;
    guard.start();
    const documents = new LiveDocuments(schema, config);
    services.subscriptions = documents;
    const ws = attachWebSocket(httpServer, schema, deps, guard, documents);
    const webhooks = new WebhookWorker({ orm: db.orm, config, log, services, dispatcher, runner: documents, resolve: resolveHost ?? systemResolve });
    services.webhooks = webhooks;
    await webhooks.start();
    httpServer.on('request', createHttpApp(apollo, deps, state));
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
    state.ready = true;
    const port = (httpServer.address() as AddressInfo).port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    let closing: Promise<void> | null = null;
    return {
      url: `http://${host}:${port}/graphql`,
      port,
      db,
      log,
      bootstrap: boot,
      smtpPort: email.smtpPort,
      close: () => {
        closing ??= (async () => {
          state.ready = false;
          log.debug('closing WebSocket connections');
          await guard.stop();
          await ws.close();
          scheduler.stop();
          await webhooks.stop();
          await counts.stop();
          uploads.stop();
          await email.stop();
          await dispatcher.stop();
          log.debug('draining HTTP requests');
          await apollo.stop(); // stops accepting, lets in-flight requests finish
          await services.regex.close();
          log.debug('closing the database');
          await db.close();
          log.debug('closed');
        })();
        return closing;
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
