import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context, Viewer } from '../../common/context';
import { ErrorCode, fail, Problems, unauthenticated } from '../../common/errors';
import { prefixedColumns, rowPart } from '../../common/columns';
import { lookup } from '../../common/lookup';
import { inTransaction } from '../../common/tx';
import { cleanName } from '../../common/validate';
import { Agent } from '../directory/agent.entity';
import { EndUser } from '../directory/end-user.entity';
import { agentPrincipal, principalColumns, type Principal, type PrincipalRow } from '../tickets/ticket.policy';
import { AuthToken, TokenKind } from './auth-token.entity';
import { decoyHash, hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from './password';
import { newSecret, PREFIX, secretHash } from './secrets';

const BEARER = /^Bearer\s+([A-Za-z0-9_-]{10,200})$/i;
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Turns an Authorization header value into a viewer, with when its token
 * expires (null: it does not) and its principal. No header: anonymous
 * (null). A header that is malformed, unknown, expired or revoked, or whose
 * person is inactive: UNAUTHENTICATED — never silently anonymous.
 */
export async function authenticateToken(
  em: EntityManager,
  authorization: string | undefined | null,
): Promise<{ viewer: Viewer; expiresAt: Date | null; principal: Principal } | null> {
  if (authorization === undefined || authorization === null || authorization.trim() === '') return null;
  const match = BEARER.exec(authorization.trim());
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"', 401);
  const found = await tokenBySecretHash(em, secretHash(match[1]!));
  const now = new Date();
  const viewer = found ? viewerOfToken(found.token, now) : 'The token is invalid, expired or revoked';
  if (typeof viewer === 'string') throw unauthenticated(viewer, 401);
  const { token, access } = found!;
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await em.nativeUpdate(AuthToken, { id: token.id }, { lastUsedAt: now });
  }
  const principal: Principal =
    viewer.kind === 'agent'
      ? agentPrincipal(viewer.agent, access)
      : { kind: 'endUser', userId: viewer.user.id, orgId: viewer.user.organization?.id ?? null, orgShares: access.org_shares === true, ticketScope: viewer.ticketScope };
  return { viewer, expiresAt: token.expiresAt ?? null, principal };
}

/**
 * The stored token with this hash, its agent or end user loaded, and what
 * the policy needs about them (an agent's role permissions, teams and extra
 * access; whether an end user's organization shares tickets): one plain
 * statement whose rows are mapped into the EntityManager (every request
 * with a token asks this first, so it skips the query builder, and its
 * principal costs no second round trip).
 */
async function tokenBySecretHash(em: EntityManager, hash: string): Promise<{ token: AuthToken; access: PrincipalRow & { org_shares: boolean | null } } | null> {
  const sql =
    `select ${prefixedColumns(em, AuthToken, 't', 't__')}, ${prefixedColumns(em, Agent, 'a', 'a__')}, ${prefixedColumns(em, EndUser, 'u', 'u__')}, ` +
    `${principalColumns('a')}, o."shares_tickets" as org_shares ` +
    'from "auth_token" t left join "agent" a on a."id" = t."agent_id" left join "end_user" u on u."id" = t."end_user_id" ' +
    'left join "organization" o on o."id" = u."organization_id" where t."secret_hash" = ?';
  const found = (await em.execute<Record<string, unknown>[]>(sql, [hash]))[0];
  if (!found) return null;
  const { permissions, team_ids, extra, org_shares, ...row } = found as Record<string, unknown> & PrincipalRow & { org_shares: boolean | null };
  const access = { permissions, team_ids, extra, org_shares };
  // The person first, so the token's reference points at the loaded entity.
  const agent = rowPart(row, 'a__');
  if (agent) em.map(Agent, agent as never);
  const user = rowPart(row, 'u__');
  if (user) em.map(EndUser, user as never);
  return { token: em.map(AuthToken, rowPart(row, 't__') as never), access };
}

/** The bearer secret of an Authorization value, or null when it is not `Bearer <token>`. */
export function bearerSecret(authorization: string): string | null {
  return BEARER.exec(authorization.trim())?.[1] ?? null;
}

/**
 * The viewer a stored token (agent and end user populated) stands for at
 * `now`, or why it stands for none: revoked, expired, or its person inactive.
 */
export function viewerOfToken(token: AuthToken, now: Date): Viewer | string {
  if (token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return 'The token is invalid, expired or revoked';
  const agent = token.agent?.getEntity();
  if (agent) {
    if (!agent.isActive) return 'The account is inactive';
    return { kind: 'agent', agent, tokenId: token.id, via: token.kind === TokenKind.API_KEY ? 'apiKey' : 'session' };
  }
  const user = token.endUser?.getEntity();
  if (user) {
    if (!user.isActive) return 'The account is inactive';
    return { kind: 'endUser', user, tokenId: token.id, ticketScope: token.ticketScope };
  }
  return 'The token is invalid, expired or revoked';
}

export interface LoginResult {
  token: string;
  expiresAt: Date;
  viewer: Agent | EndUser;
}

const INVALID_LOGIN = 'Email or password is incorrect';

/** Logs in an agent or end user with email and password; a new session token each time. */
export async function login(ctx: Context, emailInput: string, password: string): Promise<LoginResult> {
  const email = emailInput.trim().toLowerCase();
  const em = ctx.em;
  const limits = ctx.services.loginLimits;
  const attempt = await limits.begin(em, email, ctx.ip);
  if (attempt.refused) {
    await limits.forget(em, attempt);
    fail(ErrorCode.RATE_LIMITED, 'Too many failed logins; try again later');
  }
  if (attempt.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, attempt.delayMs));

  const agent = email.length <= 320 ? await em.findOne(Agent, { email }, { populate: ['passwordHash'] }) : null;
  const user = agent || email.length > 320 ? null : await em.findOne(EndUser, { email }, { populate: ['passwordHash'] });
  const person = agent ?? user;
  // Verify against a decoy hash when the person is unknown, so timing does not tell which part was wrong.
  const ok =
    password.length <= PASSWORD_MAX &&
    (await verifyPassword(person?.passwordHash ?? (await decoyHash()), password)) &&
    person !== null &&
    person.isActive;
  // A wrong password leaves the attempt counted as a failure.
  if (!ok) fail(ErrorCode.BAD_USER_INPUT, INVALID_LOGIN);
  await limits.succeeded(em, attempt);
  const token = newSecret(PREFIX.SESSION);
  const expiresAt = new Date(Date.now() + ctx.config.sessionTtlMs);
  em.create(AuthToken, {
    kind: TokenKind.SESSION,
    secretHash: secretHash(token),
    agent: agent ? ref(agent) : null,
    endUser: user ? ref(user) : null,
    expiresAt,
  });
  await em.flush();
  return { token, expiresAt, viewer: person! };
}

/** Revokes the token the request came with. */
export async function logout(ctx: Context): Promise<void> {
  if (!ctx.viewer) return;
  await ctx.em.nativeUpdate(AuthToken, { id: ctx.viewer.tokenId, revokedAt: null }, { revokedAt: new Date() });
  ctx.services.sockets?.accessChanged();
}

/** Signs a person out everywhere (password change, deactivation). API keys of an agent are kept unless `includeApiKeys`. */
export async function revokeAllTokensOf(
  em: EntityManager,
  who: { agentId?: number; endUserId?: number },
  options: { exceptTokenId?: number; includeApiKeys?: boolean } = {},
): Promise<void> {
  const where: Record<string, unknown> = { revokedAt: null };
  if (who.agentId) where.agent = who.agentId;
  if (who.endUserId) where.endUser = who.endUserId;
  if (!options.includeApiKeys) where.kind = { $ne: TokenKind.API_KEY };
  if (options.exceptTokenId) where.id = { $ne: options.exceptTokenId };
  await em.nativeUpdate(AuthToken, where, { revokedAt: new Date() });
}

/** Changes the viewer's own password: every other session is revoked, a fresh token returned. */
export async function changePassword(ctx: Context, current: string, next: string): Promise<LoginResult> {
  const viewer = ctx.viewer;
  if (!viewer || (viewer.kind === 'endUser' && viewer.ticketScope !== null)) throw unauthenticated();
  if (viewer.kind === 'agent' && viewer.via === 'apiKey') fail(ErrorCode.FORBIDDEN, 'An API key cannot change a password');
  const result = await inTransaction(ctx, async (em) => {
    const person =
      viewer.kind === 'agent'
        ? await em.findOneOrFail(Agent, viewer.agent.id, { populate: ['passwordHash'] })
        : await em.findOneOrFail(EndUser, viewer.user.id, { populate: ['passwordHash'] });
    const problems = new Problems();
    if (!person.passwordHash || !(await verifyPassword(person.passwordHash, current))) {
      problems.add(ErrorCode.BAD_USER_INPUT, 'The current password is incorrect', 'currentPassword');
    }
    if (next.length < PASSWORD_MIN || next.length > PASSWORD_MAX) {
      problems.add(ErrorCode.BAD_USER_INPUT, `The new password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`, 'newPassword');
    }
    problems.throwIfAny();
    person.passwordHash = await hashPassword(next);
    const who = viewer.kind === 'agent' ? { agentId: person.id } : { endUserId: person.id };
    await revokeAllTokensOf(em, who);
    const token = newSecret(PREFIX.SESSION);
    const expiresAt = new Date(Date.now() + ctx.config.sessionTtlMs);
    em.create(AuthToken, {
      kind: TokenKind.SESSION,
      secretHash: secretHash(token),
      agent: viewer.kind === 'agent' ? ref(Agent, person.id) : null,
      endUser: viewer.kind === 'endUser' ? ref(EndUser, person.id) : null,
      expiresAt,
    });
    await em.flush();
    return { token, expiresAt, viewer: person };
  });
  // Other sessions' live connections end too.
  ctx.services.sockets?.accessChanged();
  return result;
}

export interface NewApiKey {
  apiKey: AuthToken;
  secret: string;
}

/** An API key acting as the named agent; the secret is shown once. */
export function createApiKey(ctx: Context, input: { agentId: string; name: string; expiresAt?: Date | null }): Promise<NewApiKey> {
  return inTransaction(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name');
    const agent = await lookup(em, Agent, 'Agent', input.agentId, 'agentId', problems);
    if (agent && !agent.isActive) problems.add(ErrorCode.BAD_USER_INPUT, 'The agent is inactive', 'agentId');
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      problems.add(ErrorCode.BAD_USER_INPUT, 'expiresAt must be in the future', 'expiresAt');
    }
    problems.throwIfAny();
    const secret = newSecret(PREFIX.API_KEY);
    const apiKey = em.create(AuthToken, {
      kind: TokenKind.API_KEY,
      secretHash: secretHash(secret),
      name,
      agent: ref(agent!),
      expiresAt: input.expiresAt ?? null,
    });
    await em.flush();
    return { apiKey, secret };
  });
}

export async function revokeApiKey(ctx: Context, apiKeyId: string): Promise<AuthToken> {
  const revoked = await inTransaction(ctx, async (em) => {
    const problems = new Problems();
    const key = await lookup(em, AuthToken, 'ApiKey', apiKeyId, 'apiKeyId', problems);
    if (key && key.kind !== TokenKind.API_KEY) problems.add(ErrorCode.NOT_FOUND, 'ApiKey not found', 'apiKeyId');
    problems.throwIfAny();
    key!.revokedAt ??= new Date();
    await em.flush();
    return key!;
  });
  ctx.services.sockets?.accessChanged();
  return revoked;
}
