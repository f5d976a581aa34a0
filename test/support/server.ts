import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { configFrom, type Config } from '../../src/config';
import { createLogger } from '../../src/common/logger';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/app';
import { testDatabase, type TestDatabase } from './database';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  headers: Headers;
}

export interface TestServer {
  url: string;
  wsUrl: string;
  server: RunningServer;
  config: Config;
  /** A fork of the server's EntityManager, for checking what the database holds. */
  em(): RunningServer['db']['orm']['em'];
  /** Runs a typed operation over HTTP. */
  gql<TData, TVars>(
    doc: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
    options?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<TData>>;
  /** Logs in and returns the bearer token (throws on failure). */
  login(email: string, password: string): Promise<string>;
  adminToken(): Promise<string>;
  /** Runs `work` and returns the SQL statements the server sent meanwhile (run nothing else concurrently). */
  sqlDuring(work: () => Promise<unknown>): Promise<string[]>;
  /** A graphql-ws client; closed when the server is. */
  ws(connectionParams?: Record<string, unknown>): Client;
  close(): Promise<void>;
}

/**
 * The statements an operation itself sent: without what runs in the
 * background meanwhile (the event dispatcher's backstop poll, the OVERDUE
 * scheduler's next-due lookup, a token's once-a-minute lastUsedAt write, the
 * queue counters' compaction).
 */
export function foregroundSql(statements: string[]): string[] {
  return statements.filter((q) => !/update "auth_token"|where seq > |min\(due_at\)|max\(seq\)|imap poll|delete from queue_count_|vacuum queue_count_|update webhook set lease_owner|from webhook where lease_owner/.test(q));
}

/** A real DeskQL server on a free loopback port, with its own database. */
export async function startTestServer(env: Record<string, string> = {}, options: Pick<ServerOptions, 'resolveHost'> = {}): Promise<TestServer> {
  const db: TestDatabase = await testDatabase();
  const config = configFrom({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DESKQL_ADMIN_EMAIL: ADMIN_EMAIL,
    DESKQL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // The periodic WebSocket access check (test/live/access.test.ts sets its own) stays out of
    // statement counts; checks after logouts and admin commands still run.
    DESKQL_WS_ACCESS_CHECK_MS: '3600000',
    ...db.env,
    ...env,
  });
  const statements: string[] = [];
  const server = await startServer(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), { ...options, onQuery: (sql) => statements.push(sql) });
  const clients: Client[] = [];
  const url = server.url.replace('localhost', '127.0.0.1');
  let admin: string | null = null;

  const gql: TestServer['gql'] = async (doc, variables, options = {}) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    };
    const query = typeof doc === 'string' ? doc : print(doc);
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as Omit<GraphQLResponse<never>, 'status' | 'headers'>;
    return { ...body, status: res.status, headers: res.headers };
  };

  const login = async (email: string, password: string) => {
    const res = await gql<{ login: { token: string | null; userErrors: unknown[] } }, unknown>(
      'mutation($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { token userErrors { code message } } }',
      { email, password },
    );
    const token = res.data?.login.token;
    if (!token) throw new Error(`login failed for ${email}: ${JSON.stringify(res)}`);
    return token;
  };

  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    server,
    config,
    em: () => server.db.orm.em.fork(),
    gql,
    login,
    adminToken: async () => (admin ??= await login(ADMIN_EMAIL, ADMIN_PASSWORD)),
    sqlDuring: async (work) => {
      const start = statements.length;
      await work();
      return statements.slice(start);
    },
    ws: (connectionParams) => {
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        lazy: false,
        // close codes are asserted through the 'closed' event; keep the console quiet
        onNonLazyError: () => {},
        retryAttempts: 0,
        ...(connectionParams ? { connectionParams } : {}),
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.dispose()));
      await server.close();
      await db.drop();
    },
  };
}

/** Collects the first result of an operation run over graphql-ws. */
export function wsResult<T = unknown>(client: Client, query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  return new Promise((resolve, reject) => {
    let result: unknown;
    client.subscribe(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (value) => {
          result = value;
        },
        error: (error) => {
          if (Array.isArray(error)) resolve({ errors: error });
          else reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => resolve(result as never),
      },
    );
  });
}
