import 'reflect-metadata';
import { loadConfig } from './config';
import { createLogger } from './common/logger';
import { startServer, type RunningServer } from './server/app';

async function main(): Promise<void> {
  const result = loadConfig(process.env);
  if (!result.ok) {
    process.stderr.write(`DeskQL cannot start: the configuration is invalid.\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  const config = result.config;
  const log = createLogger(config.logLevel);

  // Signals are handled from the first moment: one that arrives while the
  // server is still starting (migrating, say) stops it as soon as it is up.
  let server: RunningServer | null = null;
  let stopRequested: string | null = null;
  const stop = (signal: string) => {
    if (stopRequested && signal !== 'started') return;
    stopRequested ??= signal;
    if (!server) return;
    log.info({ signal: stopRequested }, 'draining');
    const timer = setTimeout(() => {
      log.error('drain timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000);
    timer.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  server = await startServer(config, log);
  if (server.bootstrap.admin) {
    const { email, password } = server.bootstrap.admin;
    // Printed once, on the first start, so a newcomer can log in; never logged again.
    process.stdout.write(
      `\n  First admin created.\n    email:    ${email}\n    password: ${password ?? '(from DESKQL_ADMIN_PASSWORD)'}\n` +
        `  GraphiQL: ${server.url}\n  Agent console: ${server.url.replace(/\/graphql$/, '/console/')}\n\n`,
    );
  }
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded database in ${config.dataDir}`;
  log.info({ url: server.url, database: where }, 'DeskQL is ready');
  if (stopRequested) stop('started');
}

main().catch((error: unknown) => {
  process.stderr.write(`DeskQL failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
