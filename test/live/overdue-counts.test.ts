import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueCountDocument, QueueUpdatesDocument, UpdateTicketDocument } from '../__generated__/graphql';
import { toGlobalId } from '../../src/common/global-id';
import { decodeIdOf } from '../../src/common/global-id';
import { startTestServer, type TestServer } from '../support/server';
import { collect } from '../support/subscriptions';
import { newTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';
import { countsByCountStar, countsThroughApi } from '../queues/support';

// Overdue changes with time alone (SPEC §6): queue counts move at the moment a
// due date passes, with no write, and queueUpdates reports it then.
let t: TestServer;
let w: World;
const overdueId = toGlobalId('Queue', 'open.overdue');

beforeAll(async () => {
  t = await startTestServer({ DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0' });
  w = await buildWorld(t);
});

afterAll(async () => {
  await t?.close();
});

const open = async (subject: string) => (await newTicket(t, w.agents.full.token, { subject, owner: { email: w.users.owner.email }, departmentId: w.supportId })).id;
const overdueCount = async (token: string) => (await t.gql(QueueCountDocument, { id: overdueId }, { token })).data!.queue!.count;

describe('overdue counts', () => {
  it('move when a due date passes, at that moment, and queueUpdates sends the new count then', async () => {
    const ticketId = await open('Due in a moment');
    const before = { admin: await overdueCount(w.agents.admin.token), agent: await overdueCount(w.agents.full.token) };
    const sub = collect(t.ws({ authorization: `Bearer ${w.agents.full.token}` }), QueueUpdatesDocument, { queueIds: [overdueId] });
    // changes the subscriber must see prove the subscription is live (graphql-ws does not say when it is)
    let pokes = 0;
    await sub.live(async () => {
      const warm = await open(`Warm-up ${pokes++}`);
      await t.gql(UpdateTicketDocument, { input: { ticketId: warm, dueAt: new Date(Date.now() - 60_000).toISOString() } }, { token: w.agents.full.token });
      before.admin += 1;
      before.agent += 1;
      return (u) => u.queueUpdates.ticket?.id === warm;
    });
    expect(await overdueCount(w.agents.full.token)).toBe(before.agent);

    const due = new Date(Date.now() + 1500);
    await t.gql(UpdateTicketDocument, { input: { ticketId, dueAt: due.toISOString() } }, { token: w.agents.full.token });
    expect(await overdueCount(w.agents.full.token)).toBe(before.agent);
    const [update] = (await sub.until((items) => items.some((u) => u.queueUpdates.ticket?.id === ticketId), 6000)).filter((u) => u.queueUpdates.ticket?.id === ticketId);
    expect(Date.now()).toBeGreaterThanOrEqual(due.getTime());
    expect(update!.queueUpdates).toMatchObject({ change: 'ENTERED', count: before.agent + 1 });
    expect(await overdueCount(w.agents.full.token)).toBe(before.agent + 1);
    expect(await overdueCount(w.agents.admin.token)).toBe(before.admin + 1);
    for (const who of [w.agents.admin, w.agents.full, w.agents.other]) {
      expect(await countsThroughApi(t, who.token)).toEqual(await countsByCountStar(t.em(), who.id));
    }
    sub.stop();
  });

  it('count a ticket whose due date has passed before any OVERDUE was recorded for it', async () => {
    const ticketId = await open('Written by another program');
    const before = await overdueCount(w.agents.full.token);
    // An outside write (no event, so the scheduler has not been told): the due date is already past.
    await t.em().execute(`update ticket set due_at = date_trunc('milliseconds', now()) - interval '5 seconds' where id = ?`, [decodeIdOf('Ticket', ticketId)]);
    const [row] = await t.em().execute<{ stamped: boolean }[]>(`select overdue_notified_for is not distinct from due_at as stamped from ticket where id = ?`, [decodeIdOf('Ticket', ticketId)]);
    expect(row!.stamped).toBe(false);
    expect(await overdueCount(w.agents.full.token)).toBe(before + 1);
    expect(await countsThroughApi(t, w.agents.full.token)).toEqual(await countsByCountStar(t.em(), w.agents.full.id));
  });
});
