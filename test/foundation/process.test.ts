import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnEntry, type Proc } from '../support/processes';

// `npm start` as a newcomer runs it: the real entry point in a child process,
// on the embedded database in a data folder.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-process-'));
const children: ChildProcess[] = [];
afterAll(() => {
  // a failed test must not leave a server behind
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` on the data folder, with no admin password set (the server prints the one it makes). */
function start(): Promise<Proc> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', DESKQL_DATA_DIR: dataDir, NODE_ENV: 'development', DESKQL_LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.DESKQL_ADMIN_PASSWORD;
  // generous: the suite may share the machine with other work (a first start takes ~2-7 s)
  return spawnEntry(env, (child) => children.push(child));
}

async function post<T = unknown>(url: string, query: string, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: T; errors?: unknown[] };
}

describe('the server process', () => {
  let password = '';

  it('prints the first admin login once, serves /healthz, and drains on SIGTERM', { timeout: 120_000 }, async () => {
    const s = await start();
    // wait for the "First admin created" block, printed right after the ready line
    await expect.poll(() => /password: (\S+)/.exec(s.output())?.[1], { timeout: 5000 }).toBeTruthy();
    password = /password: (\S+)/.exec(s.output())![1]!;
    expect(s.output()).toContain('email:    admin@example.com');
    const consoleUrl = /Agent console: (\S+)/.exec(s.output())?.[1];
    expect(consoleUrl).toBe(s.url.replace(/\/graphql$/, '/console/'));
    expect((await fetch(consoleUrl!)).status).toBe(200);
    expect((await fetch(s.url.replace('/graphql', '/healthz'))).status).toBe(200);

    const login = await post<{ login: { token: string } }>(s.url, `mutation { login(input: { email: "admin@example.com", password: "${password}" }) { token } }`);
    const token = login.data!.login.token;
    const created = await post<{ createDepartment: { userErrors: unknown[] } }>(s.url, 'mutation { createDepartment(input: { name: "Persisted" }) { department { id } userErrors { code } } }', token);
    expect(created.data!.createDepartment.userErrors).toEqual([]);

    // a subscriber's socket gets a close frame; an in-flight request (a slowed login) still gets its answer
    const closed = new Promise<number>((resolve) => {
      const client = createClient({ url: s.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: false, onNonLazyError: () => {}, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      client.on('connected', () => connected());
      client.on('closed', (event) => resolve((event as { code: number }).code));
    });
    let connected!: () => void;
    await new Promise<void>((resolve) => (connected = resolve));
    for (let i = 0; i < 4; i++) await post(s.url, 'mutation { login(input: { email: "x@example.com", password: "wrong-password" }) { token } }');
    const inFlight = post<{ login: { userErrors: unknown[] } }>(s.url, 'mutation { login(input: { email: "x@example.com", password: "wrong-password" }) { userErrors { code } } }');
    // a plain wait with a purpose: the login reaches the server before the signal; slowed by the
    // earlier failures (250 ms or more), it is still being answered when the signal comes
    await new Promise((r) => setTimeout(r, 50));
    s.child.kill('SIGTERM');
    expect((await inFlight).data!.login.userErrors).toEqual([{ code: 'BAD_USER_INPUT' }]);
    expect(await closed).toBe(1001);
    expect(await s.exited).toBe(0);
  });

  it('keeps the data across a restart and does not print the admin again', { timeout: 120_000 }, async () => {
    const s = await start();
    try {
      const login = await post<{ login: { token: string } }>(s.url, `mutation { login(input: { email: "admin@example.com", password: "${password}" }) { token } }`);
      const token = login.data!.login.token;
      expect(token).toBeTruthy();
      const depts = await post<{ departments: { name: string }[] }>(s.url, '{ departments { name } }', token);
      expect(depts.data!.departments.map((d) => d.name)).toContain('Persisted');
      expect(s.output()).not.toContain('First admin created');
    } finally {
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    }
  });
});
