import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../support/database';
import { login, post, spawnServer, terminate, type Proc } from '../support/processes';
import { startReceiver, type Receiver } from './receiver';

// Webhooks across real server processes (issue 12): a process killed with
// SIGKILL in the middle of a delivery, and two processes sharing one
// PostgreSQL, each delivery made by one of them.

const WEBHOOK_ENV = { DESKQL_WEBHOOK_ALLOW_PRIVATE: '1', DESKQL_WEBHOOK_LEASE_MS: '1000', DESKQL_WEBHOOK_POLL_MS: '200', DESKQL_WEBHOOK_RETRY_MS: '100' };
const CREATE = 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } secret userErrors { message } } }';
const DELIVERIES = 'query($id: ID!) { node(id: $id) { ... on Webhook { deliveries(first: 100) { edges { node { id status attempts } } } } } }';
const OPEN = 'mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id } userErrors { message } } }';
const DOC = 'subscription { ticketEvents { node { kind ticket { subject } } } }';

async function createHook(p: Proc, token: string, url: string): Promise<string> {
  const me = await post<{ viewer: { id: string } }>(p.url, '{ viewer { id } }', {}, token);
  const res = await post<{ createWebhook: { webhook: { id: string } | null; userErrors: unknown[] } }>(
    p.url,
    CREATE,
    { input: { name: 'Crash', url, document: DOC, actAsAgentId: me.data!.viewer.id } },
    token,
  );
  const id = res.data?.createWebhook.webhook?.id;
  if (!id) throw new Error(`createWebhook failed: ${JSON.stringify(res)}`);
  return id;
}

async function open(p: Proc, token: string, subject: string): Promise<void> {
  const res = await post<{ openTicket: { ticket: { id: string } | null } }>(p.url, OPEN, { input: { subject, body: 'x', owner: { email: 'owner@customer.test' } } }, token);
  if (!res.data?.openTicket.ticket) throw new Error(`openTicket failed: ${JSON.stringify(res)}`);
}

const subjectOf = (body: string) => (JSON.parse(body) as { data: { ticketEvents: { node: { ticket: { subject: string } } } } }).data.ticketEvents.node.ticket.subject;

describe('a server process killed in the middle of a delivery', () => {
  it('ends with the delivery made, by the process that takes over once the lease runs out', async () => {
    const pgUrl = process.env.DATABASE_URL;
    const db = pgUrl ? await testDatabase() : null;
    const dataDir = pgUrl ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-webhook-crash-'));
    const dbEnv = db ? db.env : { DESKQL_DATA_DIR: dataDir! };
    let first: Proc | undefined;
    let second: Proc | undefined;
    let rx: Receiver | undefined;
    try {
      rx = await startReceiver('/crash');
      // The first attempt is held open (the receiver answers only after a minute): the process dies meanwhile.
      let holding = true;
      rx.answer = () => (holding ? { status: 204, delayMs: 60_000 } : { status: 204 });
      first = await spawnServer(dbEnv, WEBHOOK_ENV);
      const token = await login(first.url);
      const hook = await createHook(first, token, rx.url);
      await open(first, token, 'In flight');
      await rx.until((r) => r.length >= 1);
      holding = false;
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();

      second = await spawnServer(dbEnv, WEBHOOK_ENV);
      const got = await rx.until((r) => r.length >= 2, 30_000);
      expect(got[1]!.id).toBe(got[0]!.id);
      expect(got[1]!.body).toBe(got[0]!.body);
      expect(subjectOf(got[1]!.body)).toBe('In flight');
      const token2 = await login(second.url);
      let status = '';
      for (const deadline = Date.now() + 20_000; status !== 'DELIVERED' && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        const res = await post<{ node: { deliveries: { edges: { node: { status: string } }[] } } }>(second.url, DELIVERIES, { id: hook }, token2);
        status = res.data!.node.deliveries.edges[0]!.node.status;
      }
      expect(status).toBe('DELIVERED');
    } finally {
      await terminate(first);
      const code = await terminate(second);
      await rx?.stop();
      await db?.drop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      expect(code).toBe(0);
    }
  }, 120_000);
});

describe.runIf(process.env.DATABASE_URL)('two server processes on one PostgreSQL', () => {
  it('deliver every delivery once, each webhook in order', async () => {
    const db = await testDatabase();
    let a: Proc | undefined;
    let b: Proc | undefined;
    const rx = await startReceiver('/two');
    try {
      a = await spawnServer(db.env, WEBHOOK_ENV);
      b = await spawnServer(db.env, WEBHOOK_ENV);
      const token = await login(a.url);
      const hooks = 6;
      for (let i = 0; i < hooks; i++) await createHook(i % 2 ? b : a, token, `${rx.url}?h=${i}`);
      const subjects = Array.from({ length: 12 }, (_, i) => `Two ${i}`);
      for (const [i, s] of subjects.entries()) await open(i % 2 ? b : a, token, s);
      await rx.until((r) => r.length >= hooks * subjects.length, 30_000);
      expect(rx.unique().length).toBe(rx.received.length);
      for (let i = 0; i < hooks; i++) {
        expect(rx.received.filter((r) => r.path.endsWith(`?h=${i}`)).map((r) => subjectOf(r.body))).toEqual(subjects);
      }
      const owners = await post<{ webhooks: { id: string }[] }>(a.url, '{ webhooks { id } }', {}, token);
      expect(owners.data!.webhooks).toHaveLength(hooks);
    } finally {
      const codes = await Promise.all([terminate(a), terminate(b)]);
      await rx.stop();
      await db.drop();
      expect(codes).toEqual([0, 0]);
    }
  }, 120_000);
});
