import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTarget, isPublicAddress, type Resolve } from '../../src/modules/webhooks/webhook.address';
import { CreateWebhookDocument, DeleteWebhookDocument, UpdateWebhookDocument, WebhookDeliveriesDocument } from '../__generated__/graphql';
import { startTestServer, type TestServer } from '../support/server';
import { openTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';
import { startReceiver, type Receiver } from './receiver';

// SSRF (issue 12) with the allowance off, as in production: loopback is refused
// end to end (the receiver listens there and gets nothing); private,
// link-local, unique-local and metadata addresses through the address check
// and a resolver this test controls — nothing is ever sent to them, nor to
// any address outside loopback.

/** Names this test resolves; anything else is an error (no real DNS lookup is made). */
const names = new Map<string, string[]>([
  ['localhost', ['127.0.0.1', '::1']],
  ['intranet.test', ['10.0.0.1']],
  ['metadata.test', ['169.254.169.254']],
  ['ula.test', ['fd00::1']],
  ['mixed.test', ['8.8.8.8', '10.1.2.3']],
  ['public.test', ['8.8.8.8']],
]);
/**
 * `rebind.test` answers a public address once — the lookup of the save — and
 * loopback from then on (DNS rebinding): no later lookup, whoever makes it,
 * can get the public address, so nothing can be sent there.
 */
let rebindPublic = false;
const resolver: Resolve = async (host) => {
  if (host === 'rebind.test') {
    if (!rebindPublic) return ['127.0.0.1'];
    rebindPublic = false;
    return ['8.8.4.4'];
  }
  const found = names.get(host);
  if (!found) throw Object.assign(new Error(`unknown test name ${host}`), { code: 'ENOTFOUND' });
  return found;
};

describe('the address check', () => {
  it('accepts public unicast addresses only', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', 'fe80::1', 'fd00::1', 'fc00::2', '100.64.0.1', '0.0.0.0', '::', '224.0.0.1', '255.255.255.255', '::ffff:10.0.0.1', '::ffff:127.0.0.1', 'not-an-ip']) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });

  it('refuses private, link-local, unique-local and metadata targets, by literal and by name', async () => {
    const refused = [
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[fd00::1]/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://intranet.test/hook',
      'http://metadata.test/hook',
      'https://ula.test/hook',
      // one private address among public ones is enough to refuse
      'http://mixed.test/hook',
      'http://127.0.0.1/hook',
      'http://[::1]/hook',
      'http://localhost/hook',
    ];
    for (const url of refused) {
      const checked = await checkTarget(url, false, resolver);
      expect(checked.ok, url).toBe(false);
      if (!checked.ok) expect(checked.reason, url).toMatch(/not a public address/);
    }
    const ok = await checkTarget('https://public.test/hook', false, resolver);
    expect(ok).toMatchObject({ ok: true, target: { address: '8.8.8.8', family: 4 } });
    // the allowance lets private targets through (tests, on-premises receivers)
    expect((await checkTarget('http://intranet.test/hook', true, resolver)).ok).toBe(true);
    for (const url of ['ftp://public.test/x', 'file:///etc/passwd', 'gopher://public.test/', 'http://u:p@public.test/', 'not a url']) {
      expect((await checkTarget(url, false, resolver)).ok, url).toBe(false);
    }
    const unknown = await checkTarget('http://nowhere.test/', false, resolver);
    expect(unknown).toMatchObject({ ok: false, reason: expect.stringMatching(/does not resolve \(ENOTFOUND\)/) });
  });
});

describe('webhooks with the allowance off', () => {
  let t: TestServer;
  let w: World;
  let rx: Receiver;

  beforeAll(async () => {
    t = await startTestServer({ DESKQL_WEBHOOK_POLL_MS: '200', DESKQL_WEBHOOK_RETRY_MS: '60000' }, { resolveHost: resolver });
    w = await buildWorld(t);
    rx = await startReceiver();
  });
  afterAll(async () => {
    await t?.close();
    await rx?.stop();
  });

  const create = async (url: string, isActive = true) => {
    const res = await t.gql(
      CreateWebhookDocument,
      { input: { name: 'Hook', url, document: 'subscription { ticketEvents { cursor } }', actAsAgentId: w.agents.admin.id, isActive } },
      { token: w.agents.admin.token },
    );
    return res.data!.createWebhook;
  };

  it('refuses 127.0.0.1, [::1] and localhost at save; nothing is saved and nothing reaches the receiver', async () => {
    for (const url of [`http://127.0.0.1:${rx.port}/hook`, `http://[::1]:${rx.port}/hook`, `http://localhost:${rx.port}/hook`, 'http://169.254.169.254/', 'http://intranet.test/']) {
      const out = await create(url);
      expect(out.webhook, url).toBeNull();
      expect(out.secret).toBeNull();
      expect(out.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['url'], message: expect.stringMatching(/not a public address/) });
    }
    const saved = await t.em().getConnection().execute<{ n: number }[]>('select count(*)::int as n from webhook');
    expect(saved[0]!.n).toBe(0);
    // a ticket event now has no webhook to reach anyone
    await openTicket(t, w.agents.admin.token, { subject: 'After refusals', owner: { email: 'pat@customer.test' } });
    expect(rx.received).toEqual([]);
  });

  it('refuses the same addresses when a webhook is changed, and keeps its URL', async () => {
    // Off: a public address is never sent to, not even by an event that happens meanwhile.
    const out = await create('http://public.test/hook', false);
    expect(out.userErrors).toEqual([]);
    for (const url of [`http://127.0.0.1:${rx.port}/hook`, 'http://[fd00::1]/hook', 'http://metadata.test/']) {
      const res = await t.gql(UpdateWebhookDocument, { input: { webhookId: out.webhook!.id, url } }, { token: w.agents.admin.token });
      expect(res.data!.updateWebhook).toMatchObject({ webhook: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['url'] }] });
    }
    const [row] = await t.em().getConnection().execute<{ url: string }[]>('select url from webhook');
    expect(row!.url).toBe('http://public.test/hook');
    await t.gql(DeleteWebhookDocument, { input: { id: out.webhook!.id } }, { token: w.agents.admin.token });
  });

  it('checks again at delivery: a name that turned private since it was saved is refused, and nothing is sent', async () => {
    rebindPublic = true;
    const out = await create(`http://rebind.test:${rx.port}/hook`);
    expect(out.userErrors).toEqual([]);
    expect(rebindPublic).toBe(false);
    const id = out.webhook!.id;
    await openTicket(t, w.agents.admin.token, { subject: 'Rebound', owner: { email: 'pat@customer.test' } });
    // the attempt is recorded as refused before anything is sent
    let delivery: { attempts: number; status: string; lastError: string | null; responseStatus: number | null } | undefined;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const res = await t.gql(WebhookDeliveriesDocument, { id }, { token: w.agents.admin.token });
      const hook = res.data!.node as unknown as { deliveries: { edges: { node: NonNullable<typeof delivery> }[] } };
      delivery = hook.deliveries.edges[0]?.node;
      if (delivery && delivery.attempts >= 1) break;
    }
    expect(delivery).toMatchObject({ attempts: 1, status: 'PENDING', responseStatus: null });
    expect(delivery!.lastError).toMatch(/^not sent: the host rebind\.test resolves to 127\.0\.0\.1, which is not a public address/);
    expect(rx.received).toEqual([]);
    await t.gql(DeleteWebhookDocument, { input: { id } }, { token: w.agents.admin.token });
  });
});
