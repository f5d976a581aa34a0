import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClaimDocument,
  OpenTicketDocument,
  PostMessageDocument,
  QueueCountDocument,
  QueuesDocument,
  QueueUpdatesDocument,
  ReplyDocument,
  SetStatusDocument,
  EventStreamDocument,
  TicketUpdatesDocument,
  TransferDocument,
  UpdateTicketDocument,
} from '../__generated__/graphql';
import { foregroundSql, startTestServer, type TestServer } from '../support/server';
import { collect } from '../support/subscriptions';
import { buildWorld, type World } from '../support/world';

// Live queues through real graphql-ws clients: every pushed count must equal
// a fresh Queue.count, and other departments hear nothing.
let t: TestServer;
let w: World;

beforeAll(async () => {
  t = await startTestServer({ DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0' });
  w = await buildWorld(t);
});
afterAll(() => t?.close());

type Update = { queueUpdates: { change: string; count: number; queue: { id: string; key: string | null }; ticket: { id: string } | null } };

async function freshCounts(token: string): Promise<Map<string, number>> {
  const res = await t.gql(QueuesDocument, {}, { token });
  const map = new Map<string, number>();
  for (const q of res.data!.queues) {
    map.set(q.id, q.count);
    for (const c of q.children) map.set(c.id, c.count);
  }
  return map;
}

/** The changes one step produced, as `key change`, sorted. */
const changes = (updates: Update[]) => updates.map((u) => `${u.queueUpdates.queue.key} ${u.queueUpdates.change}`).sort();

describe('queueUpdates', () => {
  it('reports ENTERED/LEFT/CHANGED for each lifecycle step, with counts equal to a fresh Queue.count', async () => {
    const agent = t.ws({ authorization: `Bearer ${w.agents.full.token}` });
    const outsider = t.ws({ authorization: `Bearer ${w.agents.other.token}` });
    const sub = collect(agent, QueueUpdatesDocument, {});
    const silent = collect(outsider, QueueUpdatesDocument, {});
    await sub.settle(200);

    let seen = 0;
    const step = async (action: () => Promise<unknown>, expected: string[]) => {
      await action();
      await sub.until((items) => changes(items.slice(seen) as Update[]).length >= expected.length);
      await sub.settle(150);
      const batch = sub.items.slice(seen) as Update[];
      seen = sub.items.length;
      expect(changes(batch)).toEqual([...expected].sort());
      const fresh = await freshCounts(w.agents.full.token);
      for (const u of batch) expect(u.queueUpdates.count, u.queueUpdates.queue.key ?? '').toBe(fresh.get(u.queueUpdates.queue.id));
      return batch;
    };

    let ticketId = '';
    const opened = await step(async () => {
      const res = await t.gql(OpenTicketDocument, { input: { subject: 'Live one', body: 'x', owner: { email: w.users.owner.email } } }, { token: w.agents.full.token });
      ticketId = res.data!.openTicket.ticket!.id;
    }, ['open ENTERED', 'open.unanswered ENTERED', 'unassigned ENTERED']);
    expect(opened[0]!.queueUpdates.ticket?.id).toBe(ticketId);

    await step(() => t.gql(ReplyDocument, { input: { ticketId, body: 'On it' } }, { token: w.agents.full.token }), [
      'open CHANGED',
      'open.unanswered LEFT',
      'open.answered ENTERED',
      'unassigned CHANGED',
    ]);
    await step(() => t.gql(ClaimDocument, { input: { ticketId } }, { token: w.agents.full.token }), [
      'open CHANGED',
      'open.answered CHANGED',
      'unassigned LEFT',
      'mine ENTERED',
      'mine.agent ENTERED',
    ]);
    await step(() => t.gql(UpdateTicketDocument, { input: { ticketId, dueAt: new Date(Date.now() - 1000).toISOString() } }, { token: w.agents.full.token }), [
      'open CHANGED',
      'open.answered CHANGED',
      'open.overdue ENTERED',
      'mine CHANGED',
      'mine.agent CHANGED',
    ]);
    await step(() => t.gql(SetStatusDocument, { input: { ticketIds: [ticketId], statusId: w.statuses.Resolved! } }, { token: w.agents.full.token }), [
      'open LEFT',
      'open.answered LEFT',
      'open.overdue LEFT',
      'mine LEFT',
      'mine.agent LEFT',
      'closed ENTERED',
    ]);
    await step(() => t.gql(PostMessageDocument, { input: { ticketId, body: 'Not fixed' } }, { token: w.users.owner.token }), [
      'closed LEFT',
      'open ENTERED',
      'open.unanswered ENTERED',
      'open.overdue ENTERED',
      'mine ENTERED',
      'mine.agent ENTERED',
    ]);

    // The Sales agent saw none of it.
    expect(silent.items).toEqual([]);
    expect(silent.errors).toEqual([]);
    sub.stop();
    silent.stop();
  });

  it('sends LEFT without the ticket, then nothing more, when the viewer loses sight of it', async () => {
    const res = await t.gql(OpenTicketDocument, { input: { subject: 'Moving away', body: 'x', owner: { email: w.users.owner.email } } }, { token: w.agents.full.token });
    const ticketId = res.data!.openTicket.ticket!.id;
    const agent = t.ws({ authorization: `Bearer ${w.agents.replyOnly.token}` });
    const sub = collect(agent, QueueUpdatesDocument, {});
    const watch = collect(agent, TicketUpdatesDocument, { ticketId });
    await sub.settle(200);
    await t.gql(TransferDocument, { input: { ticketId, departmentId: w.salesId } }, { token: w.agents.full.token });
    await sub.until((items) => items.length >= 3);
    await sub.settle(150);
    expect(changes(sub.items as Update[])).toEqual(['open LEFT', 'open.unanswered LEFT', 'unassigned LEFT']);
    expect(sub.items.every((u) => (u as Update).queueUpdates.ticket === null)).toBe(true);
    await watch.done;
    expect(watch.items).toEqual([]);
    // later changes to it reach nobody in Support
    await t.gql(ReplyDocument, { input: { ticketId, body: 'Sales here' } }, { token: w.agents.other.token });
    expect((await sub.settle(300)).length).toBe(3);
    sub.stop();
  });

  it('refuses a queue id the viewer cannot see with NOT_FOUND', async () => {
    const agent = t.ws({ authorization: `Bearer ${w.agents.full.token}` });
    const sub = collect(agent, QueueUpdatesDocument, { queueIds: ['UXVldWU6OTk5'] });
    await sub.done;
    expect(JSON.stringify(sub.errors)).toContain('NOT_FOUND');
    const ok = collect(agent, QueueUpdatesDocument, { queueIds: [(await freshCountsKey('closed'))] });
    await ok.settle(100);
    expect(ok.errors).toEqual([]);
    ok.stop();
  });
});

async function freshCountsKey(key: string): Promise<string> {
  const res = await t.gql(QueuesDocument, {}, { token: w.agents.full.token });
  const all = res.data!.queues.flatMap((q) => [q, ...q.children]);
  return all.find((q) => q.key === key)!.id;
}

describe('ticketEvents', () => {
  it('replays from a cursor exactly once, in order, then continues live', async () => {
    const agent = t.ws({ authorization: `Bearer ${w.agents.full.token}` });
    const first = collect(agent, EventStreamDocument, {});
    await first.settle(100);
    const a = await t.gql(OpenTicketDocument, { input: { subject: 'Stream A', body: 'x', owner: { email: w.users.owner.email } } }, { token: w.agents.full.token });
    await first.until((items) => items.length >= 1);
    const cursor = first.items[0]!.ticketEvents.cursor;
    first.stop();

    // missed while disconnected
    const ticketId = a.data!.openTicket.ticket!.id;
    await t.gql(ReplyDocument, { input: { ticketId, body: 'one' } }, { token: w.agents.full.token });
    await t.gql(ReplyDocument, { input: { ticketId, body: 'two' } }, { token: w.agents.full.token });
    const resumed = collect(agent, EventStreamDocument, { after: cursor });
    await resumed.until((items) => items.length >= 2);
    await t.gql(ReplyDocument, { input: { ticketId, body: 'three' } }, { token: w.agents.full.token });
    await resumed.until((items) => items.length >= 3);
    await resumed.settle(200);
    expect(resumed.items.map((e) => e.ticketEvents.node.kind)).toEqual(['RESPONSE', 'RESPONSE', 'RESPONSE']);
    const cursors = resumed.items.map((e) => e.ticketEvents.cursor);
    expect(new Set(cursors).size).toBe(3);
    resumed.stop();
  });

  it('refuses a garbage cursor with BAD_USER_INPUT', async () => {
    const agent = t.ws({ authorization: `Bearer ${w.agents.full.token}` });
    const sub = collect(agent, EventStreamDocument, { after: 'garbage' });
    await sub.done;
    expect(JSON.stringify(sub.errors)).toContain('BAD_USER_INPUT');
  });

  it('emits OVERDUE at the due time, with no batch job, and moves the ticket into open.overdue', async () => {
    const res = await t.gql(OpenTicketDocument, { input: { subject: 'Due soon', body: 'x', owner: { email: w.users.owner.email } } }, { token: w.agents.full.token });
    const ticketId = res.data!.openTicket.ticket!.id;
    const overdueId = await freshCountsKey('open.overdue');
    const agent = t.ws({ authorization: `Bearer ${w.agents.full.token}` });
    const sub = collect(agent, QueueUpdatesDocument, { queueIds: [overdueId] });
    await sub.settle(100);
    const due = new Date(Date.now() + 1200);
    await t.gql(UpdateTicketDocument, { input: { ticketId, dueAt: due.toISOString() } }, { token: w.agents.full.token });
    const [update] = await sub.until((items) => items.length >= 1, 5000);
    expect(Date.now()).toBeGreaterThanOrEqual(due.getTime());
    expect(update!.queueUpdates).toMatchObject({ change: 'ENTERED', ticket: { id: ticketId } });
    const fresh = await t.gql(QueueCountDocument, { id: overdueId }, { token: w.agents.full.token });
    expect(update!.queueUpdates.count).toBe(fresh.data!.queue!.count);
    sub.stop();
  });
});

describe('fan-out cost', () => {
  it('costs the same SQL for one subscriber or six: one load per event, checks in memory', async () => {
    const measure = async (subscribers: number) => {
      const clients = Array.from({ length: subscribers }, () => t.ws({ authorization: `Bearer ${w.agents.full.token}` }));
      const subs = clients.map((c) => collect(c, QueueUpdatesDocument, {}));
      // warm up until every subscription is live (graphql-ws does not say when it is)
      for (let i = 0; !subs.every((s) => s.items.length > 0); i++) {
        await t.gql(OpenTicketDocument, { input: { subject: `Warm-up ${i}`, body: 'x', owner: { email: w.users.owner.email } } }, { token: w.agents.full.token });
        await subs[0]!.settle(300);
      }
      await subs[0]!.settle(300);
      const seen = subs.map((s) => s.items.length);
      const sql = await t.sqlDuring(async () => {
        await t.gql(OpenTicketDocument, { input: { subject: `Fan-out ${subscribers}`, body: 'x', owner: { email: w.users.owner.email } } }, { token: w.agents.full.token });
        await Promise.all(subs.map((s, i) => s.until((items) => items.length >= seen[i]! + 3)));
        await subs[0]!.settle(200);
      });
      subs.forEach((s) => s.stop());
      expect(subs.every((s) => s.items.every((u) => u.queueUpdates.ticket !== null))).toBe(true);
      return foregroundSql(sql).length;
    };
    const one = await measure(1);
    const six = await measure(6);
    expect(six).toBe(one);
  });
});

describe('limits', () => {
  it('refuses 1,000 subscriptions on one socket past the configured limit; the socket and server stay healthy', async () => {
    const small = await startTestServer({ DESKQL_MAX_SUBSCRIPTIONS_PER_SOCKET: '50' });
    try {
      const token = await small.adminToken();
      const client = small.ws({ authorization: `Bearer ${token}` });
      const subs = Array.from({ length: 1000 }, () => collect(client, EventStreamDocument, {}));
      const refusedNow = () => subs.filter((s) => JSON.stringify(s.errors).includes('RATE_LIMITED'));
      for (let waited = 0; refusedNow().length < 950 && waited < 30_000; waited += 100) await subs[0]!.settle(100);
      await subs[0]!.settle(300);
      expect(refusedNow().length).toBe(950);
      // the 50 accepted ones still work on the same socket
      await small.gql('mutation { openTicket(input: { subject: "After the flood", body: "x", owner: { email: "f@customer.test" } }) { ticket { id } } }', {}, { token });
      const accepted = subs.filter((s) => s.errors.length === 0);
      await Promise.all(accepted.map((s) => s.until((items) => items.length >= 1, 20_000)));
      subs.forEach((s) => s.stop());
      await subs[0]!.settle(200);
      const again = collect(client, EventStreamDocument, {});
      await again.settle(300);
      expect(again.errors).toEqual([]);
      again.stop();
      expect((await fetch(small.url.replace('/graphql', '/healthz'))).status).toBe(200);
    } finally {
      await small.close();
    }
  }, 120_000);
});
