import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger';
import { InboundEmail } from '../../src/modules/email/email.entity';
import { Ticket } from '../../src/modules/tickets/ticket.entity';
import { startServer, type RunningServer } from '../../src/server/app';
import { startTestServer, type TestServer } from '../support/server';
import { dovecotAvailable, startDovecot, type Dovecot } from './dovecot';
import { compose } from './mail';
import { until } from './smtp-sink';

// IMAP fetching against a real Dovecot started for this suite on a loopback port.
let dovecot: Dovecot;
let t: TestServer;
let second: RunningServer | null = null;
const available = dovecotAvailable();

async function imap(): Promise<ImapFlow> {
  const c = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  await c.connect();
  return c;
}

async function uidsIn(folder: string): Promise<number> {
  const c = await imap();
  try {
    const status = await c.status(folder, { messages: true }).catch(() => false as const);
    return status ? (status.messages ?? 0) : 0;
  } finally {
    await c.logout();
  }
}

async function arrive(subject: string, messageId: string): Promise<void> {
  const c = await imap();
  try {
    await c.append('INBOX', await compose({ from: 'Ivy <ivy@customer.test>', to: 'imap@desk.test', subject, messageId, text: `About ${subject}` }));
  } finally {
    await c.logout();
  }
}

const processed = (messageId: string) =>
  until(async () => {
    const row = await t.em().findOne(InboundEmail, { messageId });
    return row && row.status !== 'RECEIVED' ? row : undefined;
  }, 20_000, `${messageId} processed`);

beforeAll(async () => {
  if (!available) return;
  dovecot = await startDovecot();
  // a poll far slower than the test: what arrives within seconds came by IDLE
  t = await startTestServer({ DESKQL_IMAP_POLL_S: '600' });
  const admin = await t.adminToken();
  const res = await t.gql<{ createMailbox: { userErrors: unknown[] } }, unknown>(
    'mutation($input: CreateMailboxInput!) { createMailbox(input: $input) { userErrors { code message } } }',
    { input: { address: 'imap@desk.test', imap: { host: '127.0.0.1', port: dovecot.port, tls: 'NONE', user: dovecot.user, password: dovecot.password, archiveFolder: 'Processed' } } },
    { token: admin },
  );
  expect(res.data!.createMailbox.userErrors).toEqual([]);
});
afterAll(async () => {
  await second?.close();
  await t?.close();
  await dovecot?.stop();
});

describe.runIf(available)('IMAP fetch', () => {
  it('fetches a message as it arrives (IDLE) and moves it to the archive folder', async () => {
    await until(async () => (await uidsIn('INBOX')) === 0, 5_000, 'an empty inbox');
    // Creating the mailbox woke the fetcher. A first message proves it connected: once that one is
    // processed, the fetcher is past its first fetch (which reads whatever the inbox holds) and
    // stays connected, so the next message can only come by IDLE (the poll runs every 600 s).
    await arrive('Before IMAP', '<imap.0@customer.test>');
    expect((await processed('<imap.0@customer.test>')).status).toBe('TICKET');
    await arrive('Over IMAP', '<imap.1@customer.test>');
    const row = await processed('<imap.1@customer.test>');
    expect(row).toMatchObject({ door: 'IMAP', status: 'TICKET' });
    expect(row.imapUid).toBeGreaterThan(0);
    expect(await t.em().findOneOrFail(Ticket, row.ticket!.id)).toMatchObject({ subject: 'Over IMAP', source: 'EMAIL' });
    await until(async () => (await uidsIn('INBOX')) === 0 && (await uidsIn('Processed')) === 2, 10_000, 'moved to Processed');
  });

  it.skipIf(!process.env.DATABASE_URL)('two processes fetching one mailbox process every message once', async () => {
    second = await startServer({ ...t.config }, createLogger('silent'));
    const ids = Array.from({ length: 6 }, (_, i) => `<imap.pair.${i}@customer.test>`);
    for (const [i, id] of ids.entries()) await arrive(`Pair ${i}`, id);
    for (const id of ids) expect((await processed(id)).status).toBe('TICKET');
    for (let i = 0; i < ids.length; i++) expect(await t.em().count(Ticket, { subject: `Pair ${i}` })).toBe(1);
    expect(await t.em().count(InboundEmail, { messageId: { $in: ids } })).toBe(ids.length);
    await until(async () => (await uidsIn('INBOX')) === 0, 10_000, 'all moved');
    expect(await uidsIn('Processed')).toBe(2 + ids.length);
  });
});

