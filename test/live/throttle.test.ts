import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenTicketDocument, QueueCountDocument, QueuesDocument, QueueUpdatesDocument } from '../__generated__/graphql';
import { startTestServer, type TestServer } from '../support/server';
import { collect } from '../support/subscriptions';

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
    await sub.settle(200);
    const burst = 12;
    await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        t.gql(OpenTicketDocument, { input: { subject: `Burst ${i}`, body: 'x', owner: { email: 'burst@customer.test' } } }, { token: admin }),
      ),
    );
    const fresh = (await t.gql(QueueCountDocument, { id: openId }, { token: admin })).data!.queue!.count;
    await sub.until((items) => items.at(-1)?.queueUpdates.count === fresh, 15_000);
    await sub.settle(1200);
    expect(sub.items.length).toBeLessThan(burst);
    expect(sub.items.at(-1)!.queueUpdates.count).toBe(fresh);
    expect(fresh).toBe(burst);
    // counts only grow during the burst: coalescing skipped some, never went backwards
    const counts = sub.items.map((u) => u.queueUpdates.count);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // The server spaces each queue's updates by the interval. Arrival times carry the jitter of a
    // loaded machine (one delivery resolved late, the next on time), so bound the number that arrived
    // within the span instead of each gap: at most one per interval, plus one, with 500 ms of slack.
    const span = sub.times.at(-1)! - sub.times[0]!;
    expect(sub.items.length).toBeLessThanOrEqual(Math.floor((span + 500) / 1000) + 1);
    sub.stop();
  });
});
