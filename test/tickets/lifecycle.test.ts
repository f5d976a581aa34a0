import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketEvent } from '../../src/modules/events/ticket-event.entity';
import { ThreadEntry } from '../../src/modules/threads/thread-entry.entity';
import { Ticket } from '../../src/modules/tickets/ticket.entity';
import {
  AddCollaboratorsDocument,
  AddNoteDocument,
  AssignDocument,
  ClaimDocument,
  LockDocument,
  OpenTicketDocument,
  PostMessageDocument,
  ReplyDocument,
  SetStatusDocument,
  TicketByNumberDocument,
  TicketEventsDocument,
  TicketListDocument,
  TicketThreadDocument,
  UnlockDocument,
  UpdateTicketDocument,
} from '../__generated__/graphql';
import { countRows } from '../support/rows';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket, openTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// osTicket's lifecycle, end to end through the real HTTP server.
let t: TestServer;
let w: World;

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
});
afterAll(() => t?.close());

const count = () => countRows(t, { tickets: Ticket, entries: ThreadEntry, events: TicketEvent });

describe('intake', () => {
  it('opens an anonymous web ticket with an access token scoped to it', async () => {
    const res = await openTicket(t, null, { subject: 'Printer on fire', body: '<p>It is <b>really</b> on fire</p>', owner: { email: 'anon@customer.test', name: 'Anna Nonymous' } });
    const ticket = res.ticket!;
    expect(ticket).toMatchObject({ subject: 'Printer on fire', state: 'OPEN', source: 'WEB', isAnswered: false, version: 1, status: { name: 'Open' }, department: { name: 'Support' }, priority: { name: 'Normal' } });
    expect(ticket.number).toMatch(/^\d{6,}$/);
    expect(res.accessToken).toMatch(/^dqt_/);
    // the token reads this ticket, as its owner
    const mine = await t.gql(TicketByNumberDocument, { number: ticket.number }, { token: res.accessToken });
    expect(mine.data?.ticket?.owner).toMatchObject({ name: 'Anna Nonymous', email: 'anon@customer.test' });
    expect(mine.data?.ticket?.viewerCan.postMessage).toBe(true);
    // due date from the default SLA plan: 18 hours after creation
    expect(new Date(ticket.dueAt!).getTime() - new Date(ticket.createdAt).getTime()).toBe(18 * 3600_000);
    // but nothing else
    const other = await openTicket(t, w.agents.full.token, { subject: 'Other', body: 'x', owner: { email: 'someone@customer.test' } });
    expect((await t.gql(TicketByNumberDocument, { number: other.ticket!.number }, { token: res.accessToken })).data?.ticket).toBeNull();
    const list = await t.gql(TicketListDocument, {}, { token: res.accessToken });
    expect(list.data?.tickets.edges.map((e) => e.node.number)).toEqual([ticket.number]);
  });

  it('lets an agent open a ticket by phone on behalf of a new end user', async () => {
    const res = await openTicket(t, w.agents.full.token, {
      subject: 'Password reset',
      body: 'Caller cannot log in',
      owner: { email: 'Caller@Customer.test', name: 'Carl Caller' },
      source: 'PHONE',
      priorityId: w.priorities.High,
    });
    expect(res.accessToken).toBeNull();
    expect(res.ticket).toMatchObject({ source: 'PHONE', priority: { name: 'High' }, owner: { email: 'caller@customer.test', name: 'Carl Caller' } });
    const thread = await t.gql(TicketThreadDocument, { number: res.ticket!.number }, { token: w.agents.full.token });
    expect(thread.data?.ticket?.thread.edges.map((e) => [e.node.type, e.node.poster?.name])).toEqual([['MESSAGE', 'Carl Caller']]);
    const events = await t.gql(TicketEventsDocument, { number: res.ticket!.number }, { token: w.agents.full.token });
    expect(events.data?.ticket?.events?.edges.map((e) => [e.node.kind, e.node.actor?.name])).toEqual([['CREATED', 'Fiona Full']]);
  });

  it('returns the first ticket for the same idempotency key from the same caller', async () => {
    const input = { subject: 'Once only', body: 'Retry me', owner: { email: 'retry@customer.test' }, idempotencyKey: 'k-123' };
    const first = await openTicket(t, w.agents.full.token, input);
    const before = await count();
    const again = await openTicket(t, w.agents.full.token, input);
    expect(again.ticket!.id).toBe(first.ticket!.id);
    expect(await count()).toEqual(before);
    // another caller's key is another key
    const other = await openTicket(t, w.agents.admin.token, input);
    expect(other.ticket!.id).not.toBe(first.ticket!.id);
  });

  it('lets a logged-in end user open a ticket for themselves only', async () => {
    const res = await openTicket(t, w.users.stranger.token, { subject: 'My own', body: 'Hello' });
    expect(res.ticket?.owner.email).toBe(w.users.stranger.email);
    const bad = await t.gql(OpenTicketDocument, { input: { subject: 'For someone', body: 'x', owner: { email: 'victim@customer.test' } } }, { token: w.users.stranger.token });
    expect(bad.data?.openTicket.userErrors).toEqual([{ field: ['owner'], code: 'BAD_USER_INPUT', message: 'A logged-in end user opens tickets for themselves: omit owner' }]);
  });
});

describe('visibility', () => {
  let number = '';
  let id = '';
  beforeAll(async () => {
    const res = await openTicket(t, w.agents.full.token, { subject: 'Support only', body: 'x', owner: { email: w.users.owner.email } });
    number = res.ticket!.number;
    id = res.ticket!.id;
  });

  it('shows a department ticket to its agents, not to another department or an assigned-only agent', async () => {
    const see = async (token: string) => (await t.gql(TicketByNumberDocument, { number }, { token })).data?.ticket?.id ?? null;
    expect(await see(w.agents.full.token)).toBe(id);
    expect(await see(w.agents.replyOnly.token)).toBe(id);
    expect(await see(w.agents.admin.token)).toBe(id);
    expect(await see(w.agents.other.token)).toBeNull();
    expect(await see(w.agents.assignedOnly.token)).toBeNull();
    expect(await see(w.agents.teamMember.token)).toBeNull();
    expect(await see(w.users.stranger.token)).toBeNull();
    expect(await see(w.users.owner.token)).toBe(id);
  });

  it('shows it to an assigned-only agent once assigned, and to a team member once the team has it', async () => {
    const a = await t.gql(AssignDocument, { input: { ticketId: id, agentId: w.agents.assignedOnly.id } }, { token: w.agents.full.token });
    expect(a.data?.assignTicket.ticket?.assignee?.name).toBe('Asa Assigned');
    expect((await t.gql(TicketByNumberDocument, { number }, { token: w.agents.assignedOnly.token })).data?.ticket?.id).toBe(id);
    const team = await t.gql(AssignDocument, { input: { ticketId: id, teamId: w.teamId } }, { token: w.agents.full.token });
    expect(team.data?.assignTicket.ticket?.team?.name).toBe('Escalations');
    const seen = await t.gql(TicketByNumberDocument, { number }, { token: w.agents.teamMember.token });
    expect(seen.data?.ticket?.id).toBe(id);
    // visible only through the team: the agent's primary role applies
    expect(seen.data?.ticket?.viewerCan.close).toBe(true);
  });
});

describe('conversation and resolution', () => {
  it('walks reply-only limits, collaborators, notes, resolve, reopen and answered+overdue', async () => {
    const opened = await openTicket(t, w.users.owner.token, { subject: 'Broken login', body: '<p>I cannot log in</p>' });
    const ticket = opened.ticket!;
    const { full, replyOnly } = w.agents;

    // a reply-only agent may reply but not close
    const view = await t.gql(TicketByNumberDocument, { number: ticket.number }, { token: replyOnly.token });
    expect(view.data?.ticket?.viewerCan).toMatchObject({ reply: true, addNote: true, close: false, assign: false, edit: false });
    const before = await count();
    const refused = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'Fixed', statusId: w.statuses.Resolved } }, { token: replyOnly.token });
    expect(refused.data?.replyToTicket).toEqual({ ticket: null, entry: null, userErrors: [{ field: null, code: 'FORBIDDEN', message: 'Your role may not close or reopen tickets here' }] });
    expect(await count()).toEqual(before);
    const plain = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'Looking into it' } }, { token: replyOnly.token });
    expect(plain.data?.replyToTicket.ticket).toMatchObject({ isAnswered: true, state: 'OPEN' });

    // collaborators read the thread (not notes) and post
    const collab = await t.gql(AddCollaboratorsDocument, { input: { ticketId: ticket.id, people: [{ email: w.users.collaborator.email }] } }, { token: full.token });
    expect(collab.data?.addCollaborators.ticket?.collaborators.map((c) => [c.user.email, c.role, c.isActive])).toEqual([[w.users.collaborator.email, 'CC', true]]);
    await t.gql(AddNoteDocument, { input: { ticketId: ticket.id, body: 'Internal: user is VIP' } }, { token: full.token });
    const asCollab = await t.gql(TicketThreadDocument, { number: ticket.number }, { token: w.users.collaborator.token });
    expect(asCollab.data?.ticket?.thread.edges.map((e) => e.node.type)).toEqual(['MESSAGE', 'RESPONSE']);
    expect(JSON.stringify(asCollab.data)).not.toContain('VIP');
    const asOwnerNotes = await t.gql(TicketThreadDocument, { number: ticket.number, types: ['NOTE'] }, { token: w.users.owner.token });
    expect(asOwnerNotes.data?.ticket?.thread.edges).toEqual([]);
    const asAgent = await t.gql(TicketThreadDocument, { number: ticket.number }, { token: full.token });
    expect(asAgent.data?.ticket?.thread.edges.map((e) => e.node.type)).toEqual(['MESSAGE', 'RESPONSE', 'NOTE']);
    const events = await t.gql(TicketEventsDocument, { number: ticket.number }, { token: w.users.owner.token });
    expect(events.data?.ticket?.events).toBeNull();
    expect(events.data?.ticket?.lock).toBeNull();
    expect(events.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort()).toEqual([
      ['ticket.events', 'FORBIDDEN'],
      ['ticket.lock', 'FORBIDDEN'],
    ]);

    const msg = await t.gql(PostMessageDocument, { input: { ticketId: ticket.id, body: 'Me too' } }, { token: w.users.collaborator.token });
    expect(msg.data?.postMessage.ticket).toMatchObject({ isAnswered: false });

    // answered and overdue at once: an agent responds, then the due date passes
    await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'Try again now' } }, { token: full.token });
    const due = await t.gql(UpdateTicketDocument, { input: { ticketId: ticket.id, dueAt: new Date(Date.now() - 60_000).toISOString() } }, { token: full.token });
    expect(due.data?.updateTicket.ticket?.isOverdue).toBe(true);
    const both = await t.gql(TicketListDocument, { search: { isAnswered: true, isOverdue: true } }, { token: full.token });
    expect(both.data?.tickets.edges.map((e) => e.node.number)).toContain(ticket.number);

    // reply with resolve, in one step
    const resolved = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'Resolved!', statusId: w.statuses.Resolved } }, { token: full.token });
    expect(resolved.data?.replyToTicket.ticket).toMatchObject({ state: 'CLOSED', status: { name: 'Resolved' } });
    expect(resolved.data?.replyToTicket.ticket?.closedAt).toBeTruthy();
    const closedView = await t.gql(TicketByNumberDocument, { number: ticket.number }, { token: full.token });
    expect(closedView.data?.ticket?.isOverdue).toBe(false);

    // the owner's message reopens it
    const reopened = await t.gql(PostMessageDocument, { input: { ticketId: ticket.id, body: 'Still broken' } }, { token: w.users.owner.token });
    expect(reopened.data?.postMessage.ticket).toMatchObject({ state: 'OPEN', reopenCount: 1, isAnswered: false, status: { name: 'Open' } });
    expect(reopened.data?.postMessage.ticket?.reopenedAt).toBeTruthy();
    const kinds = (await t.gql(TicketEventsDocument, { number: ticket.number }, { token: full.token })).data?.ticket?.events?.edges.map((e) => e.node.kind);
    expect(kinds).toEqual(['CREATED', 'RESPONSE', 'COLLABORATOR_ADDED', 'NOTE', 'MESSAGE', 'RESPONSE', 'EDITED', 'RESPONSE', 'CLOSED', 'MESSAGE', 'REOPENED']);
    // reopening recomputes the due date, but the agent-set one still wins: still overdue
    const after = await t.gql(TicketByNumberDocument, { number: ticket.number }, { token: full.token });
    expect(after.data?.ticket?.isOverdue).toBe(true);
  });

  it('closes many tickets all or nothing', async () => {
    const a = await newTicket(t, w.agents.full.token, { subject: 'Bulk A', body: 'x', owner: { email: w.users.owner.email } });
    const b = await newTicket(t, w.agents.full.token, { subject: 'Bulk B', body: 'x', owner: { email: w.users.owner.email } });
    const hidden = await newTicket(t, w.agents.other.token, { subject: 'Sales one', body: 'x', owner: { email: w.users.owner.email }, departmentId: w.salesId });
    const before = await count();
    const refused = await t.gql(SetStatusDocument, { input: { ticketIds: [a.id, hidden.id, b.id], statusId: w.statuses.Closed! } }, { token: w.agents.full.token });
    expect(refused.data?.setTicketStatus).toEqual({ tickets: null, userErrors: [{ field: ['ticketIds', '1'], code: 'NOT_FOUND', message: 'Ticket not found' }] });
    expect(await count()).toEqual(before);
    expect((await t.gql(TicketByNumberDocument, { number: a.number }, { token: w.agents.full.token })).data?.ticket?.state).toBe('OPEN');
    const done = await t.gql(SetStatusDocument, { input: { ticketIds: [a.id, b.id], statusId: w.statuses.Closed! } }, { token: w.agents.full.token });
    expect(done.data?.setTicketStatus.tickets?.map((x) => [x.id, x.state, x.status.name])).toEqual([
      [a.id, 'CLOSED', 'Closed'],
      [b.id, 'CLOSED', 'Closed'],
    ]);
  });
});

describe('concurrency', () => {
  it('refuses a stale expectedVersion with CONFLICT and changes nothing', async () => {
    const ticket = await newTicket(t, w.agents.full.token, { subject: 'Versioned', body: 'x', owner: { email: w.users.owner.email } });
    const first = await t.gql(UpdateTicketDocument, { input: { ticketId: ticket.id, subject: 'Versioned v2', expectedVersion: 1 } }, { token: w.agents.full.token });
    expect(first.data?.updateTicket.ticket).toMatchObject({ subject: 'Versioned v2', version: 2 });
    const stale = await t.gql(UpdateTicketDocument, { input: { ticketId: ticket.id, subject: 'Lost update', expectedVersion: 1 } }, { token: w.agents.full.token });
    expect(stale.data?.updateTicket.userErrors).toEqual([{ field: ['expectedVersion'], code: 'CONFLICT', message: 'The ticket changed since you read it (version 2, not 1); reload and try again' }]);
    const staleReply = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'late', expectedVersion: 1 } }, { token: w.agents.full.token });
    expect(staleReply.data?.replyToTicket.userErrors[0]?.code).toBe('CONFLICT');
    const now = await t.gql(TicketByNumberDocument, { number: ticket.number }, { token: w.agents.full.token });
    expect(now.data?.ticket).toMatchObject({ subject: 'Versioned v2', version: 2 });
  });

  it('refuses other agents while a lock is held, and releases it on the holder’s reply', async () => {
    const ticket = await newTicket(t, w.agents.full.token, { subject: 'Locked', body: 'x', owner: { email: w.users.owner.email } });
    const lock = await t.gql(LockDocument, { input: { ticketId: ticket.id } }, { token: w.agents.full.token });
    expect(lock.data?.lockTicket.lock?.agent.name).toBe('Fiona Full');
    const second = await t.gql(LockDocument, { input: { ticketId: ticket.id } }, { token: w.agents.admin.token });
    expect(second.data?.lockTicket.userErrors).toEqual([{ field: null, code: 'LOCKED', message: 'Another agent is working on this ticket (it is locked)' }]);
    const before = await count();
    const reply = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'me first' } }, { token: w.agents.replyOnly.token });
    expect(reply.data?.replyToTicket.userErrors[0]?.code).toBe('LOCKED');
    const note = await t.gql(AddNoteDocument, { input: { ticketId: ticket.id, body: 'note' } }, { token: w.agents.replyOnly.token });
    expect(note.data?.addNote.userErrors[0]?.code).toBe('LOCKED');
    expect(await count()).toEqual(before);
    // viewerCan says so beforehand: not to the others while the lock is held, still to its holder
    const canOf = async (token: string) => (await t.gql(TicketByNumberDocument, { number: ticket.number }, { token })).data!.ticket!.viewerCan;
    expect(await canOf(w.agents.replyOnly.token)).toMatchObject({ reply: false, addNote: false });
    expect(await canOf(w.agents.full.token)).toMatchObject({ reply: true, addNote: true });
    await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'done' } }, { token: w.agents.full.token });
    const events = await t.gql(TicketEventsDocument, { number: ticket.number }, { token: w.agents.full.token });
    expect(events.data?.ticket?.lock).toBeNull();
    expect(await canOf(w.agents.replyOnly.token)).toMatchObject({ reply: true, addNote: true });
    const unlock = await t.gql(UnlockDocument, { input: { ticketId: ticket.id } }, { token: w.agents.full.token });
    expect(unlock.data?.unlockTicket.userErrors).toEqual([]);
  });

  it('lets exactly one of two racing agents claim a ticket', async () => {
    const ticket = await newTicket(t, w.agents.full.token, { subject: 'Race', body: 'x', owner: { email: w.users.owner.email } });
    const [a, b] = await Promise.all([
      t.gql(ClaimDocument, { input: { ticketId: ticket.id } }, { token: w.agents.full.token }),
      t.gql(ClaimDocument, { input: { ticketId: ticket.id } }, { token: w.agents.admin.token }),
    ]);
    const results = [a, b].map((r) => (r.data?.claimTicket.userErrors.length ? r.data.claimTicket.userErrors[0]!.code : 'WON'));
    expect(results.sort()).toEqual(['CONFLICT', 'WON']);
    const events = await t.em().count(TicketEvent, { ticket: { number: ticket.number }, kind: 'ASSIGNED' as never });
    expect(events).toBe(1);
  });
});
