import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailAddressState, InboundEmail, OutboundEmail } from '../../src/modules/email/email.entity';
import { Mailbox } from '../../src/modules/email/mailbox.entity';
import { Ticket } from '../../src/modules/tickets/ticket.entity';
import { startTestServer, type TestServer } from '../support/server';
import { buildWorld, type World } from '../support/world';
import { adminApiKey, compose, postRaw } from './mail';
import { SmtpSink, until } from './smtp-sink';

// Inbound email through POST /inbound/email, answered through a real SMTP server.
let t: TestServer;
let w: World;
let sink: SmtpSink;
let key = '';

const TICKET =
  'query($number: String!) { ticket(number: $number) { id number subject source state owner { email } department { name } collaborators { user { email } role } thread { edges { node { id type bodyText body signed: body(signedImages: true) attachments { filename } emailSource } } } events { edges { node { kind } } } } }';
const REPLY = 'mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { entry { id } userErrors { code message } } }';
const STATUS = 'mutation($input: SetTicketStatusInput!) { setTicketStatus(input: $input) { userErrors { code message } } }';
const INBOUND = 'query($status: InboundEmailStatus) { inboundEmails(status: $status, first: 100) { edges { node { id messageId status reason fromAddress size } } } }';

type TicketView = {
  id: string; number: string; subject: string; source: string; state: string; owner: { email: string }; department: { name: string };
  collaborators: { user: { email: string }; role: string }[];
  thread: { edges: { node: { id: string; type: string; bodyText: string; body: string; signed: string; attachments: { filename: string }[]; emailSource: string | null } }[] };
  events: { edges: { node: { kind: string } }[] };
};

beforeAll(async () => {
  sink = await SmtpSink.start();
  t = await startTestServer({ DESKQL_SMTP_URL: sink.url, DESKQL_SMTP_RETRY_MS: '200' });
  w = await buildWorld(t);
  const box = await t.gql<{ createMailbox: { userErrors: unknown[] } }, unknown>(
    'mutation($input: CreateMailboxInput!) { createMailbox(input: $input) { userErrors { code message } } }',
    { input: { address: 'support@desk.test', name: 'Support', departmentId: w.supportId, priorityId: w.priorities.High } },
    { token: w.agents.admin.token },
  );
  expect(box.data!.createMailbox.userErrors).toEqual([]);
  key = await adminApiKey(t, w.agents.admin.token);
});
afterAll(async () => {
  await t?.close();
  await sink?.stop();
});

/** Delivers and waits until the pipeline is done with the message. */
async function deliver(raw: Buffer) {
  const res = await postRaw(t, key, raw);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return until(async () => {
    const row = await t.em().findOne(InboundEmail, { messageId: (await t.em().findOneOrFail(InboundEmail, { id: Number(Buffer.from(res.body.id!, 'base64url').toString().split(':')[1]) })).messageId });
    return row && row.status !== 'RECEIVED' ? row : undefined;
  }, 15_000, 'the message processed');
}

async function ticketOf(row: InboundEmail): Promise<TicketView> {
  const ticket = await t.em().findOneOrFail(Ticket, row.ticket!.id);
  const res = await t.gql<{ ticket: TicketView }, unknown>(TICKET, { number: ticket.number }, { token: w.agents.admin.token });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.ticket;
}

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('a conversation by email', () => {
  let first: InboundEmail;
  let view: TicketView;
  let agentReply: { messageId: string };

  it('a new message opens a ticket (source EMAIL, mailbox routing, CCs as collaborators) and the sender gets the auto-response', async () => {
    const raw = await compose({
      from: 'Pat Customer <pat@customer.test>',
      to: 'support@desk.test',
      cc: ['Carol <carol@customer.test>', 'support@desk.test'],
      subject: 'Printer on fire',
      messageId: '<first.1@customer.test>',
      text: 'It smokes. See the photo.',
      html: '<p>It smokes. See the photo: <img src="cid:photo1@customer.test"></p><script>alert(1)</script>',
      attachments: [
        { filename: 'photo.png', content: PNG, contentType: 'image/png', cid: 'photo1@customer.test' },
        { filename: 'evil.html', content: '<html><script>alert(1)</script></html>', contentType: 'text/html' },
      ],
    });
    first = await deliver(raw);
    expect(first.status, first.reason ?? '').toBe('TICKET');
    expect(first.reason).toContain('evil.html');
    view = await ticketOf(first);
    expect(view).toMatchObject({ subject: 'Printer on fire', source: 'EMAIL', state: 'OPEN', owner: { email: 'pat@customer.test' }, department: { name: 'Support' } });
    expect(view.collaborators).toEqual([{ user: { email: 'carol@customer.test' }, role: 'CC' }]);
    const message = view.thread.edges[0]!.node;
    expect(message.type).toBe('MESSAGE');
    expect(message.body).not.toContain('<script');
    expect(message.attachments.map((a) => a.filename)).toEqual(['photo.png']);
    // the inline image points at its attachment (signed on read)
    expect(message.body).toMatch(/<img src="\/attachments\/[^"?]+"/);
    expect(message.signed).toMatch(/<img src="\/attachments\/[^"]+\?expires=\d+&amp;signature=/);
    expect(message.emailSource).toContain('Message-ID: <first.1@customer.test>');
    expect(view.events.edges.map((e) => e.node.kind)).toEqual(['CREATED', 'COLLABORATOR_ADDED']);

    const ack = await until(() => sink.to('pat@customer.test').find((m) => m.mail.subject === `[#${view.number}] Printer on fire`), 15_000, 'the auto-response');
    expect(ack.mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(ack.mail.inReplyTo).toBe('<first.1@customer.test>');
    expect(ack.mail.replyTo?.value[0]?.address).toBe('support@desk.test');
  });

  it("an agent's reply reaches the customer's mailbox with threading headers", async () => {
    const res = await t.gql<{ replyToTicket: { userErrors: unknown[] } }, unknown>(REPLY, { input: { ticketId: view.id, body: '<p>Unplug it now.</p>' } }, { token: w.agents.full.token });
    expect(res.data!.replyToTicket.userErrors).toEqual([]);
    const got = await until(() => sink.to('pat@customer.test').find((m) => m.mail.text?.includes('Unplug it now.')), 15_000, 'the reply');
    expect(got.mail.subject).toBe(`Re: [#${view.number}] Printer on fire`);
    expect(got.mail.references).toContain('<first.1@customer.test>');
    expect(got.mail.inReplyTo).toMatch(/^<.+@desk\.test>$/);
    agentReply = { messageId: got.mail.messageId! };
  });

  it("the customer's reply from a mail client lands on the same ticket, quoted text stripped", async () => {
    const raw = await compose({
      from: 'Pat Customer <pat@customer.test>',
      to: 'support@desk.test',
      subject: `Re: Re: [#${view.number}] Printer on fire`,
      messageId: '<second.2@customer.test>',
      inReplyTo: agentReply.messageId,
      references: ['<first.1@customer.test>', agentReply.messageId],
      text: `Done, it stopped smoking.\n\nOn Thu, Dec 3, 2026 at 10:00 AM Support <support@desk.test> wrote:\n> Unplug it now.\n> --\n> Support\n`,
    });
    const row = await deliver(raw);
    expect(row.status).toBe('MESSAGE');
    expect(row.ticket!.id).toBe(first.ticket!.id);
    const after = await ticketOf(row);
    const last = after.thread.edges.at(-1)!.node;
    expect(last.type).toBe('MESSAGE');
    expect(last.bodyText.trim()).toBe('Done, it stopped smoking.');
    expect(last.emailSource).toContain('<second.2@customer.test>');
  });

  it('a reply to a closed ticket reopens it', async () => {
    const closed = await t.gql<{ setTicketStatus: { userErrors: unknown[] } }, unknown>(STATUS, { input: { ticketIds: [view.id], statusId: w.statuses.Closed } }, { token: w.agents.full.token });
    expect(closed.data!.setTicketStatus.userErrors).toEqual([]);
    const row = await deliver(await compose({ from: 'pat@customer.test', to: 'support@desk.test', subject: `Re: [#${view.number}] Printer on fire`, messageId: '<third.3@customer.test>', inReplyTo: agentReply.messageId, text: 'It is on fire again.' }));
    expect(row.status).toBe('MESSAGE');
    const after = await ticketOf(row);
    expect(after.state).toBe('OPEN');
    expect(after.events.edges.map((e) => e.node.kind)).toContain('REOPENED');
  });

  it("a stranger using the ticket's number token gets a new ticket", async () => {
    const row = await deliver(await compose({ from: 'mallory@elsewhere.test', to: 'support@desk.test', subject: `Re: [#${view.number}] Printer on fire`, messageId: '<stranger.1@elsewhere.test>', inReplyTo: agentReply.messageId, text: 'Let me in.' }));
    expect(row.status).toBe('TICKET');
    expect(row.ticket!.id).not.toBe(first.ticket!.id);
    const theirs = await ticketOf(row);
    expect(theirs.owner.email).toBe('mallory@elsewhere.test');
    const original = await ticketOf(first);
    expect(original.thread.edges.some((e) => e.node.bodyText.includes('Let me in'))).toBe(false);
  });

  it('the same message delivered twice makes one ticket', async () => {
    const raw = await compose({ from: 'twice@customer.test', to: 'support@desk.test', subject: 'Twice', messageId: '<twice.1@customer.test>', text: 'Hello' });
    const before = await t.em().count(Ticket, {});
    const a = await deliver(raw);
    const again = await postRaw(t, key, raw);
    expect(again).toMatchObject({ status: 202, body: { duplicate: true } });
    expect(a.status).toBe('TICKET');
    expect(await t.em().count(Ticket, {})).toBe(before + 1);
    expect(await t.em().count(InboundEmail, { messageId: '<twice.1@customer.test>' })).toBe(1);
  });

  it('a message that names the mailbox only in its delivery headers is routed to it', async () => {
    // Sent to a list (or BCC): the MTA records the mailbox in Delivered-To (which mailparser parses into
    // addresses) or X-Original-To (text). No ?mailbox on the pipe: the recipients decide.
    const support = await t.em().findOneOrFail(Mailbox, { address: 'support@desk.test' });
    for (const [name, n] of [['Delivered-To', 1], ['X-Original-To', 2]] as const) {
      const raw = await compose({ from: 'lister@customer.test', to: 'everyone@lists.test', subject: `Via ${name}`, messageId: `<delivered.${n}@customer.test>`, text: 'Hello', headers: { [name]: 'support@desk.test' } });
      const row = await deliver(raw);
      expect(row.status, row.reason ?? '').toBe('TICKET');
      expect(row.mailbox?.id, name).toBe(support.id);
    }
  });
});

describe('the pipe door', () => {
  it('needs an administrator API key and a raw message', async () => {
    const raw = await compose({ from: 'x@customer.test', to: 'support@desk.test', subject: 'x', text: 'x' });
    const before = await t.em().count(InboundEmail, {});
    expect((await postRaw(t, null, raw)).status).toBe(401);
    // A malformed or unknown key is refused as such (it was an internal error once).
    for (const authorization of ['Bearer ', 'Basic abc', 'Bearer dqs_not-a-real-key']) {
      const res = await fetch(t.url.replace(/\/graphql$/, '/inbound/email'), { method: 'POST', headers: { 'content-type': 'message/rfc822', authorization }, body: raw });
      expect(res.status, authorization).toBe(401);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    }
    expect((await postRaw(t, w.agents.admin.token, raw)).status).toBe(403);
    expect((await postRaw(t, w.agents.full.token, raw)).status).toBe(403);
    expect((await postRaw(t, key, raw, 'text/plain')).status).toBe(415);
    expect((await postRaw(t, key, '')).status).toBe(400);
    expect(await t.em().count(InboundEmail, {})).toBe(before);
  });

  it('a malformed MIME message is stored and reported, not lost', async () => {
    const garbage = Buffer.from('\u0000\u0001\u0002 this is not a message at all \u00ff\u00fe');
    const row = await deliver(garbage);
    expect(row.status).toBe('FAILED');
    const listed = await t.gql<{ inboundEmails: { edges: { node: { id: string; status: string; reason: string; size: number } }[] } }, unknown>(INBOUND, { status: 'FAILED' }, { token: w.agents.admin.token });
    const hit = listed.data!.inboundEmails.edges.map((e) => e.node).find((n) => n.size === garbage.length);
    expect(hit?.reason).toMatch(/could not be parsed|no usable From/);
    const stored = await t.em().findOneOrFail(InboundEmail, row.id, { populate: ['raw'] });
    expect(Buffer.compare(Buffer.from(stored.raw), garbage)).toBe(0);
    const denied = await t.gql(INBOUND, {}, { token: w.agents.full.token });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('no CR/LF header injection from a name or a subject', async () => {
    const raw = Buffer.from(
      [
        'From: =?utf-8?B?' + Buffer.from('Eve\r\nBcc: victim@elsewhere.test').toString('base64') + '?= <eve@customer.test>',
        'To: support@desk.test',
        'Subject: =?utf-8?B?' + Buffer.from('Hi\r\nBcc: victim@elsewhere.test\r\nX-Evil: 1').toString('base64') + '?=',
        'Message-ID: <inject.1@customer.test>',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Hello',
        '',
      ].join('\r\n'),
    );
    const row = await deliver(raw);
    expect(row.status).toBe('TICKET');
    const ack = await until(() => sink.to('eve@customer.test')[0], 15_000, 'the auto-response');
    const head = ack.raw.toString('latin1').split(/\r\n\r\n/)[0]!;
    expect(head).not.toMatch(/^bcc:/im);
    expect(head).not.toMatch(/^x-evil:/im);
    expect(ack.envelope.to).toEqual(['eve@customer.test']);
    expect(ack.mail.subject).toContain('Hi Bcc: victim@elsewhere.test X-Evil: 1');
    expect(sink.to('victim@elsewhere.test')).toEqual([]);
  });
});

describe('loops and noise', () => {
  it('a loop with an autoresponder ends after one message', async () => {
    const row = await deliver(await compose({ from: 'bot@robots.test', to: 'support@desk.test', subject: 'Question', messageId: '<loop.1@robots.test>', text: 'Hi' }));
    expect(row.status).toBe('TICKET');
    const ack = await until(() => sink.to('bot@robots.test')[0], 15_000, 'the auto-response');
    // the robot answers our auto-response with its own
    const auto = await deliver(
      await compose({ from: 'bot@robots.test', to: 'support@desk.test', subject: `Out of office: ${ack.mail.subject}`, messageId: '<loop.2@robots.test>', inReplyTo: ack.mail.messageId, headers: { 'Auto-Submitted': 'auto-replied' }, text: 'I am away.' }),
    );
    expect(auto.status).toBe('IGNORED');
    expect(auto.reason).toMatch(/automatic reply/i);
    for (const headers of [{ 'X-Autoreply': 'yes' }, { Precedence: 'bulk' }, { 'X-Autorespond': 'x' }]) {
      const r = await deliver(await compose({ from: 'bot@robots.test', to: 'support@desk.test', subject: 'Auto', text: 'auto', headers }));
      expect(r.status).toBe('IGNORED');
    }
    const daemon = await deliver(await compose({ from: 'MAILER-DAEMON@robots.test', to: 'support@desk.test', subject: 'Notice', text: 'x' }));
    expect(daemon.status).toBe('IGNORED');
    // nothing more was written for the robot: one email in all (everything above is processed, so none is pending)
    const toBot = (await t.em().find(OutboundEmail, {})).filter((o) => o.recipients.some((r) => r.address === 'bot@robots.test'));
    expect(toBot).toHaveLength(1);
    const ticket = await t.em().findOneOrFail(Ticket, row.ticket!.id);
    const view = await t.gql<{ ticket: TicketView }, unknown>(TICKET, { number: ticket.number }, { token: w.agents.admin.token });
    expect(view.data!.ticket.thread.edges).toHaveLength(1);
  });

  it('a bounce is recorded and marks the address bouncing', async () => {
    const bounce = Buffer.from(
      [
        'From: Mail Delivery System <mailer-daemon@mx.customer.test>',
        'To: support@desk.test',
        'Subject: Undelivered Mail Returned to Sender',
        'Message-ID: <bounce.1@mx.customer.test>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"',
        '',
        '--BOUND',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered.',
        '--BOUND',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.customer.test',
        '',
        'Final-Recipient: rfc822; gone@customer.test',
        'Action: failed',
        'Status: 5.1.1',
        '',
        '--BOUND--',
        '',
      ].join('\r\n'),
    );
    const before = await t.em().count(Ticket, {});
    const row = await deliver(bounce);
    expect(row.status).toBe('IGNORED');
    expect(row.reason).toMatch(/bounce.*gone@customer\.test/i);
    expect(await t.em().findOne(EmailAddressState, { address: 'gone@customer.test' })).toMatchObject({ isBouncing: true });
    expect(await t.em().count(Ticket, {})).toBe(before);
  });
});
