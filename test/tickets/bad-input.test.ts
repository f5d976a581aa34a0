import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketEvent } from '../../src/modules/events/ticket-event.entity';
import { ThreadEntry } from '../../src/modules/threads/thread-entry.entity';
import { Ticket } from '../../src/modules/tickets/ticket.entity';
import {
  AddNoteDocument,
  AssignDocument,
  OpenTicketDocument,
  PostMessageDocument,
  ReplyDocument,
  SetStatusDocument,
  TicketThreadDocument,
  UpdateAgentDocument,
} from '../__generated__/graphql';
import { countRows } from '../support/rows';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// Bad input to the ticket lifecycle: each gets its clear error, and nothing is written.
let t: TestServer;
let w: World;

beforeAll(async () => {
  // a body limit above 20 MB, so the 10 MB fields reach the service's own checks
  t = await startTestServer({ DESKQL_MAX_BODY_BYTES: String(24 * 1024 * 1024) });
  w = await buildWorld(t);
});
afterAll(() => t?.close());

const snapshot = () => countRows(t, { tickets: Ticket, entries: ThreadEntry, events: TicketEvent });

/** A ticket of the usual owner, opened by an agent of Support. */
const target = (subject = 'Bad input target') => newTicket(t, w.agents.full.token, { subject, owner: { email: w.users.owner.email } });

describe('intake', () => {
  it('refuses an empty or whitespace subject and body', async () => {
    const before = await snapshot();
    const res = await t.gql(OpenTicketDocument, { input: { subject: '   ', body: '<p> </p>', owner: { email: 'x@customer.test' } } }, { token: w.agents.full.token });
    expect(res.data?.openTicket).toEqual({
      ticket: null,
      accessToken: null,
      userErrors: [
        { field: ['subject'], code: 'BAD_USER_INPUT', message: 'subject must not be empty' },
        { field: ['body'], code: 'BAD_USER_INPUT', message: 'body must not be empty' },
      ],
    });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a 10 MB subject and a 10 MB body', async () => {
    const before = await snapshot();
    const huge = 'a'.repeat(10 * 1024 * 1024);
    const res = await t.gql(OpenTicketDocument, { input: { subject: huge, body: huge, owner: { email: 'x@customer.test' } } }, { token: w.agents.full.token });
    expect(res.data?.openTicket.userErrors.map((e) => [e.field?.join('.'), e.code])).toEqual([
      ['subject', 'BAD_USER_INPUT'],
      ['body', 'BAD_USER_INPUT'],
    ]);
    expect(res.data?.openTicket.userErrors[1]!.message).toMatch(/^body must be at most \d+ characters$/);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a body larger than the HTTP limit before parsing it', async () => {
    const small = await startTestServer();
    try {
      const before = await small.em().count(Ticket, {});
      const res = await fetch(small.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation($i: OpenTicketInput!) { openTicket(input: $i) { ticket { id } } }', variables: { i: { subject: 's', body: 'b'.repeat(2 * 1024 * 1024), owner: { email: 'a@b.test' } } } }),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ errors: [{ message: 'The request body is too large', extensions: { code: 'BAD_REQUEST' } }] });
      expect(await small.em().count(Ticket, {})).toBe(before);
    } finally {
      await small.close();
    }
  });

  it('refuses a malformed owner email and an unknown department id', async () => {
    const before = await snapshot();
    const res = await t.gql(
      OpenTicketDocument,
      { input: { subject: 'ok', body: 'ok', owner: { email: 'not an email\r\nBcc: x@y.z' }, departmentId: w.teamId } },
      { token: w.agents.full.token },
    );
    expect(res.data?.openTicket.userErrors.map((e) => [e.field?.join('.'), e.code])).toEqual([['owner.0.email', 'BAD_USER_INPUT']]);
    const dept = await t.gql(OpenTicketDocument, { input: { subject: 'ok', body: 'ok', owner: { email: 'a@customer.test' }, departmentId: w.teamId } }, { token: w.agents.full.token });
    expect(dept.data?.openTicket.userErrors).toEqual([{ field: ['departmentId'], code: 'NOT_FOUND', message: 'Department not found' }]);
    expect(await snapshot()).toEqual(before);
  });
});

const XSS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC="javascript:alert(\'XSS\');">',
  '<a href="jav&#x09;ascript:alert(1)">click</a>',
  '<svg onload=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<div style="background-image: url(javascript:alert(1))">x</div>',
  '<form><button formaction="javascript:alert(1)">go</button></form>',
  '<body onload=alert(1)>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  '<<SCRIPT>alert("XSS");//<</SCRIPT>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
];

describe('stored HTML', () => {
  it('stores no executable script from the OWASP filter-evasion payloads, in any entry type', async () => {
    const ticket = await target('XSS target');
    for (const payload of XSS) {
      const reply = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: `<p>ok</p>${payload}` } }, { token: w.agents.full.token });
      expect(reply.data?.replyToTicket.userErrors).toEqual([]);
      await t.gql(AddNoteDocument, { input: { ticketId: ticket.id, body: `<p>note</p>${payload}` } }, { token: w.agents.full.token });
      await t.gql(PostMessageDocument, { input: { ticketId: ticket.id, body: `<p>msg</p>${payload}` } }, { token: w.users.owner.token });
    }
    const stored = await t.em().find(ThreadEntry, { ticket: { number: ticket.number } });
    expect(stored.length).toBe(1 + 3 * XSS.length);
    for (const entry of stored) {
      expect(entry.body).not.toMatch(/<script|<svg|<iframe|<math|<form|<button|<style|\son\w+\s*=|javascript:|style=/i);
    }
    const thread = await t.gql(TicketThreadDocument, { number: ticket.number }, { token: w.agents.full.token });
    expect(JSON.stringify(thread.data)).not.toMatch(/onerror|javascript:|<script/i);
  });
});

describe('work on tickets', () => {
  it('refuses replies, notes and messages on a deleted ticket, and messages on an archived one', async () => {
    const ticket = await target('To delete');
    const del = await t.gql(SetStatusDocument, { input: { ticketIds: [ticket.id], statusId: w.statuses.Deleted! } }, { token: w.agents.full.token });
    expect(del.data?.setTicketStatus.tickets?.[0]?.state).toBe('DELETED');
    const before = await snapshot();
    const reply = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'hello?' } }, { token: w.agents.full.token });
    expect(reply.data?.replyToTicket.userErrors).toEqual([{ field: null, code: 'CONFLICT', message: 'The ticket is deleted; it takes no replies' }]);
    const note = await t.gql(AddNoteDocument, { input: { ticketId: ticket.id, body: 'hello?' } }, { token: w.agents.full.token });
    expect(note.data?.addNote.userErrors).toEqual([{ field: null, code: 'CONFLICT', message: 'The ticket is deleted; it takes no notes' }]);
    const msg = await t.gql(PostMessageDocument, { input: { ticketId: ticket.id, body: 'reopen please' } }, { token: w.users.owner.token });
    expect(msg.data?.postMessage.userErrors).toEqual([{ field: null, code: 'CONFLICT', message: 'The ticket is deleted; messages cannot reopen it' }]);
    expect(await snapshot()).toEqual(before);

    const archived = await target('To archive');
    await t.gql(SetStatusDocument, { input: { ticketIds: [archived.id], statusId: w.statuses.Archived! } }, { token: w.agents.full.token });
    const msg2 = await t.gql(PostMessageDocument, { input: { ticketId: archived.id, body: 'reopen please' } }, { token: w.users.owner.token });
    expect(msg2.data?.postMessage.userErrors[0]).toMatchObject({ code: 'CONFLICT', message: 'The ticket is archived; messages cannot reopen it' });
  });

  it('refuses a status id of the wrong kind', async () => {
    const ticket = await target();
    const before = await snapshot();
    const reply = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'closing', statusId: w.priorities.High! } }, { token: w.agents.full.token });
    expect(reply.data?.replyToTicket.userErrors).toEqual([{ field: ['statusId'], code: 'NOT_FOUND', message: 'TicketStatus not found' }]);
    const bulk = await t.gql(SetStatusDocument, { input: { ticketIds: [ticket.id], statusId: w.agents.full.id } }, { token: w.agents.full.token });
    expect(bulk.data?.setTicketStatus.userErrors).toEqual([{ field: ['statusId'], code: 'NOT_FOUND', message: 'TicketStatus not found' }]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses to assign an inactive agent or one without access to the department', async () => {
    const ticket = await target();
    const before = await snapshot();
    const other = await t.gql(AssignDocument, { input: { ticketId: ticket.id, agentId: w.agents.other.id } }, { token: w.agents.full.token });
    expect(other.data?.assignTicket.userErrors).toEqual([{ field: ['agentId'], code: 'BAD_USER_INPUT', message: "The agent has no access to the ticket's department" }]);
    const deactivate = await t.gql(UpdateAgentDocument, { input: { agentId: w.agents.replyOnly.id, isActive: false } }, { token: w.agents.admin.token });
    expect(deactivate.data?.updateAgent.userErrors).toEqual([]);
    const inactive = await t.gql(AssignDocument, { input: { ticketId: ticket.id, agentId: w.agents.replyOnly.id } }, { token: w.agents.full.token });
    expect(inactive.data?.assignTicket.userErrors).toEqual([{ field: ['agentId'], code: 'BAD_USER_INPUT', message: 'The agent is inactive and cannot be assigned' }]);
    const neither = await t.gql(AssignDocument, { input: { ticketId: ticket.id } }, { token: w.agents.full.token });
    expect(neither.data?.assignTicket.userErrors[0]?.code).toBe('BAD_USER_INPUT');
    expect(await snapshot()).toEqual(before);
    await t.gql(UpdateAgentDocument, { input: { agentId: w.agents.replyOnly.id, isActive: true } }, { token: w.agents.admin.token });
  });

  it('answers NOT_FOUND for a guessed or wrong-type ticket id, never FORBIDDEN', async () => {
    const hidden = await newTicket(t, w.agents.other.token, { subject: 'Sales secret', owner: { email: 'sales@customer.test' }, departmentId: w.salesId });
    const before = await snapshot();
    for (const ticketId of [hidden.id, w.agents.full.id, 'garbage']) {
      const res = await t.gql(ReplyDocument, { input: { ticketId, body: 'peek' } }, { token: w.agents.full.token });
      expect(res.data?.replyToTicket.userErrors).toEqual([{ field: ['ticketId'], code: 'NOT_FOUND', message: 'Ticket not found' }]);
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('lists', () => {
  const LIST = `query List($first: Int, $after: String, $search: TicketSearch, $orderBy: TicketOrder) {
    tickets(first: $first, after: $after, search: $search, orderBy: $orderBy) {
      edges { node { id subject } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
  type ListData = { tickets: { edges: { node: { id: string; subject: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
  const list = (variables: Record<string, unknown>) => t.gql<ListData, Record<string, unknown>>(LIST, variables, { token: w.agents.full.token });
  const refused = (res: Awaited<ReturnType<typeof list>>, message: string) => {
    expect(res.data?.tickets ?? null).toBeNull();
    expect(res.errors).toEqual([expect.objectContaining({ message, extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  };

  beforeAll(async () => {
    for (const subject of ['Lists 100% sure', 'Lists a_b', 'Lists axb', 'Lists plain']) await target(subject);
  });

  it('refuses a cursor from another list: another filter, another direction, another field', async () => {
    const open = await list({ first: 1, search: { states: ['OPEN'], text: 'Lists' }, orderBy: { field: 'CREATED_AT', direction: 'ASC' } });
    expect(open.data!.tickets.pageInfo.hasNextPage).toBe(true);
    const after = open.data!.tickets.pageInfo.endCursor!;
    // The same list accepts it.
    const next = await list({ first: 1, after, search: { states: ['OPEN'], text: 'Lists' }, orderBy: { field: 'CREATED_AT', direction: 'ASC' } });
    expect(next.errors).toBeUndefined();
    expect(next.data!.tickets.edges).toHaveLength(1);
    const before = await snapshot();
    for (const other of [
      { search: { states: ['CLOSED'], text: 'Lists' }, orderBy: { field: 'CREATED_AT', direction: 'ASC' } },
      { search: { states: ['OPEN'] }, orderBy: { field: 'CREATED_AT', direction: 'ASC' } },
      { search: { states: ['OPEN'], text: 'Lists' }, orderBy: { field: 'CREATED_AT', direction: 'DESC' } },
      { search: { states: ['OPEN'], text: 'Lists' }, orderBy: { field: 'UPDATED_AT', direction: 'ASC' } },
    ]) {
      refused(await list({ first: 1, after, ...other }), '"after" is not a cursor from this list');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses `first` over 100 or negative, never clamping it', async () => {
    const before = await snapshot();
    refused(await list({ first: 101 }), '"first" must be between 0 and 100; got 101');
    refused(await list({ first: -1 }), '"first" must be between 0 and 100; got -1');
    expect((await list({ first: 100 })).errors).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a search text over 200 characters', async () => {
    const before = await snapshot();
    refused(await list({ first: 5, search: { text: 'x'.repeat(201) } }), '"text" must be at most 200 characters');
    const longest = await list({ first: 5, search: { text: 'x'.repeat(200) } });
    expect(longest.errors).toBeUndefined();
    expect(longest.data!.tickets.edges).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('treats % and _ in a search text as the characters themselves, not wildcards', async () => {
    const subjects = async (text: string) => (await list({ first: 100, search: { text } })).data!.tickets.edges.map((e) => e.node.subject).sort();
    expect(await subjects('%')).toEqual(['Lists 100% sure']);
    expect(await subjects('0% s')).toEqual(['Lists 100% sure']);
    expect(await subjects('a_b')).toEqual(['Lists a_b']);
    expect(await subjects('Lists _')).toEqual([]);
    expect(await subjects('\\')).toEqual([]);
  });

  it('refuses an operation over the cost limit before executing it, with the computed cost', async () => {
    const before = await snapshot();
    // openTicket 1 + ticket 1 + thread 1 + 100 × (edge 1 + node 1 + 100 × … the nested events) — computed, not executed.
    const res = await t.gql<unknown, unknown>(
      `mutation { openTicket(input: { subject: "Too costly", body: "x", owner: { email: "costly@customer.test" } }) {
        ticket { events(first: 100) { edges { node { ticket { thread(first: 100) { edges { node { id } } } } } } } } } }`,
      undefined,
      { token: w.agents.full.token },
    );
    const requested = 1 + 1 + 1 + 100 * (1 + 1 + 1 + 1 + 100 * 2);
    expect(res.errors).toEqual([
      expect.objectContaining({ message: `Query cost ${requested} exceeds the limit of 5000`, extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', cost: { requested, limit: 5000 } }) }),
    ]);
    expect(res.data ?? null).toBeNull();
    expect(await snapshot()).toEqual(before);
  });
});
