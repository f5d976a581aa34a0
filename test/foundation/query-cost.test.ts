import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ticket } from '../../src/modules/tickets/ticket.entity';
import { foregroundSql, startTestServer, wsResult, type TestServer } from '../support/server';
import { buildWorld, type World } from '../support/world';

// The query cost: computed from `first` before execution, reported in every HTTP response,
// and refused over the limit on HTTP and WebSocket alike.
let t: TestServer;
let w: World;

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
  for (let i = 0; i < 3; i++) {
    await t.gql(
      'mutation($input: OpenTicketInput!) { openTicket(input: $input) { userErrors { code } } }',
      { input: { subject: `Cost ${i}`, body: 'x', owner: { email: `cost${i}@customer.test` }, collaborators: [{ email: 'cc@customer.test' }] } },
      { token: w.agents.full.token },
    );
  }
});
afterAll(() => t?.close());

const PAGE = `query Page($first: Int) {
  tickets(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      number subject isOverdue isAnswered dueAt status { name } priority { name } department { name }
      owner { name email } assignee { name } team { name } collaborators { user { name } }
    } }
  }
}`;
// per ticket: edge 1 + node 1 + status, priority, department, owner, assignee, team, collaborators, user 8 = 10;
// the connection 1, pageInfo 1, totalCount 1
const pageCost = (n: number) => 1 + 1 + 1 + n * 10;

const NESTED = `{ tickets(first: 100) { edges { node { events(first: 100) { edges { node {
  ticket { thread(first: 100) { edges { node { id } } } } } } } } } } }`;

describe('query cost', () => {
  it('accepts a page of 100 tickets with every relation and reports its cost', async () => {
    const res = await t.gql(PAGE, { first: 100 }, { token: w.agents.full.token });
    expect(res.errors).toBeUndefined();
    expect((res.data as { tickets: { totalCount: number } }).tickets.totalCount).toBe(3);
    expect((res as unknown as { extensions: unknown }).extensions).toEqual({ cost: { requested: pageCost(100), limit: 5000 } });
    // `first` from a variable, a literal and the default (25) all count
    const byDefault = await t.gql(PAGE, {}, { token: w.agents.full.token });
    expect((byDefault as unknown as { extensions: { cost: { requested: number } } }).extensions.cost.requested).toBe(pageCost(25));
    const literal = await t.gql(PAGE.replace('($first: Int)', '').replace('first: $first', 'first: 7'), {}, { token: w.agents.full.token });
    expect((literal as unknown as { extensions: { cost: { requested: number } } }).extensions.cost.requested).toBe(pageCost(7));
  });

  it('refuses nested connections before executing anything, with the computed cost', async () => {
    let res!: Awaited<ReturnType<TestServer['gql']>>;
    const sql = await t.sqlDuring(async () => {
      res = await t.gql(NESTED, {}, { token: w.agents.full.token });
    });
    // tickets 1 + 100 × (edge 1 + node 1 + events 1 + 100 × (edge 1 + node 1 + ticket 1 + thread 1 + 100 × (edge 1 + node 1)))
    const requested = 1 + 100 * (3 + 100 * (4 + 100 * 2));
    expect(res.data).toBeUndefined();
    expect(res.errors).toEqual([
      expect.objectContaining({ message: `Query cost ${requested} exceeds the limit of 5000`, extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', cost: { requested, limit: 5000 } }) }),
    ]);
    expect(res.status).toBe(400);
    // not even the viewer's token is read: a refusal costs no round trip
    expect(foregroundSql(sql)).toEqual([]);
  });

  it('refuses alias floods, deep nesting and over-long documents without a database round trip, whatever the token', async () => {
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: viewer { __typename }`).join(' ')} }`;
    let deep = 'id';
    for (let i = 0; i < 4; i++) deep = `events(first: 1) { nodes { ticket { ${deep} } } }`;
    const long = `{ ${Array.from({ length: 5100 }, () => '__typename').join(' ')} }`;
    for (const [document, message] of [
      [aliases, /aliases/i],
      [`{ ticket(number: "1") { ${deep} } }`, /depth/i],
      [long, /tokens/i],
    ] as const) {
      for (const token of [w.agents.full.token, 'deskql_unknowntokenunknowntoken']) {
        let res!: Awaited<ReturnType<TestServer['gql']>>;
        const sql = await t.sqlDuring(async () => {
          res = await t.gql(document, {}, { token });
        });
        expect(res.data).toBeUndefined();
        expect(res.errors?.[0]?.message).toMatch(message);
        expect(foregroundSql(sql)).toEqual([]);
      }
    }
    // within the limits, an unknown token is still refused
    const unknown = await t.gql('{ viewer { __typename } }', {}, { token: 'deskql_unknowntokenunknowntoken' });
    expect(unknown.status).toBe(401);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('stops validating a document once a limit refused it: only the limit errors come back', async () => {
    // 16 aliases (the limit is 15) and an unknown field: the field is never looked at.
    const flood = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: viewer { __typename }`).join(' ')} nope }`;
    const res = await t.gql(flood, {}, { token: w.agents.full.token });
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(res.errors?.[0]?.message).toMatch(/aliases/i);
    // within the limits, the unknown field is reported as usual
    const plain = await t.gql('{ viewer { __typename } nope }', {}, { token: w.agents.full.token });
    expect(plain.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('counts `first` from variables, so a small literal document cannot hide a large page', async () => {
    const doc = `query($n: Int) { tickets(first: $n) { edges { node { thread(first: $n) { edges { node { id } } } } } } }`;
    const small = await t.gql(doc, { n: 10 }, { token: w.agents.full.token });
    expect(small.errors).toBeUndefined();
    const large = await t.gql(doc, { n: 100 }, { token: w.agents.full.token });
    expect(large.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: { requested: 1 + 100 * (3 + 100 * 2), limit: 5000 } });
  });

  it('counts fragments where they are spread', async () => {
    const doc = `fragment T on Ticket { owner { name } thread(first: 100) { edges { node { id } } } }
      query { a: tickets(first: 30) { edges { node { ...T } } } b: tickets(first: 30) { edges { node { ...T } } } }`;
    const res = await t.gql(doc, {}, { token: w.agents.full.token });
    // each: 1 + 30 × (edge 1 + node 1 + owner 1 + thread 1 + 100 × 2) = 6121
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: { requested: 2 * 6121, limit: 5000 } });
  });

  it('keeps introspection free, so GraphiQL works', async () => {
    const res = await t.gql(getIntrospectionQuery(), {}, { token: null });
    expect(res.errors).toBeUndefined();
    expect((res as unknown as { extensions: unknown }).extensions).toEqual({ cost: { requested: 0, limit: 5000 } });
  });

  it('refuses the same shapes on WebSocket', async () => {
    const client = t.ws({ authorization: `Bearer ${w.agents.full.token}` });
    const res = await wsResult(client, NESTED);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: { requested: 1 + 100 * (3 + 100 * (4 + 100 * 2)), limit: 5000 } });
    const ok = await wsResult<{ tickets: { edges: unknown[] } }>(client, PAGE, { first: 100 });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.tickets.edges).toHaveLength(3);
    expect(await t.em().count(Ticket, {})).toBe(3);
  });
});
