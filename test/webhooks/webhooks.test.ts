import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWebhookDocument,
  DeleteWebhookDocument,
  RedeliverWebhookDeliveryDocument,
  ReplayWebhookDocument,
  RotateWebhookSecretDocument,
  UpdateAgentDocument,
  UpdateWebhookDocument,
  WebhookDeliveriesDocument,
  WebhooksDocument,
  type CreateWebhookInput,
} from '../__generated__/graphql';
import { startTestServer, type TestServer } from '../support/server';
import { openTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';
import { startReceiver, verify, type Receiver } from './receiver';

// Webhooks end to end (issue 12): a real server, a real HTTP receiver on
// loopback (the allowance for private addresses is on here; ssrf.test.ts
// turns it off), real graphql-ws subscribers to compare bodies with.

let t: TestServer;
let w: World;
let rx: Receiver;

const MAX_FAILURES = 6;

beforeAll(async () => {
  t = await startTestServer({
    DESKQL_WEBHOOK_ALLOW_PRIVATE: '1',
    DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0',
    DESKQL_WEBHOOK_RETRY_MS: '50',
    DESKQL_WEBHOOK_RETRY_MAX_MS: '200',
    DESKQL_WEBHOOK_MAX_FAILURES: String(MAX_FAILURES),
    DESKQL_WEBHOOK_FAILURE_WINDOW_MS: '0',
    DESKQL_WEBHOOK_POLL_MS: '200',
  });
  w = await buildWorld(t);
  rx = await startReceiver();
});

afterAll(async () => {
  await t?.close();
  await rx?.stop();
});

const EVENTS_DOC = 'subscription { ticketEvents { cursor node { id kind ticket { id number subject department { name } } } } }';
const admin = () => w.agents.admin.token;

async function create(input: Partial<CreateWebhookInput> & { url: string }, token = admin()) {
  const res = await t.gql(CreateWebhookDocument, { input: { name: 'Hook', document: EVENTS_DOC, actAsAgentId: w.agents.full.id, ...input } }, { token });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.createWebhook;
}

async function created(input: Partial<CreateWebhookInput> & { url: string }) {
  const out = await create(input);
  expect(out.userErrors).toEqual([]);
  return { id: out.webhook!.id, secret: out.secret! };
}

async function deliveries(id: string, first = 100) {
  const res = await t.gql(WebhookDeliveriesDocument, { id, first }, { token: admin() });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const hook = res.data!.node as unknown as HookView;
  return { hook, list: hook.deliveries.edges.map((e) => e.node).reverse() };
}
type Delivery = { id: string; status: string; attempts: number; responseStatus: number | null; lastError: string | null; cursor: string; body: string };
type HookView = { isActive: boolean; disabledReason: string | null; consecutiveFailures: number; deliveries: { edges: { node: Delivery }[] } };

/** Whether `check` comes true within `ms` (polled). */
async function within(ms: number, check: () => boolean): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) if (check()) return true;
  return check();
}

/** Waits until the webhook's deliveries satisfy `check` (they are read through the API). */
async function untilDeliveries(id: string, check: (d: Delivery[]) => boolean, ms = 20_000): Promise<Delivery[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { list } = await deliveries(id);
    if (check(list)) return list;
    if (Date.now() > deadline) throw new Error(`deliveries not as expected in ${ms} ms: ${JSON.stringify(list.map((d) => [d.status, d.attempts, d.lastError]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;
const at = (name: string) => `${rx.url}?hook=${name}`;
const to = (name: string) => rx.received.filter((r) => r.path === pathOf(at(name)));
const subjectOf = (body: string) => (JSON.parse(body) as { data: { ticketEvents: { node: { ticket: { subject: string } } } } }).data.ticketEvents.node.ticket.subject;

function wsAs(token: string): Client {
  return createClient({ url: t.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, onNonLazyError: () => {}, connectionParams: { authorization: `Bearer ${token}` } });
}

/** The JSON of every `next` payload a graphql-ws subscriber receives, as the server wrote it. */
function rawNext(client: Client, query: string, variables?: Record<string, unknown>) {
  const got: string[] = [];
  const stop = client.subscribe({ query, ...(variables ? { variables } : {}) }, { next: (v) => void got.push(JSON.stringify(v)), error: () => {}, complete: () => {} });
  return { got, stop };
}

const open = (subject: string, departmentId = w.supportId) => openTicket(t, admin(), { subject, owner: { email: 'pat@customer.test', name: 'Pat' }, departmentId });

describe('saving a webhook', () => {
  it('returns a Standard Webhooks secret once and lists the webhook for admins only', async () => {
    const out = await create({ url: at('list'), name: 'CRM' });
    expect(out.userErrors).toEqual([]);
    expect(out.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(out.webhook).toMatchObject({ name: 'CRM', stream: 'TICKET_EVENTS', isActive: true, disabledReason: null, actAsAgent: { id: w.agents.full.id } });
    const listed = await t.gql(WebhooksDocument, {}, { token: admin() });
    expect(listed.data!.webhooks.map((h) => h.id)).toContain(out.webhook!.id);
    const asAgent = await t.gql(WebhooksDocument, {}, { token: w.agents.full.token });
    expect(asAgent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byAgent = await create({ url: at('agent') }, w.agents.full.token);
    expect(byAgent.userErrors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    await t.gql(DeleteWebhookDocument, { input: { id: out.webhook!.id } }, { token: admin() });
  });

  it('refuses a document that does not validate, with the GraphQL errors, and saves nothing', async () => {
    const before = (await t.gql(WebhooksDocument, {}, { token: admin() })).data!.webhooks.length;
    const cases: [string, RegExp][] = [
      ['subscription { ticketEvents { cursor node { nope } } }', /Cannot query field "nope" on type "TicketEvent"/],
      ['subscription { ticketEvents { cursor ', /Syntax Error/],
      ['query { viewer { id } }', /must be a subscription/],
      ['subscription { ticketUpdates(ticketId: "VGlja2V0OjE") { cursor } }', /ticketEvents or queueUpdates, not ticketUpdates/],
      ['subscription { ticketEvents(after: "x") { cursor } }', /leave ticketEvents\(after:\) out/],
      ['subscription { a: ticketEvents { cursor } b: ticketEvents { cursor } }', /exactly one root field|only one top level field/],
    ];
    for (const [document, message] of cases) {
      const out = await create({ url: at('bad'), document });
      expect(out.webhook, document).toBeNull();
      expect(out.userErrors.length, document).toBeGreaterThan(0);
      expect(out.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['document'] });
      expect(out.userErrors.map((e) => e.message).join(' '), document).toMatch(message);
    }
    const two = await create({ url: at('bad'), document: 'subscription { ticketEvents { nope1 nope2 } }' });
    expect(two.userErrors.map((e) => e.field?.join('.'))).toEqual(['document', 'document']);
    const vars = await create({ url: at('bad'), document: 'subscription($q: [ID!]) { queueUpdates(queueIds: $q) { count } }', variables: { q: 5 } });
    expect(vars.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['variables'] });
    const unknownQueue = await create({ url: at('bad'), document: 'subscription($q: [ID!]) { queueUpdates(queueIds: $q) { count } }', variables: { q: ['UXVldWU6OTk5OQ'] } });
    expect(unknownQueue.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['variables'] });
    const badUrl = await create({ url: 'ftp://127.0.0.1/x' });
    expect(badUrl.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['url'] });
    const creds = await create({ url: `http://user:pw@127.0.0.1:${rx.port}/` });
    expect(creds.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['url'] });
    const noAgent = await create({ url: at('bad'), actAsAgentId: 'QWdlbnQ6OTk5OQ' });
    expect(noAgent.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['actAsAgentId'] });
    const after = (await t.gql(WebhooksDocument, {}, { token: admin() })).data!.webhooks.length;
    expect(after).toBe(before);
  });
});

describe('changing a webhook', () => {
  it('checks a new document or URL as createWebhook does, changes nothing on refusal, and delivers with the new document', async () => {
    const r = await startReceiver('/update');
    const hook = await created({ url: r.url });
    const update = (input: Record<string, unknown>) => t.gql(UpdateWebhookDocument, { input: { webhookId: hook.id, ...input } }, { token: admin() });
    const bad = await update({ document: 'subscription { ticketEvents { nope } }', name: 'Renamed' });
    expect(bad.data!.updateWebhook).toMatchObject({ webhook: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['document'] }] });
    const badUrl = await update({ url: 'ftp://127.0.0.1/' });
    expect(badUrl.data!.updateWebhook.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['url'] });
    const listed = (await t.gql(WebhooksDocument, {}, { token: admin() })).data!.webhooks.find((h) => h.id === hook.id)!;
    expect(listed).toMatchObject({ name: 'Hook', url: r.url, document: EVENTS_DOC });
    const doc = 'subscription { ticketEvents { node { kind ticket { subject } } } }';
    const good = await update({ document: doc, name: 'Renamed' });
    expect(good.data!.updateWebhook).toMatchObject({ userErrors: [], webhook: { name: 'Renamed', document: doc } });
    await open('After the change');
    const [got] = await r.until((x) => x.length === 1);
    expect(JSON.parse(got!.body)).toEqual({ data: { ticketEvents: { node: { kind: 'CREATED', ticket: { subject: 'After the change' } } } } });
    await r.stop();
    await t.gql(DeleteWebhookDocument, { input: { id: hook.id } }, { token: admin() });
  });
});

describe('delivery', () => {
  it("POSTs, signed, exactly what the acting agent's graphql-ws subscription receives — and never another department's ticket", async () => {
    const hook = await created({ url: at('same') });
    const client = wsAs(w.agents.full.token);
    const live = rawNext(client, EVENTS_DOC);
    try {
      // graphql-ws does not say when the subscription is set up: open tickets until it hears one the webhook also got.
      let first = '';
      for (let i = 0; !first && i < 30; i++) {
        const subject = `Warm-up ${i}`;
        await open(subject);
        await rx.until(() => to('same').some((r) => subjectOf(r.body) === subject));
        if (await within(1_000, () => live.got.some((g) => subjectOf(g) === subject))) first = subject;
      }
      expect(first).not.toBe('');
      const subjects = ['Support A', 'Sales secret', 'Support B', 'Sales secret 2', 'Support C'];
      for (const s of subjects) await open(s, s.startsWith('Sales') ? w.salesId : w.supportId);
      await rx.until(() => to('same').some((r) => subjectOf(r.body) === 'Support C'));
      expect(await within(20_000, () => live.got.some((g) => subjectOf(g) === 'Support C'))).toBe(true);
      const fromFirst = (list: string[]) => list.slice(list.findIndex((b) => subjectOf(b) === first));
      const bodies = fromFirst(to('same').map((r) => r.body));
      expect(bodies).toEqual(fromFirst(live.got));
      expect(bodies.map(subjectOf)).toEqual([first, 'Support A', 'Support B', 'Support C']);
      expect(to('same').some((r) => r.body.includes('Sales'))).toBe(false);
      for (const r of to('same')) {
        expect(r.contentType).toBe('application/json');
        expect(verify(hook.secret, r)).toEqual(JSON.parse(r.body));
      }
      expect(new Set(to('same').map((r) => r.id)).size).toBe(to('same').length);
      const list = await untilDeliveries(hook.id, (d) => d.length === to('same').length && d.every((x) => x.status === 'DELIVERED'));
      expect(list.map((d) => d.body)).toEqual(to('same').map((r) => r.body));
      expect(list.map((d) => d.id)).toEqual(to('same').map((r) => r.id));
      expect(list.every((d) => d.attempts === 1 && d.responseStatus === 204 && d.lastError === null)).toBe(true);
    } finally {
      live.stop();
      await client.dispose();
    }
  });

  it("fields that depend on the acting agent's role answer as that agent: viewerCan of an All Access and a Reply Only agent", async () => {
    const doc = 'subscription { ticketEvents { node { ticket { subject viewerCan { reply close assign } } } } }';
    const r = await startReceiver('/roles');
    const full = await created({ url: `${r.url}?full`, document: doc, actAsAgentId: w.agents.full.id });
    const reply = await created({ url: `${r.url}?reply`, document: doc, actAsAgentId: w.agents.replyOnly.id });
    await open('Whose powers');
    await r.until((x) => x.length === 2);
    const can = (who: string) => (JSON.parse(r.received.find((x) => x.path.endsWith(who))!.body) as { data: { ticketEvents: { node: { ticket: { viewerCan: object } } } } }).data.ticketEvents.node.ticket.viewerCan;
    expect(can('?full')).toEqual({ reply: true, close: true, assign: true });
    expect(can('?reply')).toEqual({ reply: true, close: false, assign: false });
    await r.stop();
    for (const h of [full, reply]) await t.gql(DeleteWebhookDocument, { input: { id: h.id } }, { token: admin() });
  });

  it("a queueUpdates webhook gets each update with the queue's exact count, as the live subscriber does", async () => {
    const queues = await t.gql<{ queues: { id: string; key: string | null; count: number }[] }, unknown>('{ queues { id key count } }', {}, { token: w.agents.full.token });
    const openQ = queues.data!.queues.find((q) => q.key === 'open')!;
    const doc = 'subscription($q: [ID!]) { queueUpdates(queueIds: $q) { change count cursor queue { key } ticket { subject } } }';
    const hook = await created({ url: at('queue'), document: doc, variables: { q: [openQ.id] } });
    const subjects = ['Q1', 'Q2', 'Q3'];
    for (const s of subjects) await open(s);
    const got = await rx.until(() => to('queue').length >= 3).then(() => to('queue'));
    const updates = got.map((r) => (JSON.parse(r.body) as { data: { queueUpdates: { change: string; count: number; ticket: { subject: string } } } }).data.queueUpdates);
    expect(updates.map((u) => [u.change, u.ticket.subject])).toEqual(subjects.map((s) => ['ENTERED', s]));
    const now = await t.gql<{ queues: { key: string | null; count: number }[] }, unknown>('{ queues { key count } }', {}, { token: w.agents.full.token });
    const count = now.data!.queues.find((q) => q.key === 'open')!.count;
    expect(updates.map((u) => u.count)).toEqual([count - 2, count - 1, count]);
    expect(got.every((r) => verify(hook.secret, r))).toBeTruthy();
    await t.gql(DeleteWebhookDocument, { input: { id: hook.id } }, { token: admin() });
  });

  it('a receiver down for a while gets everything once it is back, in order, each webhook-id once after deduplication', async () => {
    const down = await startReceiver('/down');
    const hook = await created({ url: down.url });
    await down.stop();
    const subjects = ['Down 1', 'Down 2', 'Down 3', 'Down 4'];
    for (const s of subjects) await open(s);
    await untilDeliveries(hook.id, (d) => d.length === 4 && d[0]!.attempts >= 2);
    const waiting = (await deliveries(hook.id)).list;
    expect(waiting[0]!.lastError).toMatch(/ECONNREFUSED/);
    // later deliveries wait for the first (stream order): none was attempted
    expect(waiting.slice(1).every((d) => d.attempts === 0 && d.status === 'PENDING')).toBe(true);
    await down.start();
    await down.until((r) => new Set(r.map((x) => x.id)).size === 4);
    expect(down.unique().map((r) => subjectOf(r.body))).toEqual(subjects);
    const list = await untilDeliveries(hook.id, (d) => d.every((x) => x.status === 'DELIVERED'));
    expect(list.map((d) => d.id)).toEqual(down.unique().map((r) => r.id));
    expect((await deliveries(hook.id)).hook.consecutiveFailures).toBe(0);
    await down.stop();
    await t.gql(DeleteWebhookDocument, { input: { id: hook.id } }, { token: admin() });
  });

  it('a receiver that sleeps 10 s is timed out (5 s) and the delivery retried under the same webhook-id', async () => {
    const slow = await startReceiver('/slow');
    let calls = 0;
    slow.answer = () => (++calls === 1 ? { status: 204, delayMs: 10_000 } : { status: 204 });
    const hook = await created({ url: slow.url });
    await open('Sleepy');
    await slow.until((r) => r.length >= 2, 30_000);
    expect(slow.received[0]!.id).toBe(slow.received[1]!.id);
    expect(slow.received[1]!.at - slow.received[0]!.at).toBeGreaterThanOrEqual(5_000 - 50);
    const [d] = await untilDeliveries(hook.id, (l) => l[0]?.status === 'DELIVERED');
    expect(d!.attempts).toBe(2);
    await slow.stop();
    await t.gql(DeleteWebhookDocument, { input: { id: hook.id } }, { token: admin() });
  }, 40_000);

  it('a receiver answering 500 forever turns the webhook off after N failures, saying why; turning it on delivers', async () => {
    const bad = await startReceiver('/bad');
    bad.answer = () => ({ status: 500, body: 'boom' });
    const hook = await created({ url: bad.url });
    await open('Failing');
    await bad.until((r) => r.length >= MAX_FAILURES);
    const [d] = await untilDeliveries(hook.id, (l) => l[0]?.status === 'FAILED');
    expect(d).toMatchObject({ attempts: MAX_FAILURES, responseStatus: 500 });
    expect(d!.lastError).toMatch(/HTTP 500: boom/);
    const { hook: off } = await deliveries(hook.id);
    expect(off.isActive).toBe(false);
    expect(off.disabledReason).toMatch(new RegExp(`after ${MAX_FAILURES} failed attempts in a row.*HTTP 500`));
    expect(bad.received.length).toBe(MAX_FAILURES);
    bad.answer = () => ({ status: 200 });
    const on = await t.gql(UpdateWebhookDocument, { input: { webhookId: hook.id, isActive: true } }, { token: admin() });
    expect(on.data!.updateWebhook.webhook).toMatchObject({ isActive: true, disabledReason: null, consecutiveFailures: 0 });
    await untilDeliveries(hook.id, (l) => l[0]?.status === 'DELIVERED');
    expect(new Set(bad.received.map((r) => r.id)).size).toBe(1);
    await bad.stop();
    await t.gql(DeleteWebhookDocument, { input: { id: hook.id } }, { token: admin() });
  });

  it('410 Gone turns the webhook off at once', async () => {
    const gone = await startReceiver('/gone');
    gone.answer = () => ({ status: 410 });
    const hook = await created({ url: gone.url });
    await open('Gone');
    await untilDeliveries(hook.id, (l) => l[0]?.status === 'FAILED');
    const { hook: off } = await deliveries(hook.id);
    expect(off).toMatchObject({ isActive: false });
    expect(off.disabledReason).toMatch(/410 Gone/);
    expect(gone.received.length).toBe(1);
    await gone.stop();
  });

  it('replay from a cursor re-sends exactly the events after it; redelivery re-sends one under its id', async () => {
    const r = await startReceiver('/replay');
    const hook = await created({ url: r.url });
    const subjects = ['R1', 'R2', 'R3', 'R4'];
    for (const s of subjects) await open(s);
    await r.until((x) => x.length === 4);
    const list = await untilDeliveries(hook.id, (l) => l.length === 4 && l.every((d) => d.status === 'DELIVERED'));
    const replay = await t.gql(ReplayWebhookDocument, { input: { webhookId: hook.id, after: list[1]!.cursor } }, { token: admin() });
    expect(replay.data!.replayWebhook.userErrors).toEqual([]);
    await r.until((x) => x.length === 6);
    expect(r.received.slice(4).map((x) => subjectOf(x.body))).toEqual(['R3', 'R4']);
    expect(r.received.slice(4).map((x) => x.body)).toEqual(r.received.slice(2, 4).map((x) => x.body));
    const again = await t.gql(RedeliverWebhookDeliveryDocument, { input: { deliveryId: list[0]!.id } }, { token: admin() });
    expect(again.data!.redeliverWebhookDelivery.delivery).toMatchObject({ id: list[0]!.id, status: 'PENDING' });
    await r.until((x) => x.length === 7);
    expect(r.received[6]).toMatchObject({ id: list[0]!.id, body: list[0]!.body });
    // bad input changes nothing
    const badCursor = await t.gql(ReplayWebhookDocument, { input: { webhookId: hook.id, after: 'nope' } }, { token: admin() });
    expect(badCursor.data!.replayWebhook.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['after'] });
    const badId = await t.gql(RedeliverWebhookDeliveryDocument, { input: { deliveryId: hook.id } }, { token: admin() });
    expect(badId.data!.redeliverWebhookDelivery.userErrors[0]).toMatchObject({ code: 'NOT_FOUND' });
    expect((await deliveries(hook.id)).list.length).toBe(6);
    await r.stop();
    await t.gql(DeleteWebhookDocument, { input: { id: hook.id } }, { token: admin() });
  });

  it('after a secret rotation deliveries verify with the new secret and, during the grace period, the old one', async () => {
    const r = await startReceiver('/rotate');
    const hook = await created({ url: r.url });
    const rotated = await t.gql(RotateWebhookSecretDocument, { input: { webhookId: hook.id, gracePeriodSeconds: 3600 } }, { token: admin() });
    const secret = rotated.data!.rotateWebhookSecret.secret!;
    expect(secret).not.toBe(hook.secret);
    expect(rotated.data!.rotateWebhookSecret.webhook!.previousSecretExpiresAt).not.toBeNull();
    await open('Rotated');
    const [first] = await r.until((x) => x.length === 1);
    expect(first!.signature.split(' ')).toHaveLength(2);
    expect(verify(secret, first!)).toBeTruthy();
    expect(verify(hook.secret, first!)).toBeTruthy();
    const noGrace = await t.gql(RotateWebhookSecretDocument, { input: { webhookId: hook.id, gracePeriodSeconds: 0 } }, { token: admin() });
    const latest = noGrace.data!.rotateWebhookSecret.secret!;
    await open('Rotated again');
    const got = await r.until((x) => x.length === 2);
    expect(verify(latest, got[1]!)).toBeTruthy();
    expect(() => verify(secret, got[1]!)).toThrow(/No matching signature/);
    const badGrace = await t.gql(RotateWebhookSecretDocument, { input: { webhookId: hook.id, gracePeriodSeconds: -1 } }, { token: admin() });
    expect(badGrace.data!.rotateWebhookSecret).toMatchObject({ secret: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['gracePeriodSeconds'] }] });
    await r.stop();
    await t.gql(DeleteWebhookDocument, { input: { id: hook.id } }, { token: admin() });
  });

  it('a deactivated acting agent sees nothing, and neither does their webhook: its position moves on with no delivery', async () => {
    const r = await startReceiver('/inactive');
    const watcher = await startReceiver('/watcher');
    const hook = await created({ url: r.url, actAsAgentId: w.agents.replyOnly.id });
    const adminHook = await created({ url: watcher.url, actAsAgentId: w.agents.admin.id });
    await open('Seen before');
    await r.until((x) => x.length === 1);
    const off = await t.gql(UpdateAgentDocument, { input: { agentId: w.agents.replyOnly.id, isActive: false } }, { token: admin() });
    expect(off.data!.updateAgent.userErrors).toEqual([]);
    try {
      await open('While deactivated');
      await watcher.until((x) => x.some((y) => subjectOf(y.body) === 'While deactivated'));
      // the webhook's position passes the event (read from the table) and it made nothing of it
      const seqs = await t.em().getConnection().execute<{ max: string }[]>('select max(seq)::text as max from ticket_event');
      for (const deadline = Date.now() + 20_000; ; await new Promise((res) => setTimeout(res, 50))) {
        const [row] = await t.em().getConnection().execute<{ position: string }[]>('select position::text as position from webhook where id = ?', [Number(Buffer.from(hook.id, 'base64url').toString().split(':')[1])]);
        if (BigInt(row!.position) >= BigInt(seqs[0]!.max)) break;
        if (Date.now() > deadline) throw new Error('position did not move');
      }
      expect((await deliveries(hook.id)).list.length).toBe(1);
      expect(r.received.map((x) => subjectOf(x.body))).toEqual(['Seen before']);
    } finally {
      await t.gql(UpdateAgentDocument, { input: { agentId: w.agents.replyOnly.id, isActive: true } }, { token: admin() });
      await r.stop();
      await watcher.stop();
      await t.gql(DeleteWebhookDocument, { input: { id: hook.id } }, { token: admin() });
      await t.gql(DeleteWebhookDocument, { input: { id: adminHook.id } }, { token: admin() });
    }
  });
});
