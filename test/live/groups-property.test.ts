import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssignDocument, QueuesDocument, SetStatusDocument, TransferDocument } from '../__generated__/graphql';
import { startTestServer, type TestServer } from '../support/server';
import { allLive, collect, type Collector } from '../support/subscriptions';
import { newTicket, renameTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// A seeded property: for random principals (admin, department agents of different roles, assigned-only, a team
// member), random selections (role-gated and viewer-dependent fields: viewerCan, lock, ticket.queues,
// Queue.count) and a random sequence of ticket changes, grouped delivery gives each subscriber the same messages,
// in the same order, as executing it alone does — a subscription whose operation name is its own shares no
// execution with anyone.

const SEED = Number(process.env.DESKQL_TEST_SEED ?? 20261204);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const SELECTIONS = [
  'change count cursor queue { id key } ticket { id number subject status { name } }',
  'change count cursor ticket { id subject viewerCan { reply assign close transfer edit } lock { agent { id } } }',
  'change count cursor ticket { id subject queues { key } assignee { id name } department { name } }',
  'change cursor queue { key count } ticket { id subject state isOverdue }',
];
const query = (name: string, selection: string) => `subscription ${name}($queueIds: [ID!]) { queueUpdates(queueIds: $queueIds) { ${selection} } }`;

type Update = { queueUpdates: { cursor: string; ticket: { id: string; subject?: string } | null } };
type Agent = keyof World['agents'];

describe(`grouped delivery equals delivery alone (seed ${SEED})`, () => {
  let t: TestServer;
  let w: World;
  let openId = '';
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startTestServer({ DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0', DESKQL_WS_ACCESS_CHECK_MS: '3600000' });
    w = await buildWorld(t);
    openId = (await t.gql(QueuesDocument, {}, { token: w.agents.admin.token })).data!.queues.find((q) => q.key === 'open')!.id;
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.close();
  });

  it('for random principals, selections and changes', async () => {
    const random = rng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const admin = w.agents.admin.token;
    const principals: Agent[] = ['admin', 'full', 'replyOnly', 'other', 'assignedOnly', 'teamMember'];
    const watch = (who: Agent, q: string) => {
      const c = t.ws({ authorization: `Bearer ${w.agents[who].token}` });
      clients.push(c);
      return collect(c, parse(q) as unknown as TypedDocumentNode<Update, { queueIds: string[] }>, { queueIds: [openId] });
    };

    // Every principal sees one of these two: a Support ticket assigned to the assigned-only agent, a Sales ticket.
    let pokes = 0;
    const pokeAll = async () => {
      const subject = `Everyone ${++pokes}`;
      const support = (await newTicket(t, admin, { subject, owner: { email: 'prop@customer.test' }, departmentId: w.supportId })).id;
      expect((await t.gql(AssignDocument, { input: { ticketId: support, agentId: w.agents.assignedOnly.id } }, { token: admin })).data?.assignTicket.userErrors).toEqual([]);
      await newTicket(t, admin, { subject, owner: { email: 'prop@customer.test' }, departmentId: w.salesId });
      return (u: Update) => u.queueUpdates.ticket?.subject === subject;
    };

    // Every (principal, selection), in a random order: once or twice under the shared name, once alone.
    const pairs = principals.flatMap((who) => SELECTIONS.map((selection) => ({ who, selection, order: random() }))).sort((a, b) => a.order - b.order);
    const subs = pairs.map((p, i) => ({
      ...p,
      shared: Array.from({ length: random() < 0.5 ? 1 : 2 }, () => watch(p.who, query('Q', p.selection))),
      alone: watch(p.who, query(`Alone${i}`, p.selection)),
    }));
    const all = subs.flatMap((s) => [...s.shared, s.alone]);
    await allLive(all, pokeAll);

    // Random changes to a few tickets in both departments.
    const tickets: string[] = [];
    for (let i = 0; i < 4; i++) tickets.push((await newTicket(t, admin, { subject: `Prop ${i}`, owner: { email: 'prop@customer.test' }, departmentId: i % 2 ? w.salesId : w.supportId })).id);
    for (let step = 0; step < 14; step++) {
      const ticketId = pick(tickets);
      const action = pick(['rename', 'assign', 'transfer', 'close', 'reopen'] as const);
      if (action === 'rename') await renameTicket(t, admin, ticketId);
      if (action === 'assign') await t.gql(AssignDocument, { input: { ticketId, agentId: w.agents[pick(principals)].id } }, { token: admin });
      if (action === 'transfer') await t.gql(TransferDocument, { input: { ticketId, departmentId: pick([w.supportId, w.salesId]) } }, { token: admin });
      if (action === 'close') await t.gql(SetStatusDocument, { input: { ticketIds: [ticketId], statusId: w.statuses.Resolved! } }, { token: admin });
      if (action === 'reopen') await t.gql(SetStatusDocument, { input: { ticketIds: [ticketId], statusId: w.statuses.Open! } }, { token: admin });
    }
    const barrier = await pokeAll();

    // What each heard between the go-live pokes and the barrier. allLive returns once each has heard one
    // update of the last poke, while the poke's other updates may still be on their way: the comparison
    // starts after the last update about a poke's ticket (only pokes touch them), not at that moment.
    const poked = (u: Update) => u.queueUpdates.ticket?.subject?.startsWith('Everyone ') === true;
    const upTo = async (c: Collector<Update>) => {
      await c.until((items) => items.some(barrier));
      const end = c.items.findIndex(barrier);
      let begin = 0;
      for (let i = 0; i < end; i++) if (poked(c.items[i]!)) begin = i + 1;
      return c.items.slice(begin, end).map((u) => JSON.stringify(u));
    };
    for (const s of subs) {
      const alone = await upTo(s.alone);
      for (const c of s.shared) expect(await upTo(c), `${s.who}: ${s.selection}`).toEqual(alone);
      expect([...s.shared, s.alone].flatMap((c) => c.errors)).toEqual([]);
    }
  }, 180_000);
});
