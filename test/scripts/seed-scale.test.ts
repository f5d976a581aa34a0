import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countsByCountStar, countsThroughApi } from '../queues/support';
import { testDatabase, type TestDatabase } from '../support/database';
import { runScript, shown as show, type ScriptRun } from '../support/scripts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server';
import { openTicket } from '../support/tickets';

// `npm run seed -- --tickets N` as run from the shell: the real script in a child process on a
// fresh database, then the real server on that data, read through GraphQL only.
const DEMO_PASSWORD = 'demo-password-123';
const N = 3000;
const runSeed = (args: string[], env: Record<string, string>) =>
  runScript('seed.ts', args, { env: { DESKQL_ADMIN_EMAIL: ADMIN_EMAIL, DESKQL_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env }, timeoutMs: 170_000 });

describe(`npm run seed -- --tickets ${N}`, () => {
  let dataDir: string | null = null;
  let db: TestDatabase | null = null;
  let env: Record<string, string>;
  let t: TestServer | null = null;
  let seeded: ScriptRun;

  beforeAll(async () => {
    if (process.env.DATABASE_URL) {
      db = await testDatabase();
      env = db.env;
    } else {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-seed-scale-'));
      env = { DESKQL_DATA_DIR: dataDir };
    }
    seeded = await runSeed(['--tickets', String(N)], env);
    if (seeded.code === 0) t = await startTestServer(env);
  }, 180_000);

  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await db?.drop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('seeds, checks its counters and vacuums', () => {
    expect(seeded.code, show(seeded)).toBe(0);
    expect(seeded.stdout).toContain('queue counters match a plain count of the tickets');
    expect(seeded.stdout).toContain(`${N} tickets seeded (numbers from 1000000`);
  });

  it('serves every queue count equal to count(*) of its predicate, for an admin and department agents', { timeout: 60_000 }, async () => {
    const server = t!;
    const viewers = [
      await server.login(ADMIN_EMAIL, ADMIN_PASSWORD),
      await server.login('carol@demo.deskql.test', DEMO_PASSWORD), // Sales only
      await server.login('grace@demo.deskql.test', DEMO_PASSWORD), // Sales, plus Billing and IT access
      await server.login('frank@demo.deskql.test', DEMO_PASSWORD), // assigned tickets only, Night shift team
    ];
    const totals: number[] = [];
    for (const token of viewers) {
      const me = await server.gql<{ viewer: { id: string } }, unknown>('{ viewer { ... on Agent { id } } }', {}, { token });
      const api = await countsThroughApi(server, token);
      expect(api).toEqual(await countsByCountStar(server.em(), me.data!.viewer.id));
      totals.push(api.open! + api.closed!);
    }
    // The distributions the seed promises, so a seed that wrote nothing (or only one state) fails here.
    const admin = await countsThroughApi(server, viewers[0]!);
    expect(admin.open! + admin.closed!).toBe(N);
    expect(admin.open!).toBeGreaterThan(N * 0.2);
    expect(admin.open!).toBeLessThan(N * 0.3);
    expect(admin['open.overdue']!).toBeGreaterThan(0);
    expect(admin['open.answered']!).toBeGreaterThan(0);
    expect(admin.unassigned!).toBeGreaterThan(0);
    expect(totals[1]!).toBeGreaterThan(0);
    expect(totals[1]!).toBeLessThan(N);
  });

  it('pages and searches the seeded tickets', { timeout: 60_000 }, async () => {
    const server = t!;
    const token = await server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    type Page = { tickets: { totalCount: number; pageInfo: { endCursor: string | null; hasNextPage: boolean }; edges: { node: { number: string; subject: string; state: string; collaborators: { user: { name: string } }[] } }[] } };
    const doc = `query ($after: String) { tickets(first: 100, after: $after, search: { states: [CLOSED] }) {
      totalCount pageInfo { endCursor hasNextPage } edges { node { number subject state collaborators { user { name } } } } } }`;
    const seen = new Set<string>();
    let after: string | null = null;
    let total = 0;
    for (let page = 0; page < 3; page++) {
      const res: { data?: Page | null; errors?: unknown } = await server.gql<Page, { after: string | null }>(doc, { after }, { token });
      expect(res.errors).toBeUndefined();
      const c: Page['tickets'] = res.data!.tickets;
      total = c.totalCount;
      expect(c.edges).toHaveLength(100);
      for (const e of c.edges) {
        expect(e.node.state).toBe('CLOSED');
        expect(e.node.number).toMatch(/^\d{7}$/);
        seen.add(e.node.number);
      }
      expect(c.pageInfo.hasNextPage).toBe(true);
      after = c.pageInfo.endCursor;
    }
    expect(seen.size).toBe(300);
    const counts = await countsThroughApi(server, token);
    expect(total).toBe(counts.closed);

    const found = await server.gql<Page, unknown>('{ tickets(first: 100, search: { text: "ticket 42" }) { totalCount edges { node { number subject } } } }', {}, { token });
    expect(found.errors).toBeUndefined();
    const subjects = found.data!.tickets.edges.map((e) => e.node.subject);
    expect(subjects.some((s) => s.startsWith('Seeded ticket 42:'))).toBe(true);
    for (const s of subjects) expect(s.toLowerCase()).toContain('ticket 42');
    expect(found.data!.tickets.totalCount).toBe(subjects.length); // 42, 420–429, 4200–4299 above N: 11 here
  });

  it('gives a ticket opened afterwards a fresh number of its own', { timeout: 60_000 }, async () => {
    const server = t!;
    const token = await server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const opened = await openTicket(server, token, { subject: 'After the seed', owner: { email: 'late@example.com', name: 'Late Comer' } });
    const number = (opened as { ticket: { number: string } }).ticket.number;
    expect(number).toMatch(/^\d{6}$/);
    const res = await server.gql<{ tickets: { totalCount: number; edges: { node: { subject: string } }[] } }, unknown>(
      `{ tickets(search: { text: "${number}" }) { totalCount edges { node { subject } } } }`,
      {},
      { token },
    );
    expect(res.data!.tickets.edges.map((e) => e.node.subject)).toContain('After the seed');
    const counts = await countsThroughApi(server, token);
    expect(counts.open! + counts.closed!).toBe(N + 1);
  });
});
