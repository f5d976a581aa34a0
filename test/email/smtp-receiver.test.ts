import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundEmail } from '../../src/modules/email/email.entity';
import { Ticket } from '../../src/modules/tickets/ticket.entity';
import { startTestServer, type TestServer } from '../support/server';
import { until } from './smtp-sink';

// The built-in SMTP receiver, driven by nodemailer as a real client.
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ DESKQL_SMTP_LISTEN_PORT: '0', DESKQL_SMTP_LISTEN_HOST: '127.0.0.1' });
  const admin = await t.adminToken();
  const box = await t.gql<{ createMailbox: { userErrors: unknown[] } }, unknown>(
    'mutation($input: CreateMailboxInput!) { createMailbox(input: $input) { userErrors { code message } } }',
    { input: { address: 'support@desk.test' } },
    { token: admin },
  );
  expect(box.data!.createMailbox.userErrors).toEqual([]);
});
afterAll(() => t?.close());

const client = () => nodemailer.createTransport({ host: '127.0.0.1', port: t.server.smtpPort!, secure: false, ignoreTLS: true });

describe('the SMTP receiver', () => {
  it('is off unless a port is configured', async () => {
    const off = await startTestServer();
    try {
      expect(off.server.smtpPort).toBeNull();
    } finally {
      await off.close();
    }
  });

  it('takes mail for a mailbox and makes a ticket of it', async () => {
    const info = await client().sendMail({ from: 'Sam <sam@customer.test>', to: 'Support@desk.test', subject: 'By SMTP', text: 'Hello over SMTP', messageId: '<smtp.1@customer.test>' });
    expect(info.accepted).toEqual(['Support@desk.test']);
    const row = await until(async () => {
      const r = await t.em().findOne(InboundEmail, { messageId: '<smtp.1@customer.test>' });
      return r && r.status !== 'RECEIVED' ? r : undefined;
    }, 15_000, 'processing');
    expect(row).toMatchObject({ door: 'SMTP', status: 'TICKET' });
    expect(await t.em().findOneOrFail(Ticket, row.ticket!.id)).toMatchObject({ subject: 'By SMTP', source: 'EMAIL' });
  });

  it('is never an open relay: any other recipient is refused at RCPT TO', async () => {
    const before = await t.em().count(InboundEmail, {});
    await expect(client().sendMail({ from: 'spammer@elsewhere.test', to: 'victim@elsewhere.test', subject: 'Relay me', text: 'x' })).rejects.toMatchObject({ responseCode: 550, command: 'RCPT TO' });
    // a mix: only the mailbox is taken
    const info = await client().sendMail({ from: 'sam@customer.test', to: ['victim@elsewhere.test', 'support@desk.test'], subject: 'Mixed', text: 'x', messageId: '<smtp.mixed@customer.test>' });
    expect(info.accepted).toEqual(['support@desk.test']);
    expect(info.rejected).toEqual(['victim@elsewhere.test']);
    expect(await t.em().count(InboundEmail, {})).toBe(before + 1);
  });

  it('refuses a 30 MB message at SIZE and at DATA', async () => {
    const before = await t.em().count(InboundEmail, {});
    const big = Buffer.alloc(30 * 1024 * 1024, 'a');
    // nodemailer reads the server's SIZE limit from EHLO and declares its size: refused before DATA
    await expect(client().sendMail({ from: 'sam@customer.test', to: 'support@desk.test', subject: 'Huge', text: 'x', attachments: [{ filename: 'big.txt', content: big }] })).rejects.toThrow(/size|large/i);
    // a client that declares nothing: refused once the DATA passes the limit
    const conn = new SMTPConnection({ host: '127.0.0.1', port: t.server.smtpPort!, ignoreTLS: true });
    await new Promise<void>((resolve, reject) => conn.connect((err?: Error) => (err ? reject(err) : resolve())));
    const raw = Buffer.concat([Buffer.from('From: sam@customer.test\r\nTo: support@desk.test\r\nSubject: Huge\r\n\r\n'), Buffer.alloc(30 * 1024 * 1024, 'b')]);
    const refused = await new Promise<{ responseCode?: number }>((resolve) => conn.send({ from: 'sam@customer.test', to: ['support@desk.test'] }, raw, (err) => resolve(err as never)));
    expect(refused?.responseCode).toBe(552);
    conn.quit();
    expect(await t.em().count(InboundEmail, {})).toBe(before);
  });
});
