import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueCountDocument, QueuesDocument, QueueUpdatesDocument } from '../__generated__/graphql';
import { startTestServer, type TestServer } from '../support/server';
import { collect } from '../support/subscriptions';
import { newTicket, openTicket } from '../support/tickets';

// A dashboard gets at most one count update per queue per 250 ms, and never loses the last one.
let t: TestServer;
let admin: string;
beforeAll(async () => {
  // a 1 s interval and a concurrent burst: coalescing shows even on a slow, shared machine
  t = await startTestServer({ DESKQL_QUEUE_UPDATE_INTERVAL_MS: '1000' });
  admin = await t.adminToken();
});
afterAll(() => t?.close());

describe('coalesced queue updates', () => {
  it('sends at most one update per interval per queue, the newest count last', async () => {
    const queues = await t.gql(QueuesDocument, {}, { token: admin });
    const openId = queues.data!.queues.find((q) => q.key === 'open')!.id;
    const client = t.ws({ authorization: `Bearer ${admin}` });
    const sub = collect(client, QueueUpdatesDocument, { queueIds: [openId] });
    // live: it has heard a ticket opened before the burst (not counted in it)
    const from = await sub.live(async () => {
      const { id } = await newTicket(t, admin, { subject: 'Warm-up', owner: { email: 'warm@customer.test' } });
      return (u) => u.queueUpdates.ticket?.id === id;
    });
    const start = (await t.gql(QueueCountDocument, { id: openId }, { token: admin })).data!.queue!.count;
    const burst = 12;
    await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        openTicket(t, admin, { subject: `Burst ${i}`, owner: { email: 'burst@customer.test' } }),
      ),
    );
    const fresh = (await t.gql(QueueCountDocument, { id: openId }, { token: admin })).data!.queue!.count;
    await sub.until((items) => items.at(-1)?.queueUpdates.count === fresh, 15_000);
    // nothing else of the burst arrives before a later ticket's update (delivery is ordered)
    const updates = await sub.before(from, async () => {
      const { id } = await newTicket(t, admin, { subject: 'After the burst', owner: { email: 'burst@customer.test' } });
      return (u) => u.queueUpdates.ticket?.id === id;
    });
    expect(updates.length).toBeLessThan(burst);
    expect(updates.at(-1)!.queueUpdates.count).toBe(fresh);
    expect(fresh).toBe(start + burst);
    // counts only grow during the burst: coalescing skipped some, never went backwards
    const counts = updates.map((u) => u.queueUpdates.count);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // The server spaces each queue's updates by the interval. Arrival times carry the jitter of a
    // loaded machine (one delivery resolved late, the next on time), so bound the number that arrived
    // within the span instead of each gap: at most one per interval, plus one, with 500 ms of slack.
    const times = sub.times.slice(from, from + updates.length);
    const span = times.at(-1)! - times[0]!;
    expect(updates.length).toBeLessThanOrEqual(Math.floor((span + 500) / 1000) + 1);
    sub.stop();
  });
});
