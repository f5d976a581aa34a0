import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthToken, TokenKind } from '../../src/modules/auth/auth-token.entity';
import { LoginFailure } from '../../src/modules/auth/login-limiter';
import { secretHash } from '../../src/modules/auth/secrets';
import { Agent } from '../../src/modules/directory/agent.entity';
import {
  ApiKeysDocument,
  ChangePasswordDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateEndUserDocument,
  DirectoryDocument,
  LoginDocument,
  LogoutDocument,
  RevokeApiKeyDocument,
  UpdateAgentDocument,
  ViewerDocument,
} from '../__generated__/graphql';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, wsResult, type TestServer } from '../support/server';

let t: TestServer;
let admin: string;
let agentId: string;
const AGENT = { email: 'carl@example.com', password: 'carl-password-123' };

beforeAll(async () => {
  t = await startTestServer({ DESKQL_LOGIN_MAX_FAILURES: '5' });
  admin = await t.adminToken();
  const dir = await t.gql(DirectoryDocument, {}, { token: admin });
  const res = await t.gql(
    CreateAgentDocument,
    {
      input: {
        name: 'Carl Agent',
        email: AGENT.email,
        password: AGENT.password,
        primaryDepartmentId: dir.data!.departments[0]!.id,
        roleId: dir.data!.roles.find((r) => r.name === 'Reply Only')!.id,
      },
    },
    { token: admin },
  );
  agentId = res.data!.createAgent.agent!.id;
});
afterAll(() => t?.close());

const unauthenticated = (res: { status: number; errors?: { extensions?: Record<string, unknown> }[]; data?: unknown }) => {
  expect(res.status).toBe(401);
  expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(res.data ?? null).toBeNull();
};

describe('login', () => {
  it('returns a fresh token each time, for agents and end users', async () => {
    const a = await t.gql(LoginDocument, { input: AGENT });
    const b = await t.gql(LoginDocument, { input: AGENT });
    expect(a.data?.login).toMatchObject({ viewer: { __typename: 'Agent', name: 'Carl Agent' }, userErrors: [] });
    expect(a.data!.login.token).toMatch(/^dqs_[A-Za-z0-9_-]{43}$/);
    expect(a.data!.login.token).not.toBe(b.data!.login.token);
    // only a hash of the token is stored
    const stored = await t.em().findOneOrFail(AuthToken, { secretHash: secretHash(a.data!.login.token!) });
    expect(JSON.stringify(stored)).not.toContain(a.data!.login.token!);

    await t.gql(CreateEndUserDocument, { input: { name: 'Erin End', email: 'erin@example.com', password: 'erin-password-1' } }, { token: admin });
    const token = await t.login('erin@example.com', 'erin-password-1');
    const me = await t.gql(ViewerDocument, {}, { token });
    expect(me.data?.viewer).toMatchObject({ __typename: 'EndUser', name: 'Erin End', email: 'erin@example.com' });
  });

  it('gives the same error for a wrong email and a wrong password', async () => {
    const wrongPassword = await t.gql(LoginDocument, { input: { email: ADMIN_EMAIL, password: 'not the password' } });
    const wrongEmail = await t.gql(LoginDocument, { input: { email: 'nobody@example.com', password: 'not the password' } });
    expect(wrongPassword.data?.login).toEqual({ token: null, expiresAt: null, viewer: null, userErrors: [{ field: null, code: 'BAD_USER_INPUT', message: 'Email or password is incorrect' }] });
    expect(wrongEmail.data?.login).toEqual(wrongPassword.data?.login);
  });

  it('slows then refuses repeated failures for one email with RATE_LIMITED', async () => {
    const input = { email: 'victim@example.com', password: 'guess' };
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.gql(LoginDocument, { input });
      codes.push(res.data!.login.userErrors[0]!.code);
    }
    expect(codes).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'RATE_LIMITED']);
    // other accounts are unaffected
    expect((await t.gql(LoginDocument, { input: AGENT })).data?.login.token).toBeTruthy();
    const tokens = await t.em().count(AuthToken, { kind: TokenKind.SESSION });
    const refused = await t.gql(LoginDocument, { input });
    expect(refused.data?.login.userErrors).toEqual([{ field: null, code: 'RATE_LIMITED', message: 'Too many failed logins; try again later' }]);
    expect(await t.em().count(AuthToken, { kind: TokenKind.SESSION })).toBe(tokens);
    // counted in the database (every server process sees them; a restart forgets none); refusals do not count
    expect(await t.em().count(LoginFailure, { key: 'email:victim@example.com' })).toBe(5);
  });

  it('lets no burst of concurrent guesses past the limit', async () => {
    const input = { email: 'burst-victim@example.com', password: 'guess' };
    const results = await Promise.all(Array.from({ length: 12 }, () => t.gql(LoginDocument, { input })));
    const codes = results.map((r) => r.data!.login.userErrors[0]!.code);
    const wrong = codes.filter((c) => c === 'BAD_USER_INPUT').length;
    expect(wrong).toBeGreaterThanOrEqual(1);
    expect(wrong).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBe(12 - wrong);
    expect(await t.em().count(LoginFailure, { key: 'email:burst-victim@example.com' })).toBe(wrong);
  });

  it("clears an email's failures on a successful login", async () => {
    await t.gql(LoginDocument, { input: { email: AGENT.email, password: 'not it' } });
    await t.gql(LoginDocument, { input: { email: AGENT.email, password: 'not it either' } });
    expect(await t.em().count(LoginFailure, { key: `email:${AGENT.email}` })).toBe(2);
    expect((await t.gql(LoginDocument, { input: AGENT })).data?.login.token).toBeTruthy();
    expect(await t.em().count(LoginFailure, { key: `email:${AGENT.email}` })).toBe(0);
  });
});

describe('tokens', () => {
  it('refuses a malformed, unknown, expired or revoked token with UNAUTHENTICATED', async () => {
    unauthenticated(await t.gql(ViewerDocument, {}, { headers: { authorization: 'Basic abc' } }));
    unauthenticated(await t.gql(ViewerDocument, {}, { token: 'dqs_unknownunknownunknown' }));

    const expiring = await t.login(AGENT.email, AGENT.password);
    expect((await t.gql(ViewerDocument, {}, { token: expiring })).data?.viewer?.name).toBe('Carl Agent');
    await t.em().nativeUpdate(AuthToken, { secretHash: secretHash(expiring) }, { expiresAt: new Date(Date.now() - 1000) });
    unauthenticated(await t.gql(ViewerDocument, {}, { token: expiring }));

    const revoking = await t.login(AGENT.email, AGENT.password);
    const out = await t.gql(LogoutDocument, {}, { token: revoking });
    expect(out.data?.logout).toEqual({ loggedOut: true, userErrors: [] });
    unauthenticated(await t.gql(ViewerDocument, {}, { token: revoking }));
  });

  it('lets anonymous callers in without a token, as nobody', async () => {
    const res = await t.gql(ViewerDocument, {});
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ viewer: null });
  });

  it('signs an agent out everywhere on a password change, keeping the new token', async () => {
    const other = await t.login(AGENT.email, AGENT.password);
    const current = await t.login(AGENT.email, AGENT.password);
    const wrong = await t.gql(ChangePasswordDocument, { input: { currentPassword: 'nope', newPassword: 'brand-new-password' } }, { token: current });
    expect(wrong.data?.changePassword.userErrors).toEqual([{ field: ['currentPassword'], code: 'BAD_USER_INPUT', message: 'The current password is incorrect' }]);
    expect((await t.gql(ViewerDocument, {}, { token: other })).data?.viewer).not.toBeNull();

    const res = await t.gql(ChangePasswordDocument, { input: { currentPassword: AGENT.password, newPassword: 'brand-new-password' } }, { token: current });
    expect(res.data?.changePassword.userErrors).toEqual([]);
    unauthenticated(await t.gql(ViewerDocument, {}, { token: other }));
    unauthenticated(await t.gql(ViewerDocument, {}, { token: current }));
    expect((await t.gql(ViewerDocument, {}, { token: res.data!.changePassword.token! })).data?.viewer?.name).toBe('Carl Agent');
    AGENT.password = 'brand-new-password';
  });

  it('signs out a deactivated agent and refuses their login', async () => {
    const dave = await t.gql(
      CreateAgentDocument,
      {
        input: {
          name: 'Dave',
          email: 'dave@example.com',
          password: 'dave-password-1',
          primaryDepartmentId: (await t.gql(DirectoryDocument, {}, { token: admin })).data!.departments[0]!.id,
          roleId: (await t.gql(DirectoryDocument, {}, { token: admin })).data!.roles[0]!.id,
        },
      },
      { token: admin },
    );
    const token = await t.login('dave@example.com', 'dave-password-1');
    const res = await t.gql(UpdateAgentDocument, { input: { agentId: dave.data!.createAgent.agent!.id, isActive: false } }, { token: admin });
    expect(res.data?.updateAgent.agent?.isActive).toBe(false);
    unauthenticated(await t.gql(ViewerDocument, {}, { token }));
    const login = await t.gql(LoginDocument, { input: { email: 'dave@example.com', password: 'dave-password-1' } });
    expect(login.data?.login.userErrors[0]?.code).toBe('BAD_USER_INPUT');
  });
});

describe('API keys', () => {
  it('act as their agent until revoked; the secret is shown once and has 256 bits', async () => {
    const created = await t.gql(CreateApiKeyDocument, { input: { agentId, name: 'Partner sync' } }, { token: admin });
    const { apiKey, secret } = created.data!.createApiKey;
    expect(apiKey).toMatchObject({ name: 'Partner sync', agent: { id: agentId, name: 'Carl Agent' }, revokedAt: null });
    expect(secret).toMatch(/^dqk_[A-Za-z0-9_-]{43}$/);
    const me = await t.gql(ViewerDocument, {}, { token: secret });
    expect(me.data?.viewer).toMatchObject({ id: agentId, name: 'Carl Agent' });
    const list = await t.gql(ApiKeysDocument, {}, { token: admin });
    expect(JSON.stringify(list.data)).not.toContain(secret!);

    const revoked = await t.gql(RevokeApiKeyDocument, { input: { apiKeyId: apiKey!.id } }, { token: admin });
    expect(revoked.data?.revokeApiKey.apiKey?.revokedAt).toBeTruthy();
    unauthenticated(await t.gql(ViewerDocument, {}, { token: secret }));
  });

  it('cannot be created by a non-admin, and nothing is written', async () => {
    const token = await t.login(AGENT.email, AGENT.password);
    const before = await t.em().count(AuthToken, { kind: TokenKind.API_KEY });
    const res = await t.gql(CreateApiKeyDocument, { input: { agentId, name: 'Sneaky' } }, { token });
    expect(res.data?.createApiKey).toEqual({
      apiKey: null,
      secret: null,
      userErrors: [{ field: null, code: 'FORBIDDEN', message: 'Only administrators may do this' }],
    });
    expect(await t.em().count(AuthToken, { kind: TokenKind.API_KEY })).toBe(before);
  });
});

describe('WebSocket authentication', () => {
  function closeCode(params?: Record<string, unknown>): Promise<number> {
    return new Promise((resolve) => {
      const client = t.ws(params);
      client.on('closed', (event) => resolve((event as { code: number }).code));
    });
  }

  it('closes an unauthenticated connection_init and a bad token with 4401 (graphql-ws clients do not retry it)', async () => {
    expect(await closeCode()).toBe(4401);
    expect(await closeCode({ authorization: 'Bearer dqs_not_a_real_token_at_all' })).toBe(4401);
  });

  it('runs operations with the token from connectionParams', async () => {
    const client = t.ws({ authorization: `Bearer ${admin}` });
    const res = await wsResult<{ viewer: { name: string } }>(client, '{ viewer { name } }');
    expect(res).toEqual({ data: { viewer: { name: 'Administrator' } } });
    const count = await t.em().count(Agent, {});
    expect(count).toBeGreaterThan(0);
  });

  it('re-checks the token on every operation: a revoked token stops working on an open socket', async () => {
    const token = await t.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const client = t.ws({ authorization: `Bearer ${token}` });
    expect((await wsResult(client, '{ viewer { name } }')).data).toEqual({ viewer: { name: 'Administrator' } });
    // revoked behind this process's back (as another server would): the connection is not closed
    // before the periodic access check (test/live/access.test.ts), but its next operation is refused
    await t.em().nativeUpdate(AuthToken, { secretHash: secretHash(token) }, { revokedAt: new Date() });
    const res = await wsResult(client, '{ viewer { name } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
