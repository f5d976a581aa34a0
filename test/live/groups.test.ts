import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse, print } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveStats } from '../../src/server/ws-live';
import { CreateAgentDocument, QueuesDocument } from '../__generated__/graphql';
import { startTestServer, type TestServer } from '../support/server';
import { allLive, collect, type Collector } from '../support/subscriptions';
import { newTicket, renameTicket } from '../support/tickets';
import { buildWorld, PASSWORD, type World } from '../support/world';

// Grouped live delivery: subscribers whose results can only be identical are
// executed once per event and get the same bytes; any difference in what the
// result depends on — access, queues, the viewer where a field reads it —
// gives a subscriber its own results. Each subscriber's messages must be what
// executing it alone gives (a document whose text differs is never shared).

type Update = {
  queueUpdates: {
    change: string;
    count: number;
    cursor: string;
    queue: { id: string; key: string | null };
    ticket: { id: string; number: string; subject: string; viewerCan?: Record<string, boolean>; lock?: unknown } | null;
  };
};

const executionsOf = (query: string) => liveStats.byQuery.get(print(parse(query))) ?? 0;
const doc = (query: string) => parse(query) as unknown as TypedDocumentNode<Update, { queueIds: string[] }>;
const PLAIN = `subscription Q($queueIds: [ID!]) { queueUpdates(queueIds: $queueIds) { change count cursor queue { id key } ticket { id number subject status { name } } } }`;
/** The same selection as another text (another operation name): executed on its own, as a subscriber alone would be. */
const PLAIN_ALONE = PLAIN.replace('subscription Q(', 'subscription Alone(');
/** Test 2's own text, so its executions are counted apart. */
const PLAIN_2 = PLAIN.replace('subscription Q(', 'subscription Access(');
const VIEWER = `subscription Q($queueIds: [ID!]) { queueUpdates(queueIds: $queueIds) { change count cursor queue { id key } ticket { id number subject viewerCan { reply assign close transfer } lock { agent { id } } } } }`;

describe('grouped queueUpdates', () => {
  let t: TestServer;
  let w: World;
  let openId = '';
  let secondAdmin = '';
  const clients: Client[] = [];

  const socket = (token: string) => {
    const c = t.ws({ authorization: `Bearer ${token}` });
    clients.push(c);
    return c;
  };
  const watch = (token: string, query: string) => collect(socket(token), doc(query), { queueIds: [openId] });
  const supportTicket = async (subject: string) => (await newTicket(t, w.agents.admin.token, { subject, owner: { email: 'groups@customer.test' }, departmentId: w.supportId })).id;
  const salesTicket = async (subject: string) => (await newTicket(t, w.agents.admin.token, { subject, owner: { email: 'groups@customer.test' }, departmentId: w.salesId })).id;
  let pokes = 0;
  const pokeSupport = async () => {
    const subject = `Poke ${++pokes}`;
    await supportTicket(subject);
    return (u: Update) => u.queueUpdates.ticket?.subject === subject;
  };
  /** Items from `from` on, as text: what the client received, byte for byte as JSON. */
  const texts = (c: Collector<Update>, from: number) => c.items.slice(from).map((u) => JSON.stringify(u));
  const freshOpenCount = async (token: string) =>
    (await t.gql(QueuesDocument, {}, { token })).data!.queues.find((q) => q.key === 'open')!.count;

  beforeAll(async () => {
    t = await startTestServer({ DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0', DESKQL_WS_ACCESS_CHECK_MS: '3600000' });
    w = await buildWorld(t);
    openId = (await t.gql(QueuesDocument, {}, { token: w.agents.admin.token })).data!.queues.find((q) => q.key === 'open')!.id;
    const res = await t.gql(
      CreateAgentDocument,
      { input: { name: 'Ada Admin', email: 'ada@desk.test', password: PASSWORD, primaryDepartmentId: w.salesId, roleId: w.roles['Reply Only']!, isAdmin: true } },
      { token: w.agents.admin.token },
    );
    expect(res.data?.createAgent.userErrors).toEqual([]);
    secondAdmin = await t.login('ada@desk.test', PASSWORD);
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.close();
  });

  it('executes once per event for equal subscribers (two admins, one admin in two tabs), who all get the same messages in order', async () => {
    const admin = w.agents.admin.token;
    const subs = [watch(admin, PLAIN), watch(admin, PLAIN), watch(secondAdmin, PLAIN)];
    const alone = watch(admin, PLAIN_ALONE);
    const from = await allLive([...subs, alone], pokeSupport);

    const executions = [PLAIN, PLAIN_ALONE].map(executionsOf);
    const subjects: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = i % 2 ? await salesTicket(`Shared ${i}`) : await supportTicket(`Shared ${i}`);
      subjects.push((await renameTicket(t, admin, id)).subject);
    }
    const last = subjects.at(-1)!;
    const got = async (c: Collector<Update>, at: number) => {
      await c.until((items) => items.slice(at).some((u) => u.queueUpdates.ticket?.subject === last));
      return texts(c, at).slice(0, texts(c, at).findIndex((s) => s.includes(`"subject":"${last}"`)) + 1);
    };
    const seen = await Promise.all([...subs, alone].map((c, i) => got(c, from[i]!)));
    // 5 ENTERED and 5 CHANGED, in commit order, with counts rising by one per ticket
    expect(seen[0]!.length).toBe(10);
    for (const s of seen) expect(s).toEqual(seen[0]);
    const counts = seen[0]!.map((s) => (JSON.parse(s) as Update).queueUpdates.count);
    expect(counts).toEqual(counts.map((_, i) => counts[0]! + Math.floor(i / 2)));
    expect(counts.at(-1)).toBe(await freshOpenCount(admin));
    // One execution per event for the three who share, one for the document alone.
    expect([PLAIN, PLAIN_ALONE].map((q, i) => executionsOf(q) - executions[i]!)).toEqual([10, 10]);
  });

  it('gives an agent with other access its own results, and nothing from another group', async () => {
    const support = watch(w.agents.full.token, PLAIN_2);
    const sales = watch(w.agents.other.token, PLAIN_2);
    const admin = watch(w.agents.admin.token, PLAIN_2);
    const pokeBoth = async () => {
      const subject = `Both ${++pokes}`;
      await supportTicket(subject);
      await salesTicket(subject);
      return (u: Update) => u.queueUpdates.ticket?.subject === subject;
    };
    const [sFrom, oFrom, aFrom] = await allLive([support, sales, admin], async () => {
      const heard = await pokeBoth();
      return heard;
    });
    // Each hears only its own tickets: admin both, the others one each.
    const mark = `Split ${++pokes}`;
    await supportTicket(`${mark} support`);
    await salesTicket(`${mark} sales`);
    const barrier = await pokeBoth();
    const onlyTill = async (c: Collector<Update>, from: number, n: number) => {
      await c.until((items) => items.slice(from).filter(barrier).length >= n);
      const since = c.items.slice(from);
      return since.slice(0, since.findIndex(barrier));
    };
    const [s, o, a] = await Promise.all([onlyTill(support, sFrom!, 1), onlyTill(sales, oFrom!, 1), onlyTill(admin, aFrom!, 2)]);
    expect(s.map((u) => u.queueUpdates.ticket?.subject)).toEqual([`${mark} support`]);
    expect(o.map((u) => u.queueUpdates.ticket?.subject)).toEqual([`${mark} sales`]);
    expect(a.map((u) => u.queueUpdates.ticket?.subject)).toEqual([`${mark} support`, `${mark} sales`]);
    // Counts per visibility: each one's last count is its own fresh Queue.count.
    for (const [c, token] of [
      [support, w.agents.full.token],
      [sales, w.agents.other.token],
      [admin, w.agents.admin.token],
    ] as const) {
      await c.until((items) => items.filter(barrier).length >= (c === admin ? 2 : 1));
      expect(c.items.at(-1)!.queueUpdates.count).toBe(await freshOpenCount(token));
    }
    expect([support.errors, sales.errors, admin.errors]).toEqual([[], [], []]);
  });

  it('does not share a field that depends on the viewer across viewers, and shares it between one viewer’s tabs', async () => {
    const full = [watch(w.agents.full.token, VIEWER), watch(w.agents.full.token, VIEWER)];
    const reply = watch(w.agents.replyOnly.token, VIEWER);
    const from = await allLive([...full, reply], pokeSupport);
    const executions = executionsOf(VIEWER);
    const subject = `Viewer ${++pokes}`;
    const id = await supportTicket(subject);
    const heard = (u: Update) => u.queueUpdates.ticket?.subject === subject;
    const got = await Promise.all([...full, reply].map((c, i) => c.until((items) => items.slice(from[i]).some(heard)).then((items) => items.slice(from[i]).find(heard)!)));
    // Each viewer's abilities are the ones that viewer reads over HTTP.
    const abilities = async (token: string) =>
      (await t.gql<{ node: { viewerCan: Record<string, boolean> } }, unknown>(`{ node(id: "${id}") { ... on Ticket { viewerCan { reply assign close transfer } } } }`, {}, { token })).data!.node.viewerCan;
    expect(got[0]!.queueUpdates.ticket!.viewerCan).toEqual(await abilities(w.agents.full.token));
    expect(got[1]).toEqual(got[0]);
    expect(got[2]!.queueUpdates.ticket!.viewerCan).toEqual(await abilities(w.agents.replyOnly.token));
    expect(got[2]!.queueUpdates.ticket!.viewerCan).not.toEqual(got[0]!.queueUpdates.ticket!.viewerCan);
    // One execution per person: the two tabs share theirs.
    expect(executionsOf(VIEWER) - executions).toBe(2);
  });

  it('executes ticketUpdates and ticketEvents once per event for the subscribers whose results cannot differ', async () => {
    type TicketUpdate = { ticketUpdates: { cursor: string; ticket: { id: string; subject: string; version: number }; event: { kind: string } } };
    type EventEdge = { ticketEvents: { cursor: string; node: { id: string; kind: string; ticket: { id: string; number: string } } } };
    const UPDATES = `subscription U($ticketId: ID!) { ticketUpdates(ticketId: $ticketId) { cursor ticket { id subject version } event { kind } } }`;
    const EVENTS = `subscription E { ticketEvents { cursor node { id kind ticket { id number } } } }`;
    const ticketId = await supportTicket('Watched by many');
    const tokens = [w.agents.admin.token, w.agents.admin.token, w.agents.full.token, secondAdmin];
    const updates = tokens.map((token) => collect(socket(token), parse(UPDATES) as unknown as TypedDocumentNode<TicketUpdate, { ticketId: string }>, { ticketId }));
    const events = tokens.map((token) => collect(socket(token), parse(EVENTS) as unknown as TypedDocumentNode<EventEdge, Record<string, never>>));
    let renamed = '';
    const poke = async () => {
      renamed = (await renameTicket(t, w.agents.admin.token, ticketId)).subject;
      const subject = renamed;
      return (u: TicketUpdate) => u.ticketUpdates.ticket.subject === subject;
    };
    await allLive(updates, poke);
    // ticketEvents are live too once each has heard an event of a later rename
    await allLive(events, async () => {
      const before = new Set(events.flatMap((e) => e.items.map((i) => i.ticketEvents.node.id)));
      await renameTicket(t, w.agents.admin.token, ticketId);
      return (e: EventEdge) => e.ticketEvents.node.ticket.id === ticketId && !before.has(e.ticketEvents.node.id);
    });
    // Settle: once every subscription has the last poke, nothing earlier is still being executed or sent.
    const settle = await poke();
    await Promise.all(updates.map((c) => c.until((items) => items.some(settle))));
    const settledIds = new Set(updates[0]!.items.filter(settle).map((u) => u.ticketUpdates.cursor));
    await Promise.all(events.map((c) => c.until((items) => items.some((e) => settledIds.has(e.ticketEvents.cursor)))));
    const [u0, e0] = [executionsOf(UPDATES), executionsOf(EVENTS)];
    const uAt = updates.map((c) => c.items.length);
    const eAt = events.map((c) => c.items.length);
    const subjects: string[] = [];
    for (let i = 0; i < 3; i++) subjects.push((await renameTicket(t, w.agents.admin.token, ticketId)).subject);
    const last = subjects.at(-1)!;
    const ours = (u: TicketUpdate) => subjects.includes(u.ticketUpdates.ticket.subject);
    // Three updates each, one per rename. The ticket is read when an event is delivered, so a rename that
    // commits meanwhile may already show in an earlier update (waiting for the last subject could stop at two):
    // everyone gets the same events in order, and the two tabs of one admin (one execution) the same bytes.
    const uGot = await Promise.all(updates.map((c, i) => c.until((items) => items.slice(uAt[i]).filter(ours).length >= 3).then((items) => items.slice(uAt[i]).filter(ours))));
    const eventsOf = (g: TicketUpdate[]) => g.map((u) => [u.ticketUpdates.cursor, u.ticketUpdates.event.kind]);
    for (const g of uGot) expect(eventsOf(g)).toEqual(eventsOf(uGot[0]!));
    expect(uGot[1]!.map((u) => JSON.stringify(u))).toEqual(uGot[0]!.map((u) => JSON.stringify(u)));
    expect(uGot[0]!.length).toBe(3);
    expect(uGot.every((g) => g.at(-1)!.ticketUpdates.ticket.subject === last)).toBe(true);
    // ticketUpdates: one execution per event for the admins (one of them in two tabs), one for the Support agent
    // (the admin flag is part of what every result may depend on).
    // ticketEvents carries every event the viewer can see: this ticket's last three, in order, the same for all four.
    const ofTicket = (c: Collector<EventEdge>, from: number) => c.items.slice(from).filter((e) => e.ticketEvents.node.ticket.id === ticketId);
    await Promise.all(events.map((c, i) => c.until(() => ofTicket(c, eAt[i]!).length >= 3)));
    const eGot = events.map((c, i) => ofTicket(c, eAt[i]!).map((e) => JSON.stringify(e)));
    for (const g of eGot) expect(g).toEqual(eGot[0]);
    expect(eGot[0]!.length).toBe(3);
    expect(executionsOf(UPDATES) - u0).toBe(2 * 3);
    // `node.ticket` checks the viewer's access to the ticket (it reads the principal): one execution per person and
    // event, the two tabs of one admin sharing theirs — counted over every event that reached the stream meanwhile.
    const persons = [0, 0, 1, 2];
    const reached = new Map<string, Set<number>>();
    events.forEach((c, i) => c.items.slice(eAt[i]).forEach((e) => (reached.get(e.ticketEvents.node.id) ?? reached.set(e.ticketEvents.node.id, new Set()).get(e.ticketEvents.node.id)!).add(persons[i]!)));
    expect(executionsOf(EVENTS) - e0).toBe([...reached.values()].reduce((n, p) => n + p.size, 0));
    for (const c of [...updates, ...events]) expect(c.errors).toEqual([]);
  });
});
