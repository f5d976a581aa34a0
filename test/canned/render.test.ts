import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attachment, AttachmentContent } from '../../src/modules/attachments/attachment.entity';
import { TicketEvent } from '../../src/modules/events/ticket-event.entity';
import { ThreadEntry } from '../../src/modules/threads/thread-entry.entity';
import {
  AssignDocument,
  CannedDeleteDocument,
  CannedRenderDocument,
  CannedReplyDocument,
  CannedThreadDocument,
  CannedUpdateDocument,
  UpdateTicketDocument,
} from '../__generated__/graphql';
import { createCanned } from '../support/canned';
import { countRows, rowChanges } from '../support/rows';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket, type TicketInput } from '../support/tickets';
import { download, PDF, TEXT, uploadOk } from '../support/uploads';
import { buildWorld, type World } from '../support/world';

// SPEC §5 canned responses in use: rendered for a ticket, and sent with a reply.
let t: TestServer;
let w: World;

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
});
afterAll(() => t?.close());

const VARIABLES = [
  'ticket.number',
  'ticket.subject',
  'ticket.status',
  'ticket.priority',
  'ticket.dept',
  'ticket.due_date',
  'ticket.assigned',
  'recipient.name',
  'recipient.email',
  'staff.name',
];
/** Every variable in a list item of its own, so each value can be read back alone. */
const ALL_VARIABLES = `<ul>${VARIABLES.map((v) => `<li>${v}=%{${v}}</li>`).join('')}</ul>`;

function valuesIn(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/<li>([a-z._]+)=(.*?)<\/li>/g)].map((m) => [m[1]!, m[2]!]));
}

/** A ticket opened by an agent (the full one unless `token` says), for the usual owner unless `input` names another. */
const ownersTicket = (input: TicketInput, token = w.agents.full.token) => newTicket(t, token, { owner: { email: w.users.owner.email }, ...input });

const render = (cannedResponseId: string, ticketId: string, token = w.agents.full.token) => t.gql(CannedRenderDocument, { cannedResponseId, ticketId }, { token });

async function rendered(cannedResponseId: string, ticketId: string, token = w.agents.full.token) {
  const res = await render(cannedResponseId, ticketId, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.renderCannedResponse;
}

const NOT_FOUND = (message: string): unknown[] => [expect.objectContaining({ message, path: ['renderCannedResponse'], extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })];

const counts = () => countRows(t, { entries: ThreadEntry, attachments: Attachment, contents: AttachmentContent, events: TicketEvent });

describe('rendering variables', () => {
  it('renders every variable for a ticket, as the viewing agent', async () => {
    const canned = await createCanned(t, w.agents.admin.token, { title: 'All variables', body: ALL_VARIABLES, departmentId: w.supportId });
    const ticket = await ownersTicket({ subject: 'Invoice 42 is wrong', priorityId: w.priorities.High! });
    const due = await t.gql(UpdateTicketDocument, { input: { ticketId: ticket.id, dueAt: '2031-05-06T07:08:09.000Z' } }, { token: w.agents.full.token });
    expect(due.data?.updateTicket.userErrors).toEqual([]);
    const assign = await t.gql(AssignDocument, { input: { ticketId: ticket.id, agentId: w.agents.full.id } }, { token: w.agents.full.token });
    expect(assign.data?.assignTicket.userErrors).toEqual([]);

    const asRory = await rendered(canned.id, ticket.id, w.agents.replyOnly.token);
    expect(valuesIn(asRory.body)).toEqual({
      'ticket.number': ticket.number,
      'ticket.subject': 'Invoice 42 is wrong',
      'ticket.status': 'Open',
      'ticket.priority': 'High',
      'ticket.dept': 'Support',
      'ticket.due_date': '2031-05-06 07:08 UTC',
      'ticket.assigned': 'Fiona Full',
      'recipient.name': 'Owen Owner',
      'recipient.email': 'owen@customer.test',
      'staff.name': 'Rory Reply',
    });
    expect(asRory.unknownVariables).toEqual([]);
    expect(asRory.attachments).toEqual([]);
    // staff.name is whoever renders it
    expect(valuesIn((await rendered(canned.id, ticket.id, w.agents.full.token)).body)['staff.name']).toBe('Fiona Full');
  });

  it('names the team when no agent is assigned, nothing when neither is, and follows status and due date', async () => {
    const canned = await createCanned(t, w.agents.admin.token, { title: 'Assignment', body: ALL_VARIABLES });
    const teamTicket = await ownersTicket({ subject: 'For the team' });
    const toTeam = await t.gql(AssignDocument, { input: { ticketId: teamTicket.id, teamId: w.teamId } }, { token: w.agents.full.token });
    expect(toTeam.data?.assignTicket.userErrors).toEqual([]);
    const teamValues = valuesIn((await rendered(canned.id, teamTicket.id)).body);
    expect(teamValues['ticket.assigned']).toBe('Escalations');
    // the SLA plan's due date (18 hours after creation), in the same readable UTC form
    const dueAt = new Date(teamTicket.dueAt!);
    expect(teamValues['ticket.due_date']).toBe(`${dueAt.toISOString().slice(0, 10)} ${dueAt.toISOString().slice(11, 16)} UTC`);
    expect(teamValues['ticket.due_date']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);

    const nobody = await ownersTicket({ subject: 'Unassigned', priorityId: w.priorities.Low! });
    const values = valuesIn((await rendered(canned.id, nobody.id)).body);
    expect(values['ticket.assigned']).toBe('');
    expect(values['ticket.priority']).toBe('Low');
    // an all-departments response renders on a Sales ticket with the Sales name
    const sales = await ownersTicket({ subject: 'Sales question', departmentId: w.salesId }, w.agents.other.token);
    expect(valuesIn((await rendered(canned.id, sales.id, w.agents.other.token)).body)).toMatchObject({ 'ticket.dept': 'Sales', 'staff.name': 'Olga Other' });
  });

  it('escapes every value: a script in a subject or a name renders as inert text', async () => {
    const canned = await createCanned(t, w.agents.admin.token, {
      title: 'Escaping',
      body: '<p>Re: %{ticket.subject}</p><p>Dear %{recipient.name}</p><p><a href="%{ticket.subject}" title="%{ticket.subject}">link</a></p>',
    });
    const ticket = await ownersTicket({
      subject: '<script>alert(1)</script> Tom & Jerry "quoted"',
      owner: { email: 'xss-owner@customer.test', name: '<img src=x onerror=alert(2)>' },
    });
    const out = await rendered(canned.id, ticket.id);
    expect(out.body).toBe(
      '<p>Re: &lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry "quoted"</p>' +
        '<p>Dear &lt;img src=x onerror=alert(2)&gt;</p>' +
        '<p><a rel="noopener noreferrer nofollow" target="_blank" href="&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry &quot;quoted&quot;" title="&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry &quot;quoted&quot;">link</a></p>',
    );
    expect(out.body).not.toMatch(/<script|<img/i);

    // a value that would make a link's target a script URL is dropped by the second sanitizing pass
    const js = await ownersTicket({ subject: 'javascript:alert(3)' });
    const link = await rendered(canned.id, js.id);
    expect(link.body).toContain('<a rel="noopener noreferrer nofollow" target="_blank" title="javascript:alert(3)">link</a>');
    expect(link.body).not.toContain('href');

    // a value is not itself rendered again
    const nested = await ownersTicket({ subject: 'About %{staff.name} and %{nope}' });
    const again = await rendered(canned.id, nested.id);
    expect(again.body).toContain('<p>Re: About %{staff.name} and %{nope}</p>');
    expect(again.unknownVariables).toEqual([]);
  });

  it('leaves unknown variables as written and reports each once, in order', async () => {
    const canned = await createCanned(t, w.agents.admin.token, {
      title: 'Unknown',
      body: '<p>%{ticket.foo} for %{recipient.name}, %{Ticket.Number} %{ticket.foo} %{agent.name} %{} %{ spaced }</p>',
    });
    const ticket = await ownersTicket({ subject: 'Unknowns' });
    const out = await rendered(canned.id, ticket.id);
    expect(out.body).toBe('<p>%{ticket.foo} for Owen Owner, %{Ticket.Number} %{ticket.foo} %{agent.name} %{} %{ spaced }</p>');
    expect(out.unknownVariables).toEqual(['ticket.foo', 'Ticket.Number', 'agent.name']);
  });
});

describe('where a canned response may be used', () => {
  it("answers NOT_FOUND for another department's response, a disabled one, or a ticket the viewer cannot see", async () => {
    const salesOnly = await createCanned(t, w.agents.admin.token, { title: 'Sales only', body: '<p>Sales says hi</p>', departmentId: w.salesId });
    const everywhere = await createCanned(t, w.agents.admin.token, { title: 'Everywhere', body: '<p>Hello from %{ticket.dept}</p>' });
    const supportOne = await createCanned(t, w.agents.admin.token, { title: 'Support one', body: '<p>Support says hi</p>', departmentId: w.supportId });
    const disabled = await createCanned(t, w.agents.admin.token, { title: 'Disabled', body: '<p>old</p>', departmentId: w.supportId, isEnabled: false });
    const support = await ownersTicket({ subject: 'Support ticket' });
    const sales = await ownersTicket({ subject: 'Sales ticket', departmentId: w.salesId }, w.agents.other.token);

    expect((await rendered(everywhere.id, support.id)).body).toBe('<p>Hello from Support</p>');
    expect((await rendered(supportOne.id, support.id)).body).toBe('<p>Support says hi</p>');
    expect((await rendered(salesOnly.id, sales.id, w.agents.other.token)).body).toBe('<p>Sales says hi</p>');
    // even for an administrator, a response of another department does not apply to the ticket
    for (const token of [w.agents.full.token, w.agents.admin.token]) {
      const res = await render(salesOnly.id, support.id, token);
      expect(res.data).toBeNull();
      expect(res.errors).toEqual(NOT_FOUND('Canned response not found'));
      expect((await render(disabled.id, support.id, token)).errors).toEqual(NOT_FOUND('Canned response not found'));
    }
    // a Sales ticket is invisible to a Support agent: the same answer as an unknown id
    expect((await render(everywhere.id, sales.id)).errors).toEqual(NOT_FOUND('Ticket not found'));
    expect((await render(everywhere.id, w.agents.full.id)).errors).toEqual(NOT_FOUND('Ticket not found'));
    expect((await render(support.id, support.id)).errors).toEqual(NOT_FOUND('Canned response not found'));
    expect((await render('garbage', support.id)).errors).toEqual(NOT_FOUND('Canned response not found'));
    // end users never render canned responses
    const owner = await render(everywhere.id, support.id, w.users.owner.token);
    expect(owner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // the same rules on a reply: nothing is written
    const before = await counts();
    for (const cannedResponseId of [salesOnly.id, disabled.id, support.id, 'garbage']) {
      const reply = await t.gql(CannedReplyDocument, { input: { ticketId: support.id, body: 'Hi', cannedResponseId } }, { token: w.agents.full.token });
      expect(reply.data?.replyToTicket.userErrors).toEqual([{ field: ['cannedResponseId'], code: 'NOT_FOUND', message: 'Canned response not found' }]);
    }
    expect(await counts()).toEqual(before);
  });

  it('stops applying once disabled or moved to another department', async () => {
    const canned = await createCanned(t, w.agents.admin.token, { title: 'Soon moved', body: '<p>x</p>', departmentId: w.supportId });
    const ticket = await ownersTicket({ subject: 'Moving target' });
    expect((await render(canned.id, ticket.id)).errors).toBeUndefined();
    const off = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: canned.id, isEnabled: false } }, { token: w.agents.admin.token });
    expect(off.data?.updateCannedResponse.userErrors).toEqual([]);
    expect((await render(canned.id, ticket.id)).errors).toEqual(NOT_FOUND('Canned response not found'));
    await t.gql(CannedUpdateDocument, { input: { cannedResponseId: canned.id, isEnabled: true, departmentId: w.salesId } }, { token: w.agents.admin.token });
    expect((await render(canned.id, ticket.id)).errors).toEqual(NOT_FOUND('Canned response not found'));
  });
});

describe('replying with a canned response', () => {
  it('copies its attachments onto the RESPONSE, readable by the owner, and keeps its own for the next reply', async () => {
    const pdf = await uploadOk(t, w.agents.full.token, PDF, 'terms.pdf');
    const txt = await uploadOk(t, w.agents.full.token, TEXT, 'steps.txt');
    const canned = await createCanned(t, w.agents.full.token, { title: 'With files', body: '<p>Dear %{recipient.name}, see attached.</p>', departmentId: w.supportId, attachmentIds: [pdf.id, txt.id] });
    const own = [
      { id: pdf.id, filename: 'terms.pdf', contentType: 'application/pdf', size: PDF.length, url: `/attachments/${pdf.id}` },
      { id: txt.id, filename: 'steps.txt', contentType: 'text/plain', size: TEXT.length, url: `/attachments/${txt.id}` },
    ];
    expect(canned.attachments).toEqual(own);
    const ticket = await ownersTicket({ subject: 'Need the terms' });
    expect((await rendered(canned.id, ticket.id)).attachments).toEqual(own);

    // the canned response's own files: agents who may read it, never the customer
    expect((await download(t, w.agents.replyOnly.token, pdf.id)).status).toBe(200);
    expect((await download(t, w.users.owner.token, pdf.id)).status).toBe(404);
    // nor can they be taken for a reply directly, even by their uploader
    const before = await counts();
    const direct = await t.gql(CannedReplyDocument, { input: { ticketId: ticket.id, body: 'Taking it', attachmentIds: [pdf.id] } }, { token: w.agents.full.token });
    expect(direct.data?.replyToTicket.userErrors).toEqual([{ field: ['attachmentIds', '0'], code: 'NOT_FOUND', message: 'Attachment not found' }]);
    expect(await counts()).toEqual(before);

    // an edited body, one more upload of the agent's own, and the canned response's files
    const extra = await uploadOk(t, w.agents.full.token, TEXT, 'extra.txt');
    const reply = await t.gql(
      CannedReplyDocument,
      { input: { ticketId: ticket.id, body: '<p>Dear Owen, the terms are attached.</p>', cannedResponseId: canned.id, attachmentIds: [extra.id] } },
      { token: w.agents.full.token },
    );
    expect(reply.data?.replyToTicket.userErrors).toEqual([]);
    const entry = reply.data!.replyToTicket.entry!;
    expect(entry).toMatchObject({ type: 'RESPONSE', body: '<p>Dear Owen, the terms are attached.</p>' });
    const files = entry.attachments;
    expect(files.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['extra.txt', 'text/plain', TEXT.length],
      ['terms.pdf', 'application/pdf', PDF.length],
      ['steps.txt', 'text/plain', TEXT.length],
    ]);
    // copies: new ids, not the canned response's rows
    expect(files.map((a) => a.id)).not.toContain(pdf.id);
    expect(files.map((a) => a.id)).not.toContain(txt.id);
    expect(rowChanges(before, await counts())).toEqual({ entries: 1, attachments: 3, contents: 3, events: 1 });

    // the owner sees them on the RESPONSE and downloads the same bytes
    const thread = await t.gql(CannedThreadDocument, { number: ticket.number }, { token: w.users.owner.token });
    const response = thread.data!.ticket!.thread.edges.map((e) => e.node).find((n) => n.type === 'RESPONSE')!;
    expect(response.attachments).toEqual(files);
    expect((await download(t, w.users.owner.token, files[1]!.id)).body.equals(PDF)).toBe(true);
    expect((await download(t, w.users.owner.token, files[2]!.id)).body.equals(TEXT)).toBe(true);
    // another customer does not
    expect((await download(t, w.users.stranger.token, files[1]!.id)).status).toBe(404);

    // the canned response still has its own, intact, for the next reply
    const next = await ownersTicket({ subject: 'Also need the terms' });
    const again = await rendered(canned.id, next.id);
    expect(again.attachments).toEqual(own);
    expect((await download(t, w.agents.full.token, pdf.id)).body.equals(PDF)).toBe(true);
    const second = await t.gql(CannedReplyDocument, { input: { ticketId: next.id, body: again.body, cannedResponseId: canned.id } }, { token: w.agents.full.token });
    expect(second.data?.replyToTicket.userErrors).toEqual([]);
    const secondFiles = second.data!.replyToTicket.entry!.attachments;
    expect(secondFiles.map((a) => a.filename)).toEqual(['terms.pdf', 'steps.txt']);
    expect(secondFiles.map((a) => a.id).some((id) => files.some((f) => f.id === id))).toBe(false);
    expect(second.data!.replyToTicket.entry!.body).toBe('<p>Dear Owen Owner, see attached.</p>');

    // deleting the canned response removes its own files, never the replies' copies
    const del = await t.gql(CannedDeleteDocument, { input: { id: canned.id } }, { token: w.agents.full.token });
    expect(del.data?.deleteCannedResponse).toEqual({ deletedId: canned.id, userErrors: [] });
    expect((await download(t, w.agents.full.token, pdf.id)).status).toBe(404);
    expect(await t.em().count(Attachment, { filename: { $in: ['terms.pdf', 'steps.txt'] }, entry: null })).toBe(0);
    // the two replies' copies (3 + 2) stay, the canned response's own two are gone
    expect(rowChanges(before, await counts())).toMatchObject({ attachments: 3 + 2 - 2, contents: 3 + 2 - 2 });
    for (const f of [...files, ...secondFiles]) expect((await download(t, w.users.owner.token, f.id)).status).toBe(200);
  });

  it("sends the response's rendering when the body is left empty, but never an unknown variable", async () => {
    const canned = await createCanned(t, w.agents.admin.token, { title: 'Ready to send', body: '<p>Ticket %{ticket.number} is with %{staff.name}.</p>', departmentId: w.supportId });
    const ticket = await ownersTicket({ subject: 'Empty body' });
    const reply = await t.gql(CannedReplyDocument, { input: { ticketId: ticket.id, body: '  ', cannedResponseId: canned.id } }, { token: w.agents.full.token });
    expect(reply.data?.replyToTicket.userErrors).toEqual([]);
    expect(reply.data?.replyToTicket.entry?.body).toBe(`<p>Ticket ${ticket.number} is with Fiona Full.</p>`);
    expect(reply.data?.replyToTicket.ticket?.isAnswered).toBe(true);

    const unknown = await createCanned(t, w.agents.admin.token, { title: 'Not ready', body: '<p>Hi %{customer.nickname}</p>' });
    const before = await counts();
    const refused = await t.gql(CannedReplyDocument, { input: { ticketId: ticket.id, body: '', cannedResponseId: unknown.id } }, { token: w.agents.full.token });
    expect(refused.data?.replyToTicket.userErrors).toEqual([
      { field: ['body'], code: 'BAD_USER_INPUT', message: 'The canned response has unknown variables (%{customer.nickname}); send an edited body instead' },
    ]);
    // without a canned response an empty body is still refused
    const empty = await t.gql(CannedReplyDocument, { input: { ticketId: ticket.id, body: '' } }, { token: w.agents.full.token });
    expect(empty.data?.replyToTicket.userErrors).toEqual([{ field: ['body'], code: 'BAD_USER_INPUT', message: 'body must not be empty' }]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a reply whose own and canned attachments together pass the per-entry limit, writing nothing', async () => {
    const uploads = [];
    for (let i = 0; i < 12; i++) uploads.push(await uploadOk(t, w.agents.full.token, TEXT, `part-${i}.txt`));
    const canned = await createCanned(t, w.agents.full.token, { title: 'Many files', body: '<p>Files</p>', departmentId: w.supportId, attachmentIds: uploads.map((u) => u.id) });
    const mine = [];
    for (let i = 0; i < 9; i++) mine.push((await uploadOk(t, w.agents.full.token, TEXT, `mine-${i}.txt`)).id);
    const ticket = await ownersTicket({ subject: 'Too many files' });
    const before = await counts();
    const reply = await t.gql(CannedReplyDocument, { input: { ticketId: ticket.id, body: 'Files', cannedResponseId: canned.id, attachmentIds: mine } }, { token: w.agents.full.token });
    expect(reply.data?.replyToTicket.userErrors).toEqual([{ field: ['attachmentIds'], code: 'BAD_USER_INPUT', message: 'At most 20 attachments per entry' }]);
    expect(await counts()).toEqual(before);
    const fewer = await t.gql(CannedReplyDocument, { input: { ticketId: ticket.id, body: 'Files', cannedResponseId: canned.id, attachmentIds: mine.slice(0, 8) } }, { token: w.agents.full.token });
    expect(fewer.data?.replyToTicket.entry?.attachments).toHaveLength(20);
  });
});
