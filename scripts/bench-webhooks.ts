/**
 * Webhook delivery against a real server process (`src/main.ts` on a free
 * port) and a local receiver in this process: `npm run bench:webhooks`.
 * For 1 and 10 webhooks (each a `ticketEvents` document):
 *
 * - drain: N tickets are opened while the webhooks are off, then the webhooks
 *   are turned on; deliveries/s is everything they made and sent (documents
 *   executed, rows written, signed POSTs, results recorded) over the time to
 *   the last arrival;
 * - latency: tickets opened one after another while the webhooks are on;
 *   commit-to-delivery is the receiver's arrival time minus the event's
 *   `createdAt` (written in the committing transaction), p50/p99.
 *
 * Beside them, in the same run and to the same receiver, the floor: a plain
 * loop of Standard-Webhooks-signed POSTs of a body of the same size, one loop
 * per webhook, over keep-alive connections. Prints the machine's load average;
 * asserts nothing.
 *
 *   npm run bench:webhooks                                   # embedded database (a fresh temp folder)
 *   npm run bench:webhooks -- --database-url postgresql://u:p@127.0.0.1:5432/postgres
 *   options: --tickets 300 --latency-tickets 100
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Webhook as Signer } from 'standardwebhooks';
import { benchGql as gql, benchOption as option, spawnBenchServer } from './bench-server';

const ROOT = path.resolve(__dirname, '..');
const PASSWORD = 'bench-admin-password';

const databaseUrl = option('database-url', '');
const TICKETS = Number(option('tickets', '300'));
const LATENCY_TICKETS = Number(option('latency-tickets', '100'));
const DOCUMENT = 'subscription { ticketEvents { cursor node { id kind createdAt ticket { id number subject status { name } } } } }';

interface Arrival {
  hook: string;
  at: number;
  body: string;
}

/** The receiver: answers 204 at once and records what arrived. */
async function startReceiver(): Promise<{ port: number; arrivals: Arrival[]; waitFor: (n: number, ms: number) => Promise<void>; close: () => Promise<void> }> {
  const arrivals: Arrival[] = [];
  let waiter: { n: number; resolve: () => void } | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrivals.push({ hook: req.url ?? '', at: Date.now(), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
      if (waiter && arrivals.length >= waiter.n) waiter.resolve();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arrivals,
    waitFor: (n, ms) =>
      new Promise((resolve, reject) => {
        if (arrivals.length >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`only ${arrivals.length} of ${n} deliveries arrived in ${ms / 1000} s`)), ms);
        waiter = { n, resolve: () => (clearTimeout(timer), (waiter = null), resolve()) };
      }),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** The floor: `loops` sequential loops of signed POSTs, `total` in all, to the receiver. */
async function floor(port: number, loops: number, total: number, body: string): Promise<{ perSecond: number; p50: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: loops });
  const signer = new Signer(`whsec_${randomBytes(24).toString('base64')}`);
  const times: number[] = [];
  let sent = 0;
  const started = performance.now();
  const loop = async (n: number) => {
    while (sent < total) {
      sent++;
      const id = `msg_${n}_${sent}`;
      const at = new Date();
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: `/floor?${n}`,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign(id, at, body) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve());
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      times.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: loops }, (_, n) => loop(n)));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  times.sort((a, b) => a - b);
  return { perSecond: total / seconds, p50: pct(times, 50), p99: pct(times, 99) };
}

async function main(): Promise<void> {
  let dbName: string | null = null;
  let dataDir: string | null = null;
  const env: Record<string, string> = {};
  if (databaseUrl) {
    dbName = `deskql_bench_webhooks_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database "${dbName}"`);
    await admin.end();
    const u = new URL(databaseUrl);
    u.pathname = `/${dbName}`;
    env.DATABASE_URL = u.toString();
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-bench-webhooks-'));
    env.DESKQL_DATA_DIR = dataDir;
  }
  const receiver = await startReceiver();
  const server = await spawnBenchServer(
    { ...process.env, NODE_ENV: 'production', DESKQL_LOG_LEVEL: 'info', DESKQL_ADMIN_PASSWORD: PASSWORD, DESKQL_WEBHOOK_ALLOW_PRIVATE: '1', DESKQL_WEBHOOK_POLL_MS: '1000', ...env },
    { root: ROOT, readyTimeoutMs: 60_000 },
  );
  try {
    const where = databaseUrl ? 'PostgreSQL' : 'embedded database (PGlite)';
    console.log(`webhooks, ${where}, node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`);
    const login = await gql<{ login: { token: string } }>(server.url, 'mutation($p: String!) { login(input: { email: "admin@example.com", password: $p }) { token } }', { p: PASSWORD });
    const token = login.login.token;
    const me = await gql<{ viewer: { id: string } }>(server.url, '{ viewer { id } }', {}, token);
    const openTicket = (subject: string) =>
      gql(server.url, 'mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id } userErrors { message } } }', { input: { subject, body: 'Bench body', owner: { email: `owner${subject.length % 50}@customer.test` } } }, token);
    const openMany = async (n: number, prefix: string, clients: number) => {
      let next = 0;
      await Promise.all(Array.from({ length: clients }, async () => { for (let i = next++; i < n; i = next++) await openTicket(`${prefix} ${i}`); }));
    };

    const rows: string[] = [];
    for (const hooks of [1, 10]) {
      const ids: string[] = [];
      for (let h = 0; h < hooks; h++) {
        const made = await gql<{ createWebhook: { webhook: { id: string } | null; userErrors: unknown[] } }>(
          server.url,
          'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } userErrors { message } } }',
          { input: { name: `Bench ${hooks}.${h}`, url: `http://127.0.0.1:${receiver.port}/hook?${hooks}.${h}`, document: DOCUMENT, actAsAgentId: me.viewer.id, isActive: false } },
          token,
        );
        ids.push(made.createWebhook.webhook!.id);
      }
      // Drain: the events are committed while the webhooks are off; turning them on starts the clock.
      const before = receiver.arrivals.length;
      await openMany(TICKETS, `Drain ${hooks}`, 4);
      const t0 = Date.now();
      for (const id of ids) await gql(server.url, 'mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { userErrors { message } } }', { input: { webhookId: id, isActive: true } }, token);
      // Each ticket makes one event, CREATED (no filters, no other writer: test/live/processes.test.ts asserts it).
      await receiver.waitFor(before + hooks * TICKETS, 600_000);
      const drained = receiver.arrivals.slice(before, before + hooks * TICKETS);
      const drainSeconds = (Math.max(...drained.map((a) => a.at)) - t0) / 1000;
      const perSecond = (hooks * TICKETS) / drainSeconds;
      const sample = drained[0]!.body;

      // Latency: one ticket at a time while the webhooks are on.
      const start = receiver.arrivals.length;
      for (let i = 0; i < LATENCY_TICKETS; i++) {
        await openTicket(`Latency ${hooks} ${i}`);
        await receiver.waitFor(start + (i + 1) * hooks, 60_000);
      }
      const latencies = receiver.arrivals
        .slice(start)
        .map((a) => a.at - new Date((JSON.parse(a.body) as { data: { ticketEvents: { node: { createdAt: string } } } }).data.ticketEvents.node.createdAt).getTime())
        .sort((a, b) => a - b);
      const f = await floor(receiver.port, hooks, hooks * TICKETS, sample);
      rows.push(
        `| ${hooks} | ${perSecond.toFixed(0)}/s (${hooks * TICKETS} in ${drainSeconds.toFixed(1)} s) | ${pct(latencies, 50).toFixed(0)} / ${pct(latencies, 99).toFixed(0)} ms | ${f.perSecond.toFixed(0)}/s, POST p50 ${f.p50.toFixed(2)} / p99 ${f.p99.toFixed(2)} ms | ${(perSecond / f.perSecond * 100).toFixed(1)}% |`,
      );
      for (const id of ids) await gql(server.url, 'mutation($input: DeleteInput!) { deleteWebhook(input: $input) { userErrors { message } } }', { input: { id } }, token);
    }
    console.log(`\nbody ${DOCUMENT.length} characters of document; ${TICKETS} tickets per drain, ${LATENCY_TICKETS} for latency\n`);
    console.log('| webhooks | deliveries/s (drain) | commit-to-delivery p50 / p99 | floor: signed POST loop, same receiver | ours / floor |');
    console.log('|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await server.stop();
    await receiver.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    if (dbName) {
      const admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`drop database if exists "${dbName}" with (force)`);
      await admin.end();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
