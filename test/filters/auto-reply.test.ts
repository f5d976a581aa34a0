import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeIdOf, toGlobalId } from '../../src/common/global-id';
import { Attachment } from '../../src/modules/attachments/attachment.entity';
import { OutboundEmail, OutboundEmailKind } from '../../src/modules/email/email.entity';
import { TicketEvent } from '../../src/modules/events/ticket-event.entity';
import { TicketFilter } from '../../src/modules/filters/ticket-filter.entity';
import { ThreadEntry } from '../../src/modules/threads/thread-entry.entity';
import { Ticket } from '../../src/modules/tickets/ticket.entity';
import {
  AutoReplyEventsDocument,
  AutoReplyOpenTicketDocument,
  AutoReplyThreadDocument,
  CannedDeleteDocument,
  CannedUpdateDocument,
  CreateSlaPlanDocument,
  DeleteTicketFilterDocument,
  DryRunTicketFiltersDocument,
  TicketFilterListDocument,
  UpdateTicketFilterDocument,
  type CreateTicketFilterInput,
  type OpenTicketInput,
} from '../__generated__/graphql';
import { createCanned } from '../support/canned';
import { createFilter, tryCreateFilter } from '../support/filters';
import { countRows, rowChanges } from '../support/rows';
import { startTestServer, type TestServer } from '../support/server';
import { openTicket } from '../support/tickets';
import { download, PDF, TEXT, uploadOk } from '../support/uploads';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
import { buildWorld, type World } from '../support/world';

// A filter's auto-reply (SPEC §3–4): a canned response posted as the new
// ticket's first RESPONSE, after its due date is computed, through the real server.
let t: TestServer;
let w: World;
let admin = '';
let fourHours = '';

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
  admin = w.agents.admin.token;
  const plan = await t.gql(CreateSlaPlanDocument, { input: { name: 'Four hours', gracePeriodHours: 4 } }, { token: admin });
  expect(plan.data?.createSlaPlan.userErrors).toEqual([]);
  fourHours = plan.data!.createSlaPlan.slaPlan!.id;
});
afterAll(() => t?.close());

// Filters are global: every test starts without any.
afterEach(async () => {
  const list = await t.gql(TicketFilterListDocument, {}, { token: admin });
  for (const f of list.data?.ticketFilters ?? []) await t.gql(DeleteTicketFilterDocument, { input: { id: f.id } }, { token: admin });
});

const rule = (value: string) => [{ field: 'SUBJECT' as const, operator: 'CONTAINS' as const, value }];


/** An anonymous web intake (the caller gets an access token scoped to the ticket). */
const openAnonymously = (input: Partial<OpenTicketInput>) =>
  openTicket(t, null, { subject: 'Hello', body: '<p>Please help</p>', owner: { email: 'pat@customer.test', name: "Pat O'Neil" }, ...input }, AutoReplyOpenTicketDocument);

async function thread(number: string, token = admin) {
  const res = await t.gql(AutoReplyThreadDocument, { number }, { token });
  expect(res.errors).toBeUndefined();
  return res.data!.ticket!;
}

async function events(number: string) {
  const res = await t.gql(AutoReplyEventsDocument, { number }, { token: admin });
  return res.data!.ticket!.events!.edges.map((e) => e.node);
}

const filterEvents = async (number: string) =>
  (await events(number)).filter((e) => e.kind === 'FILTER_APPLIED').map((e) => e.data as { filter: { name: string }; after: Record<string, unknown>; skipped?: unknown[] });

const counts = () => countRows(t, { filters: TicketFilter, tickets: Ticket, entries: ThreadEntry, attachments: Attachment, events: TicketEvent });

describe('saving an auto-reply action', () => {
  it('refuses an unknown, disabled, other-department or unknown-variable canned response, writing nothing', async () => {
    const sales = await createCanned(t, admin, { title: 'Sales greeting', body: '<p>Hi from sales</p>', departmentId: w.salesId });
    const disabled = await createCanned(t, admin, { title: 'Old greeting', body: '<p>Hi</p>', isEnabled: false });
    const broken = await createCanned(t, admin, { title: 'Typo', body: '<p>Hi %{recipient.nmae} and %{ticket.numbr}</p>' });
    const before = await counts();
    const refused = async (actions: CreateTicketFilterInput['actions']) => (await tryCreateFilter(t, admin, { name: 'Greeter', actions })).userErrors;
    const at = ['actions', 'autoReplyCannedResponseId'];
    expect(await refused({ autoReplyCannedResponseId: 'not-an-id' })).toEqual([{ field: at, code: 'NOT_FOUND', message: 'CannedResponse not found' }]);
    expect(await refused({ autoReplyCannedResponseId: disabled.id })).toEqual([{ field: at, code: 'BAD_USER_INPUT', message: 'The canned response is disabled' }]);
    // a response of another department than the one the filter sets: NOT_FOUND, as a reply gets
    expect(await refused({ departmentId: w.supportId, autoReplyCannedResponseId: sales.id })).toEqual([
      { field: at, code: 'NOT_FOUND', message: 'Canned response not found in Support, the department this filter sets' },
    ]);
    expect(await refused({ autoReplyCannedResponseId: broken.id })).toEqual([
      { field: at, code: 'BAD_USER_INPUT', message: 'The canned response has unknown variables (%{recipient.nmae}, %{ticket.numbr}); customers would see them as written' },
    ]);
    expect(await refused({ reject: true, autoReplyCannedResponseId: sales.id })).toEqual([
      { field: ['actions', 'reject'], code: 'BAD_USER_INPUT', message: 'A filter that rejects the ticket can have no other action' },
    ]);
    // the same checks on update
    const f = await createFilter(t, admin, { name: 'Plain' });
    const upd = await t.gql(UpdateTicketFilterDocument, { input: { ticketFilterId: f.id, actions: { autoReplyCannedResponseId: disabled.id } } }, { token: admin });
    expect(upd.data?.updateTicketFilter.userErrors).toEqual([{ field: at, code: 'BAD_USER_INPUT', message: 'The canned response is disabled' }]);
    expect(rowChanges(before, await counts())).toEqual({ filters: 1 });
    // a department-scoped response is accepted when the filter leaves the department alone, or sets its own
    expect((await tryCreateFilter(t, admin, { name: 'Sales greeter', actions: { autoReplyCannedResponseId: sales.id } })).userErrors).toEqual([]);
    const routed = await createFilter(t, admin, { name: 'Sales router', actions: { departmentId: w.salesId, autoReplyCannedResponseId: sales.id } });
    expect(routed.actions.autoReplyCannedResponse).toEqual({ id: sales.id, title: 'Sales greeting' });
  });
});

describe('at intake', () => {
  it('posts the response rendered for the new ticket, with its due date, escaped values and copies of its attachments', async () => {
    const pdf = await uploadOk(t, admin, PDF, 'welcome.pdf');
    const txt = await uploadOk(t, admin, TEXT, 'faq.txt');
    const logo = await uploadOk(t, admin, PNG, 'logo.png');
    const canned = await createCanned(t, admin, {
      title: 'We got it',
      body: `<p>Hello %{recipient.name} (%{recipient.email}), we got “%{ticket.subject}” as #%{ticket.number}.</p><p>%{ticket.dept} answers by %{ticket.due_date}; status %{ticket.status}, priority %{ticket.priority}, with %{ticket.assigned}.</p><p>— %{staff.name} <img src="/attachments/${logo.id}" alt="logo"></p>`,
      departmentId: w.supportId,
      attachmentIds: [pdf.id, txt.id, logo.id],
    });
    await createFilter(t, admin, { name: 'Acknowledge printers', rules: rule('printer'), actions: { slaPlanId: fourHours, assignAgentId: w.agents.full.id, autoReplyCannedResponseId: canned.id } });
    const before = await counts();

    const opened = await openAnonymously({ subject: '<script>alert(1)</script> printer jam' });
    const ticket = opened.ticket!;
    expect(ticket.department.name).toBe('Support');
    // the due date comes first: four hours around the clock from creation
    expect(ticket.dueAt).not.toBeNull();
    const due = ticket.dueAt as string;
    // `2026-11-27 09:30 UTC`: the date and minutes of the ISO timestamp
    const dueText = `${due.slice(0, 10)} ${due.slice(11, 16)} UTC`;
    // an auto-reply is no agent's answer: the ticket stays unanswered
    expect(ticket).toMatchObject({ isAnswered: false, lastResponseAt: null, version: 1 });

    const { thread: entries } = await thread(ticket.number);
    expect(entries.edges.map((e) => e.node.type)).toEqual(['MESSAGE', 'RESPONSE']);
    const reply = entries.edges[1]!.node;
    // the logo shows the reply's own copy: the canned response's file is not the customer's to fetch
    const logoCopy = reply.attachments[2]!.id;
    expect(reply.body).toBe(
      `<p>Hello Pat O'Neil (pat@customer.test), we got “&lt;script&gt;alert(1)&lt;/script&gt; printer jam” as #${ticket.number}.</p>` +
        `<p>Support answers by ${dueText}; status Open, priority Normal, with Fiona Full.</p><p>— Support <img src="/attachments/${logoCopy}" alt="logo" /></p>`,
    );
    // posted by the system, not by any agent
    expect(reply.poster).toBeNull();
    expect(reply.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['welcome.pdf', 'application/pdf', PDF.length],
      ['faq.txt', 'text/plain', TEXT.length],
      ['logo.png', 'image/png', PNG.length],
    ]);
    expect(reply.attachments.map((a) => a.id)).not.toContain(pdf.id);
    expect(logoCopy).not.toBe(logo.id);
    expect((await download(t, opened.accessToken!, logo.id)).status).toBe(404);

    // the customer reads it with the access token intake gave them, attachments included
    const mine = await thread(ticket.number, opened.accessToken!);
    expect(mine.thread.edges.map((e) => e.node.body)).toEqual(entries.edges.map((e) => e.node.body));
    const copy = await download(t, opened.accessToken!, reply.attachments[0]!.id);
    expect(copy.status).toBe(200);
    expect(copy.body.equals(PDF)).toBe(true);

    const log = await events(ticket.number);
    expect(log.map((e) => e.kind)).toEqual(['CREATED', 'FILTER_APPLIED', 'RESPONSE']);
    expect(log[1]!.data).toMatchObject({ after: { autoReplyCannedResponseId: Number(Buffer.from(canned.id, 'base64url').toString().split(':')[1]) } });
    expect(log[2]).toMatchObject({ actor: null, data: { after: { attachments: 3, autoReply: { cannedResponseId: canned.id } } } });
    // the customer's email of it (the auto-reply stands for the acknowledgement) carries the reply's copies
    const mails = await t.em().find(OutboundEmail, { ticket: decodeIdOf('Ticket', ticket.id)!, kind: OutboundEmailKind.AUTO_RESPONSE });
    expect(mails.map((m) => m.attachmentIds.map((id) => toGlobalId('Attachment', id)))).toEqual([reply.attachments.map((a) => a.id)]);

    // one ticket, two entries, three attachment copies, three events; the canned response keeps its own files
    expect(rowChanges(before, await counts())).toEqual({ tickets: 1, entries: 2, attachments: 3, events: 3 });
  });

  it("posts only the last matching filter's response (a later action overrides an earlier one)", async () => {
    const first = await createCanned(t, admin, { title: 'First', body: '<p>First</p>' });
    const second = await createCanned(t, admin, { title: 'Second', body: '<p>Second for %{recipient.email}</p>' });
    await createFilter(t, admin, { name: 'Early', executionOrder: 1, rules: rule('override'), actions: { autoReplyCannedResponseId: first.id } });
    await createFilter(t, admin, { name: 'Late', executionOrder: 2, rules: rule('override'), actions: { autoReplyCannedResponseId: second.id } });
    const ticket = (await openAnonymously({ subject: 'Override me' })).ticket!;
    const { thread: entries } = await thread(ticket.number);
    expect(entries.edges.map((e) => [e.node.type, e.node.body])).toEqual([
      ['MESSAGE', '<p>Please help</p>'],
      ['RESPONSE', '<p>Second for pat@customer.test</p>'],
    ]);
    // and the dry run says the same
    const dry = await t.gql(DryRunTicketFiltersDocument, { input: { subject: 'Override me', body: 'x', email: 'pat@customer.test' } }, { token: admin });
    expect(dry.data?.testTicketFilters.autoReplyCannedResponse).toEqual({ id: second.id, title: 'Second' });
  });

  it('skips, and reports in FILTER_APPLIED, a response of another department, disabled or deleted since', async () => {
    const sales = await createCanned(t, admin, { title: 'Sales only', body: '<p>Sales here</p>', departmentId: w.salesId });
    const later = await createCanned(t, admin, { title: 'Later disabled', body: '<p>Soon off</p>' });
    const gone = await createCanned(t, admin, { title: 'Soon gone', body: '<p>Soon gone</p>' });
    await createFilter(t, admin, { name: 'Wrong department', rules: rule('skip-dept'), actions: { autoReplyCannedResponseId: sales.id } });
    await createFilter(t, admin, { name: 'Disabled since', rules: rule('skip-disabled'), actions: { autoReplyCannedResponseId: later.id } });
    await createFilter(t, admin, { name: 'Deleted since', rules: rule('skip-deleted'), actions: { autoReplyCannedResponseId: gone.id } });
    expect((await t.gql(CannedUpdateDocument, { input: { cannedResponseId: later.id, isEnabled: false } }, { token: admin })).data?.updateCannedResponse.userErrors).toEqual([]);
    expect((await t.gql(CannedDeleteDocument, { input: { id: gone.id } }, { token: admin })).data?.deleteCannedResponse.userErrors).toEqual([]);

    const cases: [string, string][] = [
      ['skip-dept', "The canned response is not for Support, the ticket's department"],
      ['skip-disabled', 'The canned response is disabled'],
      ['skip-deleted', 'The canned response no longer exists'],
    ];
    for (const [subject, reason] of cases) {
      const dry = await t.gql(DryRunTicketFiltersDocument, { input: { subject, body: 'x', email: 'pat@customer.test' } }, { token: admin });
      expect(dry.data?.testTicketFilters.autoReplyCannedResponse).toBeNull();
      const ticket = (await openAnonymously({ subject })).ticket!;
      expect((await thread(ticket.number)).thread.edges.map((e) => e.node.type)).toEqual(['MESSAGE']);
      const [data] = await filterEvents(ticket.number);
      expect(data).toMatchObject({ after: {}, skipped: [{ action: 'autoReplyCannedResponseId', reason }] });
      expect(data!.after).not.toHaveProperty('autoReplyCannedResponseId');
    }
    // an earlier filter's response for every department stands when the later one's is not for the ticket
    const general = await createCanned(t, admin, { title: 'General', body: '<p>We are on it</p>' });
    await createFilter(t, admin, { name: 'Fallback first', executionOrder: -1, rules: rule('skip-dept'), actions: { autoReplyCannedResponseId: general.id } });
    const fallback = (await openAnonymously({ subject: 'skip-dept with a fallback' })).ticket!;
    expect((await thread(fallback.number)).thread.edges.map((e) => [e.node.type, e.node.body])).toEqual([
      ['MESSAGE', '<p>Please help</p>'],
      ['RESPONSE', '<p>We are on it</p>'],
    ]);
    const [first, second] = await filterEvents(fallback.number);
    expect(first).toMatchObject({ filter: { name: 'Fallback first' }, after: { autoReplyCannedResponseId: Number(Buffer.from(general.id, 'base64url').toString().split(':')[1]) } });
    expect(second).toMatchObject({ filter: { name: 'Wrong department' }, skipped: [{ action: 'autoReplyCannedResponseId', reason: "The canned response is not for Support, the ticket's department" }] });

    // routed to Sales by the caller, the Sales response goes out
    const inSales = (await openAnonymously({ subject: 'skip-dept after all', departmentId: w.salesId })).ticket!;
    expect((await thread(inSales.number)).thread.edges.map((e) => [e.node.type, e.node.body])).toEqual([
      ['MESSAGE', '<p>Please help</p>'],
      ['RESPONSE', '<p>Sales here</p>'],
    ]);
  });
});
