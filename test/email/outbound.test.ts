import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIdOf } from '../../src/common/global-id';
import { Agent } from '../../src/modules/directory/agent.entity';
import { EmailAddressState, OutboundEmail, OutboundEmailKind } from '../../src/modules/email/email.entity';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { TEXT, uploadOk } from '../support/uploads';
import { buildWorld, type World } from '../support/world';
import { SmtpSink, until } from './smtp-sink';

// Outbound email: rows written in the change's transaction, delivered after commit to a real SMTP server.
const REPLY =
  'mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { entry { id emailDelivery { address kind state lastError } } userErrors { code message } } }';
const ADD = 'mutation($input: AddCollaboratorsInput!) { addCollaborators(input: $input) { userErrors { code message } } }';
const OUTBOX =
  'query($ticketId: ID, $first: Int) { outboundEmails(ticketId: $ticketId, first: $first) { totalCount edges { node { id kind subject messageId status attempts lastError recipients { address name kind } } } } }';
const MAILBOX = 'mutation($input: CreateMailboxInput!) { createMailbox(input: $input) { mailbox { id } userErrors { code message } } }';
const ENTRY = 'query($id: ID!) { node(id: $id) { ... on ThreadEntry { emailDelivery { address kind state lastError } } } }';

type Outbox = { outboundEmails: { totalCount: number; edges: { node: { id: string; kind: string; subject: string; messageId: string; status: string; attempts: number; lastError: string | null; recipients: { address: string; kind: string }[] } }[] } };

/** A ticket opened anonymously on the web by `email`. */
const openWebTicket = (t: TestServer, email: string, subject = 'Printer on fire') => newTicket(t, null, { subject, body: '<p>It smokes.</p>', owner: { email, name: 'Pat Customer' } });

async function reply(t: TestServer, token: string, ticketId: string, body: string, attachmentIds: string[] = []) {
  const res = await t.gql<{ replyToTicket: { entry: { id: string } | null; userErrors: unknown[] } }, unknown>(REPLY, { input: { ticketId, body, attachmentIds } }, { token });
  expect(res.data?.replyToTicket.userErrors, JSON.stringify(res)).toEqual([]);
  return res.data!.replyToTicket.entry!;
}

describe('without DESKQL_SMTP_URL', () => {
  let t: TestServer;
  let w: World;
  beforeAll(async () => {
    t = await startTestServer();
    w = await buildWorld(t);
  });
  afterAll(() => t?.close());

  it('keeps what would go out in the outbox as NOT_CONFIGURED, visible to admins and to agents on their tickets', async () => {
    const ticket = await openWebTicket(t, 'newcomer@customer.test');
    await reply(t, w.agents.full.token, ticket.id, '<p>Unplug it.</p>');
    const admin = await t.gql<Outbox, unknown>(OUTBOX, { ticketId: ticket.id }, { token: w.agents.admin.token });
    expect(admin.errors).toBeUndefined();
    const kinds = admin.data!.outboundEmails.edges.map((e) => e.node).filter((n) => n.kind === 'AUTO_RESPONSE' || n.kind === 'RESPONSE');
    expect(kinds.map((n) => [n.kind, n.status, n.attempts, n.recipients])).toEqual([
      ['AUTO_RESPONSE', 'NOT_CONFIGURED', 0, [{ address: 'newcomer@customer.test', name: 'Pat Customer', kind: 'TO' }]],
      ['RESPONSE', 'NOT_CONFIGURED', 0, [{ address: 'newcomer@customer.test', name: 'Pat Customer', kind: 'TO' }]],
    ]);
    expect(kinds[0]!.subject).toBe(`[#${ticket.number}] Printer on fire`);
    expect(kinds[1]!.subject).toBe(`Re: [#${ticket.number}] Printer on fire`);
    expect(kinds[0]!.messageId).toMatch(/^<[^<>@\s]+@[^<>@\s]+>$/);

    // an agent of the department sees the ticket's own emails
    const full = await t.gql<Outbox, unknown>(OUTBOX, { ticketId: ticket.id }, { token: w.agents.full.token });
    expect(full.data!.outboundEmails.totalCount).toBe(admin.data!.outboundEmails.totalCount);
    // an agent who cannot see the ticket sees nothing; without a ticket the whole outbox is for admins
    const other = await t.gql<Outbox, unknown>(OUTBOX, { ticketId: ticket.id }, { token: w.agents.other.token });
    expect(other.data!.outboundEmails).toMatchObject({ totalCount: 0, edges: [] });
    const all = await t.gql<Outbox, unknown>(OUTBOX, {}, { token: w.agents.full.token });
    expect(all.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const user = await t.gql<Outbox, unknown>(OUTBOX, { ticketId: ticket.id }, { token: w.users.owner.token });
    expect(user.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anon = await t.gql<Outbox, unknown>(OUTBOX, { ticketId: ticket.id }, { token: null });
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('alerts agents about new tickets, assignments and new messages, each only to agents who may see the ticket', async () => {
    const ticket = await newTicket(t, w.users.owner.token, { subject: 'Alert me', body: '<p>Please</p>' });
    const rows = async (kind: OutboundEmailKind) =>
      (await t.em().find(OutboundEmail, { ticket: { number: ticket.number }, kind }, { orderBy: { id: 'asc' } })).map((r) => r.recipients.map((x) => x.address)).flat().sort();
    const alerted = await rows(OutboundEmailKind.NEW_TICKET_ALERT);
    expect(alerted).toEqual(expect.arrayContaining(['fiona@desk.test', 'rory@desk.test']));
    // another department's agents, and an agent who sees only what is assigned to them, hear nothing
    for (const unseen of ['olga@desk.test', 'tara@desk.test', 'asa@desk.test']) expect(alerted).not.toContain(unseen);

    const assign = await t.gql<{ assignTicket: { userErrors: unknown[] } }, unknown>(
      'mutation($input: AssignTicketInput!) { assignTicket(input: $input) { userErrors { code message } } }',
      { input: { ticketId: ticket.id, agentId: w.agents.replyOnly.id } },
      { token: w.agents.admin.token },
    );
    expect(assign.data!.assignTicket.userErrors).toEqual([]);
    expect(await rows(OutboundEmailKind.ASSIGNMENT_ALERT)).toEqual(['rory@desk.test']);

    const message = await t.gql<{ postMessage: { userErrors: unknown[] } }, unknown>(
      'mutation($input: PostMessageInput!) { postMessage(input: $input) { userErrors { code message } } }',
      { input: { ticketId: ticket.id, body: '<p>Any news?</p>' } },
      { token: w.users.owner.token },
    );
    expect(message.data!.postMessage.userErrors).toEqual([]);
    expect(await rows(OutboundEmailKind.NEW_MESSAGE_ALERT)).toEqual(['rory@desk.test']);
  });

  it('renders the templates admins edit, and a department can switch its auto-responses off', async () => {
    const UPDATE = 'mutation($input: UpdateEmailTemplateInput!) { updateEmailTemplate(input: $input) { emailTemplate { kind subject body isCustom } userErrors { field code message } } }';
    type Upd = { updateEmailTemplate: { emailTemplate: { subject: string; isCustom: boolean } | null; userErrors: { field: string[] | null; code: string }[] } };
    const bad = await t.gql<Upd, unknown>(UPDATE, { input: { kind: 'AUTO_RESPONSE', subject: 'Got it %{nope}', body: '<p>x</p>' } }, { token: w.agents.admin.token });
    expect(bad.data!.updateEmailTemplate.userErrors.map((e) => [e.code, e.field])).toEqual([['BAD_USER_INPUT', ['subject']]]);
    const denied = await t.gql<Upd, unknown>(UPDATE, { input: { kind: 'AUTO_RESPONSE', subject: 'x', body: 'x' } }, { token: w.agents.full.token });
    expect(denied.data!.updateEmailTemplate.userErrors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    const ok = await t.gql<Upd, unknown>(
      UPDATE,
      { input: { kind: 'AUTO_RESPONSE', subject: 'Got it: %{ticket.subject} (#%{ticket.number})', body: '<p>Hi %{recipient.name}, %{ticket.dept} has it.</p>' } },
      { token: w.agents.admin.token },
    );
    expect(ok.data!.updateEmailTemplate).toMatchObject({ emailTemplate: { isCustom: true }, userErrors: [] });
    const ticket = await openWebTicket(t, 'templated@customer.test', 'Fax <jammed>');
    const row = await t.em().findOneOrFail(OutboundEmail, { ticket: { number: ticket.number }, kind: OutboundEmailKind.AUTO_RESPONSE });
    expect(row.subject).toBe(`Got it: Fax <jammed> (#${ticket.number})`);
    expect(row.html).toBe('<p>Hi Pat Customer, Support has it.</p>');
    expect(row.text).toBe('Hi Pat Customer, Support has it.');

    const SETTINGS = 'mutation($input: UpdateDepartmentEmailSettingsInput!) { updateDepartmentEmailSettings(input: $input) { emailSettings { autoResponse responses alerts } userErrors { code } } }';
    const off = await t.gql<{ updateDepartmentEmailSettings: { emailSettings: unknown; userErrors: unknown[] } }, unknown>(SETTINGS, { input: { departmentId: w.supportId, autoResponse: false } }, { token: w.agents.admin.token });
    expect(off.data!.updateDepartmentEmailSettings).toEqual({ emailSettings: { autoResponse: false, responses: true, alerts: true }, userErrors: [] });
    const quiet = await openWebTicket(t, 'quiet@customer.test');
    expect(await t.em().count(OutboundEmail, { ticket: { number: quiet.number }, kind: OutboundEmailKind.AUTO_RESPONSE })).toBe(0);
    await t.gql(SETTINGS, { input: { departmentId: w.supportId, autoResponse: true } }, { token: w.agents.admin.token });
    await t.gql(UPDATE, { input: { kind: 'AUTO_RESPONSE' } }, { token: w.agents.admin.token });
  });

  it("signs a reply with the replier's name and the ticket's department, priority and status as they stand after it", async () => {
    const UPDATE = 'mutation($input: UpdateEmailTemplateInput!) { updateEmailTemplate(input: $input) { userErrors { code } } }';
    const set = await t.gql<{ updateEmailTemplate: { userErrors: unknown[] } }, unknown>(
      UPDATE,
      { input: { kind: 'RESPONSE', subject: 'Re: %{ticket.subject}', body: '<p>%{message}</p><p>%{staff.name}, %{ticket.dept} (%{ticket.priority}, %{ticket.status})</p>' } },
      { token: w.agents.admin.token },
    );
    expect(set.data!.updateEmailTemplate.userErrors).toEqual([]);
    try {
      const ticket = await openWebTicket(t, 'signed@customer.test', 'Signed');
      const res = await t.gql<{ replyToTicket: { userErrors: unknown[] } }, unknown>(
        REPLY,
        { input: { ticketId: ticket.id, body: '<p>Fixed.</p>', statusId: w.statuses['Resolved']! } },
        { token: w.agents.full.token },
      );
      expect(res.data!.replyToTicket.userErrors).toEqual([]);
      const row = await t.em().findOneOrFail(OutboundEmail, { ticket: { number: ticket.number }, kind: OutboundEmailKind.RESPONSE });
      const full = await t.em().findOneOrFail(Agent, decodeIdOf('Agent', w.agents.full.id)!);
      expect(row.html).toBe(`<p></p><p>Fixed.</p><p></p><p>${full.name}, Support (Normal, Resolved)</p>`);
    } finally {
      await t.gql(UPDATE, { input: { kind: 'RESPONSE' } }, { token: w.agents.admin.token });
    }
  });

  it('acknowledges at most DESKQL_AUTORESPONSE_MAX_PER_HOUR (5) new tickets per address an hour, and none to a bouncing address', async () => {
    const autoTo = async (address: string) =>
      (await t.em().find(OutboundEmail, { kind: OutboundEmailKind.AUTO_RESPONSE })).filter((o) => o.recipients.some((r) => r.address === address)).length;
    for (let i = 0; i < 7; i++) await openWebTicket(t, 'eager@customer.test', `Eager ${i}`);
    expect(await autoTo('eager@customer.test')).toBe(5);
    // another address has its own count
    await openWebTicket(t, 'patient@customer.test');
    expect(await autoTo('patient@customer.test')).toBe(1);
    // the hour slides: auto-responses older than an hour no longer count
    await t.em().getConnection().execute(`update outbound_email set created_at = created_at - interval '61 minutes' where recipients -> 0 ->> 'address' = 'eager@customer.test'`);
    await openWebTicket(t, 'eager@customer.test', 'Eager again');
    expect(await autoTo('eager@customer.test')).toBe(6);
    // an address marked bouncing gets none
    const em = t.em();
    em.create(EmailAddressState, { address: 'bouncy@customer.test', isBouncing: true });
    await em.flush();
    await openWebTicket(t, 'bouncy@customer.test');
    expect(await autoTo('bouncy@customer.test')).toBe(0);
  });

  it('mails a reply to the active collaborators only: one removed since gets nothing', async () => {
    const ticket = await openWebTicket(t, 'owner-cc@customer.test');
    const ADD_IDS = 'mutation($input: AddCollaboratorsInput!) { addCollaborators(input: $input) { ticket { collaborators { id user { email } } } userErrors { code message } } }';
    const added = await t.gql<{ addCollaborators: { ticket: { collaborators: { id: string; user: { email: string } }[] } } }, unknown>(
      ADD_IDS,
      { input: { ticketId: ticket.id, people: [{ email: 'stays@customer.test' }, { email: 'leaves@customer.test' }], role: 'CC' } },
      { token: w.agents.full.token },
    );
    const leaving = added.data!.addCollaborators.ticket.collaborators.find((c) => c.user.email === 'leaves@customer.test')!;
    const removed = await t.gql<{ removeCollaborator: { userErrors: unknown[] } }, unknown>(
      'mutation($input: RemoveCollaboratorInput!) { removeCollaborator(input: $input) { userErrors { code message } } }',
      { input: { collaboratorId: leaving.id } },
      { token: w.agents.full.token },
    );
    expect(removed.data!.removeCollaborator.userErrors).toEqual([]);
    await reply(t, w.agents.full.token, ticket.id, '<p>Noted.</p>');
    const out = await t.gql<Outbox, unknown>(OUTBOX, { ticketId: ticket.id }, { token: w.agents.admin.token });
    const responses = out.data!.outboundEmails.edges.map((e) => e.node).filter((n) => n.kind === 'RESPONSE');
    expect(responses.map((n) => n.recipients.map((r) => [r.address, r.kind]))).toEqual([
      [
        ['owner-cc@customer.test', 'TO'],
        ['stays@customer.test', 'CC'],
      ],
    ]);
  });

  it('writes nothing for a reply that is refused', async () => {
    const ticket = await openWebTicket(t, 'refused@customer.test');
    const before = await t.em().count(OutboundEmail, {});
    const res = await t.gql<{ replyToTicket: { userErrors: { code: string }[] } }, unknown>(REPLY, { input: { ticketId: ticket.id, body: '<p>x</p>', expectedVersion: 99 } }, { token: w.agents.full.token });
    expect(res.data!.replyToTicket.userErrors.map((e) => e.code)).toEqual(['CONFLICT']);
    expect(await t.em().count(OutboundEmail, {})).toBe(before);
  });
});

describe('with an SMTP server', () => {
  let t: TestServer;
  let w: World;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestServer({ DESKQL_SMTP_URL: sink.url, DESKQL_SMTP_RETRY_MS: '200' });
    w = await buildWorld(t);
    const box = await t.gql<{ createMailbox: { userErrors: unknown[] } }, unknown>(MAILBOX, { input: { address: 'help@desk.test', name: 'Help Desk' } }, { token: w.agents.admin.token });
    expect(box.data!.createMailbox.userErrors).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('acknowledges a new ticket, then mails the reply to the owner, the CC and (apart) the BCC, threaded', async () => {
    const ticket = await openWebTicket(t, 'pat@customer.test');
    const ack = await until(() => sink.to('pat@customer.test')[0], 15_000, 'the auto-response');
    expect(ack.mail.subject).toBe(`[#${ticket.number}] Printer on fire`);
    expect(ack.mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(ack.mail.replyTo?.value[0]?.address).toBe('help@desk.test');
    expect(ack.mail.text).toContain(`ticket #${ticket.number}`);
    expect(ack.mail.html).toContain('Pat Customer');

    const add = (email: string, role: string) => t.gql<{ addCollaborators: { userErrors: unknown[] } }, unknown>(ADD, { input: { ticketId: ticket.id, people: [{ email, name: email.split('@')[0] }], role } }, { token: w.agents.full.token });
    expect((await add('carol@customer.test', 'CC')).data!.addCollaborators.userErrors).toEqual([]);
    expect((await add('boss@customer.test', 'BCC')).data!.addCollaborators.userErrors).toEqual([]);
    const file = await uploadOk(t, w.agents.full.token, TEXT, 'steps.txt');
    const entry = await reply(t, w.agents.full.token, ticket.id, '<p>Unplug it, then <b>wait</b>.</p>', [file.id]);

    const toOwner = await until(() => sink.messages.find((m) => m.envelope.to.includes('pat@customer.test') && m.mail.subject?.startsWith('Re:')), 15_000, 'the reply');
    expect(toOwner.mail.subject).toBe(`Re: [#${ticket.number}] Printer on fire`);
    expect(toOwner.envelope.to.sort()).toEqual(['carol@customer.test', 'pat@customer.test']);
    expect(toOwner.mail.to && 'value' in toOwner.mail.to ? toOwner.mail.to.value.map((a) => a.address) : null).toEqual(['pat@customer.test']);
    expect(toOwner.mail.cc && 'value' in toOwner.mail.cc ? toOwner.mail.cc.value.map((a) => a.address) : null).toEqual(['carol@customer.test']);
    expect(toOwner.raw.toString('latin1')).not.toMatch(/boss@customer\.test/);
    expect(toOwner.mail.inReplyTo).toBe(ack.mail.messageId);
    expect(toOwner.mail.references).toContain(ack.mail.messageId);
    expect(toOwner.mail.html).toContain('<b>wait</b>');
    expect(toOwner.mail.text).toContain('Unplug it, then wait.');
    expect(toOwner.mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['steps.txt', TEXT.toString()]]);
    expect(toOwner.mail.headers.get('auto-submitted')).toBeUndefined();

    const toBoss = await until(() => sink.to('boss@customer.test')[0], 15_000, 'the BCC copy');
    expect(toBoss.envelope.to).toEqual(['boss@customer.test']);
    expect(toBoss.mail.messageId).not.toBe(toOwner.mail.messageId);
    expect(toBoss.mail.subject).toBe(toOwner.mail.subject);

    // agents see the delivery per recipient on the entry
    const delivery = await until(async () => {
      const res = await t.gql<{ node: { emailDelivery: { address: string; kind: string; state: string }[] } }, unknown>(ENTRY, { id: entry.id }, { token: w.agents.full.token });
      const list = res.data!.node.emailDelivery;
      return list.every((d) => d.state === 'SENT') && list.length === 3 ? list : undefined;
    }, 15_000, 'SENT deliveries');
    expect(delivery.map((d) => [d.address, d.kind]).sort()).toEqual([
      ['boss@customer.test', 'BCC'],
      ['carol@customer.test', 'CC'],
      ['pat@customer.test', 'TO'],
    ]);
    const denied = await t.gql(ENTRY, { id: entry.id }, { token: w.users.owner.token });
    expect(denied.data).toEqual({ node: null });
  });

  it('SMTP down while replies are sent, then back: every email delivered once', async () => {
    const ticket = await openWebTicket(t, 'outage@customer.test', 'Outage');
    await until(() => sink.to('outage@customer.test')[0], 15_000, 'the auto-response');
    await sink.stop();
    const bodies = ['<p>First</p>', '<p>Second</p>', '<p>Third</p>'];
    for (const body of bodies) await reply(t, w.agents.full.token, ticket.id, body);
    // each was tried and failed while the server was away
    await until(async () => {
      const rows = await t.em().find(OutboundEmail, { ticket: { number: ticket.number }, kind: OutboundEmailKind.RESPONSE });
      return rows.length === 3 && rows.every((r) => r.status === 'PENDING' && r.attempts >= 1 && r.lastError) ? rows : undefined;
    }, 15_000, 'failed attempts');
    await sink.listen();
    const rows = await until(async () => {
      const list = await t.em().find(OutboundEmail, { ticket: { number: ticket.number }, kind: OutboundEmailKind.RESPONSE }, { orderBy: { id: 'asc' } });
      return list.every((r) => r.status === 'SENT') ? list : undefined;
    }, 30_000, 'all SENT');
    // a barrier: one more reply after the retries; once it is in, nothing earlier can still be on its way
    await reply(t, w.agents.full.token, ticket.id, '<p>Barrier</p>');
    await until(() => sink.to('outage@customer.test').find((m) => m.mail.text?.includes('Barrier')), 15_000, 'the barrier');
    const got = sink.to('outage@customer.test').filter((m) => m.mail.subject?.startsWith('Re:'));
    // retries may overtake each other: each arrives exactly once, under the Message-ID fixed when it was written
    expect(got.map((m) => m.mail.text?.trim()).sort()).toEqual(['Barrier', 'First', 'Second', 'Third']);
    const ids = got.filter((m) => m.mail.text?.trim() !== 'Barrier').map((m) => m.mail.messageId);
    expect(ids.sort()).toEqual(rows.map((r) => r.messageId).sort());
  });
});
