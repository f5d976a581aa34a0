import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthToken } from '../../src/modules/auth/auth-token.entity';
import { secretHash } from '../../src/modules/auth/secrets';
import {
  ChangePasswordDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  LogoutDocument,
  QueuesDocument,
  QueueUpdatesDocument,
  RevokeApiKeyDocument,
  TicketUpdatesDocument,
  UpdateAgentDocument,
} from '../__generated__/graphql';
import { startTestServer, wsResult, type TestServer } from '../support/server';
import { collect } from '../support/subscriptions';
import { newTicket, renameTicket } from '../support/tickets';
import { buildWorld, PASSWORD, type World } from '../support/world';

// A live subscription runs on the access its connection had when it opened.
// When that access ends (logout, password change, deactivation, a revoked
// API key, an expired token) the connection is closed with 4401; when it
// changes (role, departments, admin flag) with 4403, so the client reconnects
// and subscribes with the access it has now. Nothing more is delivered on
// the old connection either way.

interface Closed {
  code: number;
  reason: string;
}

function closedOf(client: Client): Promise<Closed> {
  return new Promise((resolve) => client.on('closed', (e) => resolve({ code: (e as Closed).code, reason: (e as Closed).reason })));
}

/** Whether the connection is still open, as its client knows it now. */
function openness(client: Client): () => boolean {
  let open = true;
  client.on('closed', () => (open = false));
  return () => open;
}

/** Resolves with the close event, or with null when the connection is still open after `ms`. */
function closedWithin(closed: Promise<Closed>, ms: number): Promise<Closed | null> {
  return Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), ms))]);
}

const REVOKED = { code: 4401, reason: 'Unauthorized: The token is invalid, expired or revoked' };
const CHANGED = { code: 4403, reason: 'Forbidden: your access changed; reconnect to subscribe with it' };

describe('after a change made in this process (no periodic check needed)', () => {
  let t: TestServer;
  let w: World;
  let admin = '';
  let openId = '';
  let seq = 0;

  beforeAll(async () => {
    // a periodic check an hour apart: every close below comes from the change itself
    t = await startTestServer({ DESKQL_WS_ACCESS_CHECK_MS: '3600000', DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0' });
    w = await buildWorld(t);
    admin = w.agents.admin.token;
    openId = (await t.gql(QueuesDocument, {}, { token: admin })).data!.queues.find((q) => q.key === 'open')!.id;
  });
  afterAll(() => t?.close());

  async function newAgent(departmentId = w.supportId) {
    const email = `live-${++seq}@desk.test`;
    const res = await t.gql(
      CreateAgentDocument,
      { input: { name: `Live ${seq}`, email, password: PASSWORD, primaryDepartmentId: departmentId, roleId: w.roles['All Access']! } },
      { token: admin },
    );
    expect(res.data?.createAgent.userErrors).toEqual([]);
    return { id: res.data!.createAgent.agent!.id, email, token: await t.login(email, PASSWORD) };
  }

  const openIn = (subject: string, departmentId: string) => newTicket(t, admin, { subject, owner: { email: 'live@customer.test' }, departmentId });
  const openInSupport = (subject: string) => openIn(subject, w.supportId);

  /** A live subscription to the open queue: it has heard a ticket opened in `departmentId`. */
  async function watching(token: string, departmentId = w.supportId) {
    const client = t.ws({ authorization: `Bearer ${token}` });
    const closed = closedOf(client);
    const isOpen = openness(client);
    const sub = collect(client, QueueUpdatesDocument, { queueIds: [openId] });
    await sub.live(async () => {
      const { number } = await openIn('Going live', departmentId);
      return (u) => u.queueUpdates.ticket?.number === number;
    });
    return { client, closed, isOpen, sub };
  }

  it("closes a logged-out session's connection at once, and only that session's", async () => {
    const agent = await newAgent();
    const other = await t.login(agent.email, PASSWORD);
    const kept = await watching(agent.token);
    const ended = await watching(other);
    await t.gql(LogoutDocument, {}, { token: other });
    expect(await closedWithin(ended.closed, 5_000)).toEqual(REVOKED);
    // the check that closed it covered the kept connection too, and left it open
    expect(kept.isOpen()).toBe(true);
    const before = ended.sub.items.length;
    const ticket = await openInSupport('After a logout');
    await kept.sub.until((items) => items.some((u) => u.queueUpdates.ticket?.number === ticket.number));
    // a closed connection delivers nothing more: its stream has ended
    await ended.sub.done;
    expect(ended.sub.items.length).toBe(before);
    expect(kept.isOpen()).toBe(true);
  });

  it("closes every other session's connection when a person changes their password", async () => {
    const owner = w.users.owner;
    const ticket = await newTicket(t, owner.token, { subject: 'Mine' });
    const second = await t.login(owner.email, PASSWORD);
    const client = t.ws({ authorization: `Bearer ${owner.token}` });
    const closed = closedOf(client);
    const sub = collect(client, TicketUpdatesDocument, { ticketId: ticket.id });
    await sub.live(async () => {
      const { version } = await renameTicket(t, admin, ticket.id);
      return (u) => u.ticketUpdates.ticket.version === version;
    });
    const changed = await t.gql(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: 'a-new-password-456' } }, { token: second });
    expect(changed.data?.changePassword.userErrors).toEqual([]);
    expect(await closedWithin(closed, 5_000)).toEqual(REVOKED);
  });

  it('closes a deactivated agent\'s connections (4401) and leaves everyone else\'s open', async () => {
    const agent = await newAgent();
    const ended = await watching(agent.token);
    const bystander = await watching(w.agents.full.token);
    const res = await t.gql(UpdateAgentDocument, { input: { agentId: agent.id, isActive: false } }, { token: admin });
    expect(res.data?.updateAgent.userErrors).toEqual([]);
    // deactivation signs them out everywhere: their tokens are revoked
    expect(await closedWithin(ended.closed, 5_000)).toEqual(REVOKED);
    // the check that closed it covered the bystander too, and left it open
    expect(bystander.isOpen()).toBe(true);
    const ticket = await openInSupport('After a deactivation');
    await bystander.sub.until((items) => items.some((u) => u.queueUpdates.ticket?.number === ticket.number));
    expect(bystander.isOpen()).toBe(true);
  });

  it('closes the connection of an agent whose departments changed (4403); reconnecting subscribes with the new access', async () => {
    const agent = await newAgent(w.supportId);
    const ended = await watching(agent.token);
    const ticket = await openInSupport('Seen from Support');
    await ended.sub.until((items) => items.some((u) => u.queueUpdates.ticket?.number === ticket.number));
    const moved = await t.gql(UpdateAgentDocument, { input: { agentId: agent.id, primaryDepartmentId: w.salesId } }, { token: admin });
    expect(moved.data?.updateAgent.userErrors).toEqual([]);
    expect(await closedWithin(ended.closed, 5_000)).toEqual(CHANGED);
    // the same token, a new connection: Support's tickets are no longer theirs to see
    const again = await watching(agent.token, w.salesId);
    const hidden = await openInSupport('Support only');
    const sales = await openIn('Sales now', w.salesId);
    await again.sub.until((items) => items.some((u) => u.queueUpdates.ticket?.number === sales.number));
    expect(again.sub.items.map((u) => u.queueUpdates.ticket?.number)).not.toContain(hidden.number);
  });

  it("closes a revoked API key's connections", async () => {
    const created = await t.gql(CreateApiKeyDocument, { input: { agentId: w.agents.full.id, name: 'Dashboard' } }, { token: admin });
    const key = created.data!.createApiKey;
    const watched = await watching(key.secret!);
    const revoked = await t.gql(RevokeApiKeyDocument, { input: { apiKeyId: key.apiKey!.id } }, { token: admin });
    expect(revoked.data?.revokeApiKey.userErrors).toEqual([]);
    expect(await closedWithin(watched.closed, 5_000)).toEqual(REVOKED);
  });

  it('leaves connections open through admin changes that do not touch their access', async () => {
    const watched = await watching(w.agents.replyOnly.token);
    const agent = await newAgent();
    await t.gql(UpdateAgentDocument, { input: { agentId: agent.id, name: 'Renamed' } }, { token: admin });
    // The barrier: a later logout whose connection the next check must close. That check runs
    // after the rename, over every connection.
    const canaryToken = await t.login(agent.email, PASSWORD);
    const canary = await watching(canaryToken);
    await t.gql(LogoutDocument, {}, { token: canaryToken });
    expect(await closedWithin(canary.closed, 5_000)).toEqual(REVOKED);
    expect(watched.isOpen()).toBe(true);
  });
});

describe('after a change made elsewhere (the periodic check)', () => {
  let t: TestServer;
  let admin = '';

  beforeAll(async () => {
    t = await startTestServer({ DESKQL_WS_ACCESS_CHECK_MS: '200' });
    admin = await t.adminToken();
  });
  afterAll(() => t?.close());

  it('closes a connection whose token expired or was revoked by another process', async () => {
    const token = await t.login('admin@example.com', 'admin-password-for-tests');
    expect(token).not.toBe(admin);
    const client = t.ws({ authorization: `Bearer ${token}` });
    const closed = closedOf(client);
    const isOpen = openness(client);
    const sub = collect(client, QueueUpdatesDocument, {});
    await sub.live(async () => {
      const { id } = await newTicket(t, admin, { subject: 'Going live', owner: { email: 'live@customer.test' } });
      return (u) => u.queueUpdates.ticket?.id === id;
    });
    // The barrier: a canary connection whose token expires first; the periodic check that
    // closes it went over this connection too, and left it open.
    const canaryToken = await t.login('admin@example.com', 'admin-password-for-tests');
    const canary = t.ws({ authorization: `Bearer ${canaryToken}` });
    const canaryClosed = closedOf(canary);
    await wsResult(canary, '{ viewer { id } }');
    await t.em().nativeUpdate(AuthToken, { secretHash: secretHash(canaryToken) }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await closedWithin(canaryClosed, 10_000)).toEqual(REVOKED);
    expect(isOpen()).toBe(true);
    // as another server process would: straight in the database, nothing told in this one
    await t.em().nativeUpdate(AuthToken, { secretHash: secretHash(token) }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await closedWithin(closed, 10_000)).toEqual(REVOKED);
  });
});
