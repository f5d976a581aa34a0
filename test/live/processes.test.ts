import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { EventStreamDocument, QueueUpdatesDocument } from '../__generated__/graphql';
import { testDatabase } from '../support/database';
import { login, post, spawnServer, terminate, type Proc } from '../support/processes';
import { collect } from '../support/subscriptions';

// Live updates across real server processes (`node -r @swc-node/register src/main.ts`,
// as `npm start` runs it): between two processes sharing one PostgreSQL, and
// across a crash (SIGKILL) and restart, resumed with the last cursor.
const OPEN = 'mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id } userErrors { code message } } }';
const REPLY = 'mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { ticket { id } userErrors { code message } } }';

async function openTicket(url: string, token: string, subject: string): Promise<string> {
  const res = await post<{ openTicket: { ticket: { id: string } | null; userErrors: unknown[] } }>(
    url,
    OPEN,
    { input: { subject, body: 'x', owner: { email: 'owner@customer.test' } } },
    token,
  );
  const id = res.data?.openTicket.ticket?.id;
  if (!id) throw new Error(`openTicket failed: ${JSON.stringify(res)}`);
  return id;
}

async function reply(url: string, token: string, ticketId: string, body: string): Promise<void> {
  const res = await post<{ replyToTicket: { ticket: { id: string } | null; userErrors: unknown[] } }>(url, REPLY, { input: { ticketId, body } }, token);
  if (!res.data?.replyToTicket.ticket) throw new Error(`replyToTicket failed: ${JSON.stringify(res)}`);
}

function wsClient(p: Proc, token: string): WsClient {
  return createClient({
    url: p.wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    onNonLazyError: () => {},
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
}

/** The stream cursor is base64url("seq:<n>"); the node id base64url("TicketEvent:<id>"). */
const seqOf = (cursor: string) => Number(/^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))![1]);
const keyOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A subscription without a cursor starts "now", once the server has set it up;
 * graphql-ws does not say when that is. So: open warm-up tickets until every
 * subscriber has heard the latest one; from then on they are all live.
 */
async function warmUp(subs: { errors: unknown[]; heard: (ticketId: string) => boolean }[], open: () => Promise<string>): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  const opened: string[] = [];
  for (;;) {
    const ticketId = await open();
    opened.push(ticketId);
    for (const until = Date.now() + 1_000; Date.now() < until; await sleep(50)) {
      const failed = subs.find((s) => s.errors.length > 0);
      if (failed) throw new Error(`subscription failed: ${JSON.stringify(failed.errors)}`);
      if (subs.every((s) => s.heard(ticketId))) return opened;
    }
    if (Date.now() > deadline) throw new Error('the subscriptions did not go live in 30 s');
  }
}

describe.runIf(process.env.DATABASE_URL)('two server processes on one PostgreSQL', () => {
  it('a change made through one reaches a subscriber on the other (LISTEN/NOTIFY)', async () => {
    const db = await testDatabase();
    // A long backstop poll: within the test's waits only NOTIFY can carry the change across.
    const slowPoll = { DESKQL_EVENT_POLL_MS: '60000' };
    let bStarted: number;
    let a: Proc | undefined;
    let b: Proc | undefined;
    let client: WsClient | undefined;
    try {
      // One after the other, as a rolling start: the first migrates the fresh database.
      a = await spawnServer(db.env, slowPoll);
      bStarted = Date.now();
      b = await spawnServer(db.env, slowPoll);
      const token = await login(a.url);

      client = wsClient(b, token);
      const queues = collect(client, QueueUpdatesDocument, {});
      const events = collect(client, EventStreamDocument, {});
      const about = (ticketId: string) => ({
        queues: queues.items.filter((u) => u.queueUpdates.ticket?.id === ticketId).map((u) => u.queueUpdates),
        events: events.items.filter((e) => e.ticketEvents.node.ticket?.id === ticketId).map((e) => e.ticketEvents.node),
      });
      // Warm-up tickets through A until B's subscribers hear one (this already crosses processes).
      await warmUp(
        [
          { errors: queues.errors, heard: (id) => about(id).queues.some((u) => u.queue.key === 'open') },
          { errors: events.errors, heard: (id) => about(id).events.length > 0 },
        ],
        () => openTicket(a!.url, token, 'Warm-up'),
      );

      const countOf = async (key: string) => {
        const res = await post<{ queues: { key: string | null; count: number }[] }>(b!.url, '{ queues { key count } }', {}, token);
        return res.data!.queues.find((q) => q.key === key)!.count;
      };
      const openBefore = await countOf('open');

      const started = Date.now();
      const ticketId = await openTicket(a.url, token, 'Through A');
      // B's first 60 s poll has not run yet (asserted below): only NOTIFY can deliver this.
      await events.until(() => about(ticketId).events.length > 0, 20_000);
      await queues.until(() => about(ticketId).queues.some((u) => u.queue.key === 'open'), 20_000);
      const latency = Date.now() - started;
      const openNow = await countOf('open');
      // nothing else about it arrives before a later ticket's payloads (delivery is ordered)
      const barrier = await openTicket(a.url, token, 'Barrier');
      await events.until(() => about(barrier).events.length > 0, 20_000);
      await queues.until(() => about(barrier).queues.length > 0, 20_000);

      const mine = about(ticketId);
      const open = mine.queues.filter((u) => u.queue.key === 'open');
      expect(open.map((u) => u.change)).toEqual(['ENTERED']);
      expect(open[0]!.count).toBe(openBefore + 1);
      expect(open[0]!.count).toBe(openNow);
      expect(mine.queues.map((u) => `${u.queue.key} ${u.change}`).sort()).toEqual(['open ENTERED', 'open.unanswered ENTERED', 'unassigned ENTERED']);
      expect(mine.events.map((e) => e.kind)).toEqual(['CREATED']);
      expect(queues.errors).toEqual([]);
      expect(events.errors).toEqual([]);
      expect(Date.now() - bStarted, "delivered before B's first 60 s poll could run").toBeLessThan(60_000);
      console.info(`[two processes] A's change reached B's subscriber in ${latency} ms`);
      queues.stop();
      events.stop();
    } finally {
      await client?.dispose();
      const codes = await Promise.all([terminate(a), terminate(b)]);
      await db.drop();
      expect(codes).toEqual([0, 0]);
    }
  }, 90_000);

  it("an admin's change of reference data through one reaches the other's cache (issue 10)", async () => {
    const db = await testDatabase();
    let a: Proc | undefined;
    let b: Proc | undefined;
    try {
      a = await spawnServer(db.env);
      b = await spawnServer(db.env);
      const token = await login(a.url);
      const OPEN_PRIORITY = 'mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { priority { name } } userErrors { code message } } }';
      const openOnB = async () => {
        const res = await post<{ openTicket: { ticket: { priority: { name: string } } | null } }>(
          b!.url,
          OPEN_PRIORITY,
          { input: { subject: 'VIP printer', body: 'x', owner: { email: 'owner@customer.test' } } },
          token,
        );
        return res.data!.openTicket.ticket!.priority.name;
      };
      // B reads (and caches) the filters and priorities: none matches yet.
      expect(await openOnB()).toBe('Normal');
      const priorities = await post<{ priorities: { id: string; name: string }[] }>(a.url, '{ priorities { id name } }', {}, token);
      const emergency = priorities.data!.priorities.find((p) => p.name === 'Emergency')!.id;
      const created = await post<{ createTicketFilter: { userErrors: unknown[] } }>(
        a.url,
        'mutation($input: CreateTicketFilterInput!) { createTicketFilter(input: $input) { userErrors { message } } }',
        { input: { name: 'VIP', rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'VIP' }], actions: { priorityId: emergency } } },
        token,
      );
      expect(created.data!.createTicketFilter.userErrors).toEqual([]);
      // The NOTIFY arrives at B some milliseconds after A's commit: B's cache has no expiry, so without it
      // every ticket below would stay Normal.
      const seen: string[] = [];
      for (const until = Date.now() + 10_000; Date.now() < until && seen.at(-1) !== 'Emergency'; await sleep(20)) seen.push(await openOnB());
      expect(seen.at(-1)).toBe('Emergency');
    } finally {
      const codes = await Promise.all([terminate(a), terminate(b)]);
      await db.drop();
      expect(codes).toEqual([0, 0]);
    }
  }, 90_000);
});

describe('a server process killed while events flow', () => {
  it('a client resuming with its last cursor on a restarted server receives every committed event exactly once, in order', async () => {
    const pgUrl = process.env.DATABASE_URL;
    const db = pgUrl ? await testDatabase() : null;
    const dataDir = pgUrl ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-crash-'));
    const dbEnv = db ? db.env : { DESKQL_DATA_DIR: dataDir! };
    let first: Proc | undefined;
    let second: Proc | undefined;
    const clients: WsClient[] = [];
    try {
      first = await spawnServer(dbEnv);
      const token = await login(first.url);

      // A subscriber from "now": it records cursor and node of everything pushed.
      const c1 = wsClient(first, token);
      clients.push(c1);
      const live = collect(c1, EventStreamDocument, {});
      // A second one drops out early (a client that lost its network): its resume spans many
      // events, replayed from the table, across the crash.
      const early = collect(c1, EventStreamDocument, {});
      const heard = (sub: typeof live) => ({
        errors: sub.errors,
        heard: (id: string) => sub.items.some((e) => e.ticketEvents.node.ticket?.id === id),
      });
      const warmUps = await warmUp([heard(live), heard(early)], () => openTicket(first!.url, token, 'Warm-up'));

      // Writers keep changing tickets until the server dies under them.
      let stop = false;
      let failures = 0;
      const acked = { opened: [] as string[], replies: new Map<string, number>() };
      const writer = async (n: number) => {
        for (let i = 0; !stop; i++) {
          try {
            const id = await openTicket(first!.url, token, `Crash ${n}.${i}`);
            acked.opened.push(id);
            for (let r = 0; r < 2 && !stop; r++) {
              await reply(first!.url, token, id, `reply ${r}`);
              acked.replies.set(id, (acked.replies.get(id) ?? 0) + 1);
            }
          } catch {
            failures++;
            return;
          }
        }
      };
      const writers = [writer(1), writer(2), writer(3)];
      await early.until((items) => items.length >= 4, 20_000);
      early.stop();
      // A plain wait with a purpose: the writers run on, so the early client's resume spans many
      // events (the line below makes sure of at least five past it); it asserts nothing by itself.
      await sleep(1_000);
      await live.until((items) => items.length >= early.items.length + 5, 20_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull(); // killed by the signal, no exit code
      expect(first.child.signalCode).toBe('SIGKILL');
      stop = true;
      await Promise.all(writers);
      await Promise.race([live.done, sleep(10_000).then(() => Promise.reject(new Error('the subscription did not end with the process')))]);
      expect(failures).toBeGreaterThan(0); // the kill landed while writes were in flight

      type Seen = { seq: number; id: string };
      const seen = (items: typeof live.items): Seen[] => items.map((e) => ({ seq: seqOf(e.ticketEvents.cursor), id: keyOf(e.ticketEvents.node.id) }));
      const before = seen(live.items);
      const beforeEarly = seen(early.items);

      // Restart on the same data (for PGlite only once the killed process is gone: it has exited above).
      second = await spawnServer(dbEnv);
      const token2 = await login(second.url);
      const c2 = wsClient(second, token2);
      clients.push(c2);
      const resumed = collect(c2, EventStreamDocument, { after: live.items.at(-1)!.ticketEvents.cursor });
      const resumedEarly = collect(c2, EventStreamDocument, { after: early.items.at(-1)!.ticketEvents.cursor });
      // Sentinels written after the restart: once one arrives, everything committed before it has too
      // (the stream is in seq order), so the comparison below is not a race. The second is the
      // barrier for "nothing else (no duplicate) arrives" after the first.
      for (const subject of ['Sentinel', 'Sentinel 2']) {
        const sentinel = await openTicket(second.url, token2, subject);
        for (const sub of [resumed, resumedEarly]) await sub.until((items) => items.some((e) => e.ticketEvents.node.ticket?.id === sentinel), 15_000);
      }
      expect(resumed.errors).toEqual([]);
      expect(resumedEarly.errors).toEqual([]);
      const after = seen(resumed.items);
      const afterEarly = seen(resumedEarly.items);
      resumed.stop();
      resumedEarly.stop();
      await Promise.all(clients.map((c) => c.dispose()));
      clients.length = 0;

      // What committed, read from the event table itself.
      let committed: { id: string; seq: number; ticket: number; kind: string }[];
      let unsequenced: number;
      if (db) {
        const pg = new PgClient({ connectionString: db.env.DATABASE_URL });
        await pg.connect();
        try {
          const rows = await pg.query<{ id: string; seq: string; ticket_id: number; kind: string }>(
            'select id, seq, ticket_id, kind from ticket_event where seq is not null order by seq',
          );
          committed = rows.rows.map((r) => ({ id: String(r.id), seq: Number(r.seq), ticket: r.ticket_id, kind: r.kind }));
          unsequenced = Number((await pg.query<{ n: string }>('select count(*) as n from ticket_event where seq is null')).rows[0]!.n);
        } finally {
          await pg.end();
        }
        expect(await terminate(second)).toBe(0);
      } else {
        // PGlite is single-process: stop the server, then open its folder here.
        expect(await terminate(second)).toBe(0);
        const lite = new PGlite(path.join(dataDir!, 'db'));
        try {
          const rows = await lite.query<{ id: string | number; seq: string | number; ticket_id: number; kind: string }>(
            'select id, seq, ticket_id, kind from ticket_event where seq is not null order by seq',
          );
          committed = rows.rows.map((r) => ({ id: String(r.id), seq: Number(r.seq), ticket: r.ticket_id, kind: r.kind }));
          unsequenced = Number((await lite.query<{ n: string | number }>('select count(*) as n from ticket_event where seq is null')).rows[0]!.n);
        } finally {
          await lite.close();
        }
      }

      // Every committed event exactly once, in seq order: before the kill (or the drop-out), then after the resume.
      // The database is fresh; each subscriber is accountable from its first event on, and what it
      // missed before going live can only be about warm-up tickets.
      expect(unsequenced).toBe(0);
      const warmUpKeys = new Set(warmUps.map(keyOf).map(Number));
      for (const received of [[...before, ...after], [...beforeEarly, ...afterEarly]]) {
        const seqs = received.map((e) => e.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(new Set(seqs).size).toBe(seqs.length);
        const from = received[0]!.seq;
        expect(committed.filter((e) => e.seq < from).every((e) => warmUpKeys.has(e.ticket))).toBe(true);
        expect(received).toEqual(committed.filter((e) => e.seq >= from).map(({ seq, id }) => ({ seq, id })));
      }
      expect(afterEarly.length).toBeGreaterThan(after.length); // the replay spanned the crash

      // Every write the killed server acknowledged survived the crash.
      const ticketKey = (gid: string) => Number(keyOf(gid));
      for (const id of acked.opened) expect(committed.some((e) => e.ticket === ticketKey(id) && e.kind === 'CREATED'), id).toBe(true);
      for (const [id, n] of acked.replies) {
        expect(committed.filter((e) => e.ticket === ticketKey(id) && e.kind === 'RESPONSE').length, id).toBeGreaterThanOrEqual(n);
      }
      console.info(
        `[crash test on ${db ? 'PostgreSQL' : 'PGlite'}] received before kill ${before.length}, after resume ${after.length}; ` +
          `early drop-out ${beforeEarly.length} + ${afterEarly.length}; ` +
          `committed ${committed.length}, acknowledged opens ${acked.opened.length}, failed writers ${failures}`,
      );
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
      if (first && first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      await terminate(second);
      await db?.drop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
