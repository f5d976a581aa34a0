import path from 'node:path';
import { z } from 'zod';

/**
 * The one validated, frozen configuration object. Every environment variable
 * DeskQL reads is declared here; `loadConfig` reports every problem at once.
 */
const booleanFlag = z
  .enum(['0', '1', 'true', 'false'], { message: 'must be 0, 1, true or false' })
  .transform((v) => v === '1' || v === 'true');

const positiveInt = (max: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1' })
    .max(max, { message: `must be at most ${max}` });

const envSchema = z.object({
  PORT: z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(0, { message: 'must be between 0 and 65535' })
    .max(65535, { message: 'must be between 0 and 65535' })
    .default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  DESKQL_DATA_DIR: z.string().min(1, { message: 'must not be empty' }).default('./.deskql'),
  DESKQL_ADMIN_EMAIL: z.email({ message: 'must be an email address' }).default('admin@example.com'),
  DESKQL_ADMIN_PASSWORD: z
    .string()
    .min(10, { message: 'must be at least 10 characters' })
    .max(200, { message: 'must be at most 200 characters' })
    .optional(),
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { message: 'must be development, production or test' })
    .default('development'),
  DESKQL_INTROSPECTION: booleanFlag.optional(),
  DESKQL_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional(),
  DESKQL_SESSION_TTL_HOURS: positiveInt(24 * 365).default(24 * 7),
  DESKQL_LOGIN_MAX_FAILURES: positiveInt(1000).default(10),
  DESKQL_LOGIN_WINDOW_MINUTES: positiveInt(24 * 60).default(15),
  DESKQL_MAX_BODY_BYTES: positiveInt(100 * 1024 * 1024).default(1024 * 1024),
  DESKQL_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt(10_000).default(100),
  DESKQL_SHUTDOWN_TIMEOUT_MS: positiveInt(600_000).default(10_000),
  DESKQL_QUEUE_UPDATE_INTERVAL_MS: z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(0, { message: 'must be between 0 and 60000' })
    .max(60_000, { message: 'must be between 0 and 60000' })
    .default(250),
  DESKQL_EVENT_POLL_MS: positiveInt(60_000).default(1000),
  DESKQL_FILTER_REGEX_TIMEOUT_MS: positiveInt(10_000).default(100),
  DESKQL_WS_ACCESS_CHECK_MS: positiveInt(3_600_000).default(30_000),
  DESKQL_WS_MAX_BUFFERED_BYTES: positiveInt(1024 * 1024 * 1024).default(8 * 1024 * 1024),
  DESKQL_UPLOAD_TTL_HOURS: positiveInt(24 * 365).default(24),
  DESKQL_SMTP_URL: z.string().regex(/^smtps?:\/\/.+/, { message: 'must be an smtp:// or smtps:// URL' }).optional(),
  DESKQL_MAIL_FROM: z.string().min(3).max(320).regex(/^[^\r\n]*$/, { message: 'must be one line' }).optional(),
  DESKQL_IMAP_POLL_S: positiveInt(24 * 3600).default(60),
  DESKQL_SMTP_LISTEN_PORT: z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(0, { message: 'must be between 0 and 65535' })
    .max(65535, { message: 'must be between 0 and 65535' })
    .optional(),
  DESKQL_SMTP_LISTEN_HOST: z.string().min(1).optional(),
  DESKQL_MAX_EMAIL_BYTES: positiveInt(1024 * 1024 * 1024).default(25 * 1024 * 1024),
  DESKQL_AUTORESPONSE_MAX_PER_HOUR: positiveInt(10_000).default(5),
  DESKQL_SMTP_RETRY_MS: positiveInt(3_600_000).default(30_000),
  DESKQL_WEBHOOK_ALLOW_PRIVATE: booleanFlag.optional(),
  DESKQL_WEBHOOK_TIMEOUT_MS: positiveInt(120_000).default(5000),
  DESKQL_WEBHOOK_RETRY_MS: positiveInt(3_600_000).default(5000),
  DESKQL_WEBHOOK_RETRY_MAX_MS: positiveInt(24 * 3_600_000).default(3_600_000),
  DESKQL_WEBHOOK_MAX_FAILURES: positiveInt(1_000_000).default(10),
  DESKQL_WEBHOOK_FAILURE_WINDOW_MS: z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(0, { message: 'must be between 0 and 2592000000' })
    .max(30 * 24 * 3_600_000, { message: 'must be between 0 and 2592000000' })
    .default(24 * 3_600_000),
  DESKQL_WEBHOOK_LEASE_MS: positiveInt(3_600_000).default(30_000),
  DESKQL_WEBHOOK_POLL_MS: positiveInt(60_000).default(1000),
  DESKQL_WEBHOOK_MAX_PENDING: positiveInt(1_000_000).default(1000),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL server URL; undefined means the embedded PGlite database. */
  readonly databaseUrl: string | undefined;
  /** Folder of the embedded database and stored files. `:memory:` keeps the embedded database in memory (tests). */
  readonly dataDir: string;
  readonly adminEmail: string;
  readonly adminPassword: string | undefined;
  readonly production: boolean;
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly introspection: boolean;
  readonly logLevel: string;
  readonly sessionTtlMs: number;
  readonly loginMaxFailures: number;
  readonly loginWindowMs: number;
  readonly maxBodyBytes: number;
  readonly maxSubscriptionsPerSocket: number;
  readonly shutdownTimeoutMs: number;
  /** Count updates of one queue reach a subscriber at most this often (0: every one). */
  readonly queueUpdateIntervalMs: number;
  /** Backstop poll of the event table (new events normally wake the dispatcher at once). */
  readonly eventPollMs: number;
  /** The time bound of one ticket-filter regex test; past it the filter does not match. */
  readonly filterRegexTimeoutMs: number;
  /** How often open WebSockets' tokens and access are re-checked (and soon after a change made in this process). */
  readonly wsAccessCheckMs: number;
  /** A WebSocket with more than this many bytes queued and not yet sent is too slow: closed with 4499. */
  readonly wsMaxBufferedBytes: number;
  /** Uploads never attached to anything are deleted after this long. */
  readonly uploadTtlMs: number;
  /** Outgoing mail (`smtp://` or `smtps://user:pass@host:port`); undefined: emails stay in the outbox as NOT_CONFIGURED. */
  readonly smtpUrl: string | undefined;
  /** The From of outgoing mail; default the ticket's mailbox address. */
  readonly mailFrom: string | undefined;
  readonly imapPollMs: number;
  /** The built-in SMTP receiver's port; undefined: off. */
  readonly smtpListenPort: number | undefined;
  readonly smtpListenHost: string;
  readonly maxEmailBytes: number;
  readonly autoResponseMaxPerHour: number;
  /** The first retry of an email the SMTP server did not take; each later one waits twice as long (at most an hour). */
  readonly smtpRetryMs: number;
  /** Webhooks may target loopback, private, link-local and unique-local addresses (tests, on-premises receivers). */
  readonly webhookAllowPrivate: boolean;
  /** One delivery attempt's bound, connect to the end of the response. */
  readonly webhookTimeoutMs: number;
  /** The first retry of a failed delivery; each later one waits twice as long (jittered), at most `webhookRetryMaxMs`. */
  readonly webhookRetryMs: number;
  readonly webhookRetryMaxMs: number;
  /** A webhook is turned off after this many failed attempts in a row, once it has been failing for `webhookFailureWindowMs`. */
  readonly webhookMaxFailures: number;
  readonly webhookFailureWindowMs: number;
  /** How long a process keeps a webhook's lease without renewing it; another process takes over after. */
  readonly webhookLeaseMs: number;
  /** Backstop poll for webhooks' work (new events and retries wake the worker at once). */
  readonly webhookPollMs: number;
  /** Deliveries made and not yet delivered, per webhook, before later events wait in the event table. */
  readonly webhookMaxPending: number;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Validates the environment. Empty strings count as unset, as shells often export them. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    // Name the variable and the rule, never the value: it may be a secret.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, problems };
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const dataDir = e.DESKQL_DATA_DIR === ':memory:' ? ':memory:' : path.resolve(e.DESKQL_DATA_DIR);
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    adminEmail: e.DESKQL_ADMIN_EMAIL.toLowerCase(),
    adminPassword: e.DESKQL_ADMIN_PASSWORD,
    production,
    nodeEnv: e.NODE_ENV,
    introspection: e.DESKQL_INTROSPECTION ?? !production,
    logLevel: e.DESKQL_LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    sessionTtlMs: e.DESKQL_SESSION_TTL_HOURS * 3600_000,
    loginMaxFailures: e.DESKQL_LOGIN_MAX_FAILURES,
    loginWindowMs: e.DESKQL_LOGIN_WINDOW_MINUTES * 60_000,
    maxBodyBytes: e.DESKQL_MAX_BODY_BYTES,
    maxSubscriptionsPerSocket: e.DESKQL_MAX_SUBSCRIPTIONS_PER_SOCKET,
    shutdownTimeoutMs: e.DESKQL_SHUTDOWN_TIMEOUT_MS,
    queueUpdateIntervalMs: e.DESKQL_QUEUE_UPDATE_INTERVAL_MS,
    eventPollMs: e.DESKQL_EVENT_POLL_MS,
    filterRegexTimeoutMs: e.DESKQL_FILTER_REGEX_TIMEOUT_MS,
    wsAccessCheckMs: e.DESKQL_WS_ACCESS_CHECK_MS,
    wsMaxBufferedBytes: e.DESKQL_WS_MAX_BUFFERED_BYTES,
    uploadTtlMs: e.DESKQL_UPLOAD_TTL_HOURS * 3_600_000,
    smtpUrl: e.DESKQL_SMTP_URL,
    mailFrom: e.DESKQL_MAIL_FROM,
    imapPollMs: e.DESKQL_IMAP_POLL_S * 1000,
    smtpListenPort: e.DESKQL_SMTP_LISTEN_PORT,
    smtpListenHost: e.DESKQL_SMTP_LISTEN_HOST ?? e.HOST,
    maxEmailBytes: e.DESKQL_MAX_EMAIL_BYTES,
    autoResponseMaxPerHour: e.DESKQL_AUTORESPONSE_MAX_PER_HOUR,
    smtpRetryMs: e.DESKQL_SMTP_RETRY_MS,
    webhookAllowPrivate: e.DESKQL_WEBHOOK_ALLOW_PRIVATE ?? false,
    webhookTimeoutMs: e.DESKQL_WEBHOOK_TIMEOUT_MS,
    webhookRetryMs: e.DESKQL_WEBHOOK_RETRY_MS,
    webhookRetryMaxMs: e.DESKQL_WEBHOOK_RETRY_MAX_MS,
    webhookMaxFailures: e.DESKQL_WEBHOOK_MAX_FAILURES,
    webhookFailureWindowMs: e.DESKQL_WEBHOOK_FAILURE_WINDOW_MS,
    webhookLeaseMs: e.DESKQL_WEBHOOK_LEASE_MS,
    webhookPollMs: e.DESKQL_WEBHOOK_POLL_MS,
    webhookMaxPending: e.DESKQL_WEBHOOK_MAX_PENDING,
  };
  return { ok: true, config: Object.freeze(config) };
}

/** Test and script helper: a config from explicit overrides on top of defaults. */
export function configFrom(env: NodeJS.ProcessEnv): Config {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(`invalid config: ${result.problems.join('; ')}`);
  return result.config;
}
