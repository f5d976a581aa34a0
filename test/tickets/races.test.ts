import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIdOf } from '../../src/common/global-id';
import { EventStreamDocument } from '../__generated__/graphql';
import { countsByCountStar, countsThroughApi, seeded } from '../queues/support';
import { startTestServer, type TestServer } from '../support/server';
import { collect } from '../support/subscriptions';
import { openTicket, renameTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// Issue 10's invariants under racing agents, through the real server: 16
// clients at once on the same few tickets (replies with and without a
// status and an expected version, assignments, closes one at a time and in
// bulk, the owner's messages that reopen). Whatever interleaving the
// database picks, each ticket must end consistent with what the clients
// were told: no lost update, every command's events in commit order, a
// reader that never finds an event fill in behind its position, exact counts.

let t: TestServer;
let w: World;

beforeAll(async () => {
  t = await startTestServer({ DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0' });
  w = await buildWorld(t);
});

afterAll(async () => {
  await t?.close();
});

const TICKET = 'ticket { id version }';
const ops = {
  read: 'query($id: ID!) { node(id: $id) { ... on Ticket { id version } } }',
  reply: `mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { ${TICKET} userErrors { code field } } }`,
  assign: `mutation($input: AssignTicketInput!) { assignTicket(input: $input) { ${TICKET} userErrors { code field } } }`,
  status: 'mutation($input: SetTicketStatusInput!) { setTicketStatus(input: $input) { tickets { id version } userErrors { code field } } }',
  message: `mutation($input: PostMessageInput!) { postMessage(input: $input) { ${TICKET} userErrors { code field } } }`,
  note: `mutation($input: AddNoteInput!) { addNote(input: $input) { ${TICKET} userErrors { code field } } }`,
};

type Ticketish = { id: string; version: number } | null;
type Payload = { ticket?: Ticketish; tickets?: Ticketish[] | null; userErrors: { code: string }[] };

interface EventRow {
  id: string;
  seq: string;
  ticket_id: number;
  kind: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
}

describe('racing agents', () => {
  it('16 clients on the same tickets end with consistent versions, events and counts', async () => {
    const rnd = seeded(1010);
    const admin = w.agents.admin.token;
    const agents = [w.agents.admin, w.agents.full];
    const tickets: string[] = [];
    for (let i = 0; i < 4; i++) {
      const opened = await openTicket(t, admin, { subject: `Race ${i}`, owner: { email: w.users.owner.email }, departmentId: w.supportId });
      tickets.push(opened.ticket!.id);
    }

    // A reader of the whole stream, live before the race starts.
    const client = t.ws({ authorization: `Bearer ${admin}` });
    const stream = collect(client, EventStreamDocument, {});
    const from = await stream.live(async () => {
      await renameTicket(t, admin, tickets[0]!);
      return (item) => item.ticketEvents.node.kind === 'EDITED' && item.ticketEvents.node.ticket?.id === tickets[0];
    });
    const startCursor = stream.items[from - 1]!.ticketEvents.cursor;
    const startSeq = Number((await t.em().execute<{ max: string }[]>('select max(seq) as max from ticket_event'))[0]!.max);

    // What each client was told, per ticket.
    const told = new Map<string, { versions: number[]; replies: number; messages: number; notes: number; guarded: number[] }>(
      tickets.map((id) => [id, { versions: [], replies: 0, messages: 0, notes: 0, guarded: [] }]),
    );
    const refusals = new Map<string, number>();
    const record = (payload: Payload | undefined, ticketId: string, kind?: 'replies' | 'messages' | 'notes', guardedBy?: number) => {
      expect(payload, 'a payload, not a top-level error').toBeDefined();
      if (payload!.userErrors.length) {
        for (const e of payload!.userErrors) refusals.set(e.code, (refusals.get(e.code) ?? 0) + 1);
        return;
      }
      for (const tk of payload!.tickets ?? [payload!.ticket]) {
        if (tk) told.get(tk.id)!.versions.push(tk.version);
      }
      const mine = told.get(ticketId)!;
      if (kind) mine[kind]++;
      if (guardedBy !== undefined) mine.guarded.push(guardedBy);
    };

    const statuses = [w.statuses.Resolved!, w.statuses.Closed!, w.statuses.Open!];
    const step = async (): Promise<void> => {
      const ticketId = rnd.pick(tickets);
      const by = rnd.pick(agents).token;
      switch (rnd.int(7)) {
        case 0:
        case 1: {
          const res = await t.gql<{ replyToTicket: Payload }, unknown>(ops.reply, { input: { ticketId, body: 'reply', ...(rnd.int(2) ? { statusId: rnd.pick(statuses) } : {}) } }, { token: by });
          return record(res.data?.replyToTicket, ticketId, 'replies');
        }
        case 2: {
          // read, then reply against that version: a lost update would let two replies in on one version
          const read = await t.gql<{ node: { version: number } }, unknown>(ops.read, { id: ticketId }, { token: by });
          const expectedVersion = read.data!.node.version;
          const res = await t.gql<{ replyToTicket: Payload }, unknown>(ops.reply, { input: { ticketId, body: 'guarded reply', expectedVersion } }, { token: by });
          return record(res.data?.replyToTicket, ticketId, 'replies', expectedVersion);
        }
        case 3: {
          const res = await t.gql<{ assignTicket: Payload }, unknown>(ops.assign, { input: { ticketId, agentId: rnd.pick(agents).id } }, { token: by });
          return record(res.data?.assignTicket, ticketId);
        }
        case 4: {
          const some = [...new Set([ticketId, rnd.pick(tickets), rnd.pick(tickets)])];
          const res = await t.gql<{ setTicketStatus: Payload }, unknown>(ops.status, { input: { ticketIds: some, statusId: rnd.pick(statuses) } }, { token: admin });
          return record(res.data?.setTicketStatus, ticketId);
        }
        case 5: {
          // the owner writes: reopens the ticket when it is closed
          const res = await t.gql<{ postMessage: Payload }, unknown>(ops.message, { input: { ticketId, body: 'customer again' } }, { token: w.users.owner.token });
          return record(res.data?.postMessage, ticketId, 'messages');
        }
        default: {
          const res = await t.gql<{ addNote: Payload }, unknown>(ops.note, { input: { ticketId, body: 'note' } }, { token: by });
          return record(res.data?.addNote, ticketId, 'notes');
        }
      }
    };
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = 0; i < 10; i++) await step();
      }),
    );

    // Everything committed before the barrier reaches the reader before it.
    const end = await stream.before(from, async () => {
      told.get(tickets[1]!)!.versions.push((await renameTicket(t, admin, tickets[1]!)).version);
      return (item) => item.ticketEvents.node.kind === 'EDITED' && item.ticketEvents.node.ticket?.id === tickets[1];
    });
    const events = await t.em().execute<EventRow[]>('select id, seq, ticket_id, kind, before, after from ticket_event where seq > ? order by seq', [startSeq]);
    // the race edits no subjects: the first rename of the second ticket is the barrier's
    const barrierIndex = events.findIndex((e) => e.kind === 'EDITED' && e.ticket_id === decodeIdOf('Ticket', tickets[1]!));
    expect(barrierIndex).toBeGreaterThan(0);
    // The live reader got exactly the committed events, in seq order: none missed, none filled in behind it.
    expect(end.map((e) => decodeIdOf('TicketEvent', e.ticketEvents.node.id))).toEqual(events.slice(0, barrierIndex).map((e) => Number(e.id)));
    // A reader resuming from the start cursor gets the same.
    const replay = collect(client, EventStreamDocument, { after: startCursor });
    const replayed = await replay.until((items) => items.length >= events.length);
    expect(replayed.map((e) => decodeIdOf('TicketEvent', e.ticketEvents.node.id))).toEqual(events.map((e) => Number(e.id)));
    replay.stop();
    stream.stop();

    for (const [index, ticketId] of tickets.entries()) {
      const id = decodeIdOf('Ticket', ticketId)!;
      const mine = told.get(ticketId)!;
      const row = (await t.em().execute<{ version: number; state: string; status_id: number; assignee_id: number | null; is_answered: boolean }[]>(
        'select version, state, status_id, assignee_id, is_answered from ticket where id = ?',
        [id],
      ))[0]!;
      // The last writer's answer is what the ticket holds; nobody was told a version it never reached.
      if (mine.versions.length) expect(row.version).toBe(Math.max(...mine.versions));
      // Each expected version let at most one reply through.
      expect(new Set(mine.guarded).size, `ticket ${index}: guarded replies on one version`).toBe(mine.guarded.length);

      // Each command's events chain: the first starts where the ticket's previous event ended.
      const own = events.filter((e) => e.ticket_id === id);
      for (let i = 1; i < own.length; i++) {
        if (own[i]!.before !== null) expect(own[i]!.before, `ticket ${index}, event ${own[i]!.id} (${own[i]!.kind})`).toEqual(own[i - 1]!.after);
      }
      const last = own.at(-1)!.after;
      expect({ state: last['state'], statusId: last['statusId'], assigneeId: last['assigneeId'], isAnswered: last['isAnswered'] }).toEqual({
        state: row.state,
        statusId: row.status_id,
        assigneeId: row.assignee_id,
        isAnswered: row.is_answered,
      });

      // One thread entry and one event per successful reply, message and note.
      const kinds = (k: string) => own.filter((e) => e.kind === k).length;
      expect({ RESPONSE: kinds('RESPONSE'), MESSAGE: kinds('MESSAGE'), NOTE: kinds('NOTE') }).toEqual({ RESPONSE: mine.replies, MESSAGE: mine.messages, NOTE: mine.notes });
      const entries = (await t.em().execute<{ type: string; n: number }[]>('select type, count(*)::int as n from thread_entry where ticket_id = ? group by type', [id])).reduce<
        Record<string, number>
      >((acc, r) => ({ ...acc, [r.type]: r.n }), {});
      expect(entries).toEqual({ MESSAGE: 1 + mine.messages, ...(mine.replies ? { RESPONSE: mine.replies } : {}), ...(mine.notes ? { NOTE: mine.notes } : {}) });
    }

    // Exact counts for the principals the race touched.
    for (const p of [w.agents.admin, w.agents.full]) expect(await countsThroughApi(t, p.token)).toEqual(await countsByCountStar(t.em(), p.id));
    // The race was a race: some commands were refused (expected version, closed tickets), most went through.
    const through = [...told.values()].reduce((n, m) => n + m.versions.length, 0);
    expect(through).toBeGreaterThan(80);
    expect(refusals.get('CONFLICT') ?? 0).toBeGreaterThan(0);
  }, 240_000);

  it('12 intakes at once from one address nobody knows end with one end user owning all 12 tickets', async () => {
    const email = 'stampede@customer.test';
    const opened = await Promise.all(
      Array.from({ length: 12 }, (_, i) => openTicket(t, w.agents.admin.token, { subject: `Stampede ${i}`, owner: { email, name: `Stampede ${i}` }, departmentId: w.supportId })),
    );
    const rows = await t.em().execute<{ id: number }[]>('select id from end_user where email = ?', [email]);
    expect(rows).toHaveLength(1);
    const owners = await t.em().execute<{ owner_id: number; n: number }[]>(
      `select owner_id, count(*)::int as n from ticket where id in (${opened.map(() => '?').join(', ')}) group by owner_id`,
      opened.map((o) => decodeIdOf('Ticket', o.ticket!.id)),
    );
    expect(owners).toEqual([{ owner_id: rows[0]!.id, n: 12 }]);
  });
});
