import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Context, Services, Viewer } from '../common/context';
import type { Logger } from '../common/logger';
import { unauthenticated } from '../common/errors';
import { authenticateToken, bearerSecret } from '../modules/auth/auth.service';
import { principalOf, type Principal } from '../modules/tickets/ticket.policy';

export interface ContextDeps {
  orm: MikroORM;
  config: Config;
  log: Logger;
  services: Services;
}

/** One context builder for HTTP and WebSocket operations: a fresh EntityManager fork and the authenticated viewer. */
export async function buildContext(deps: ContextDeps, authorization: string | undefined | null, ip: string): Promise<Context> {
  const ctx: Context = { em: deps.orm.em.fork(), viewer: null, config: deps.config, log: deps.log, ip, memo: new Map(), services: deps.services };
  await authenticateInto(ctx, authorization);
  return ctx;
}

/** A context for a viewer and principal already verified (a WebSocket's, see ws-access.ts `trusted`): no database work. */
export function contextOf(deps: ContextDeps, viewer: Viewer, ip: string, principal: Principal): Context {
  const memo = new Map<unknown, unknown>([[principalOf, Promise.resolve(principal)]]);
  return { em: deps.orm.em.fork(), viewer, config: deps.config, log: deps.log, ip, memo, services: deps.services };
}

/**
 * The memo key of an HTTP context's Authorization value while its viewer is
 * still to be read. (In the memo, not a WeakMap keyed by the context: Apollo
 * hands plugins and resolvers a shallow clone of the context object.)
 */
const PENDING_VIEWER = Symbol('pending viewer');

/**
 * An HTTP operation's context, whose viewer is read from the database only
 * once the operation has passed the query limits (`authenticatePending`, from
 * the query-cost plugin): a refused query costs no round trip. A malformed
 * Authorization value is refused here already, with no database work either.
 */
export function buildHttpContext(deps: ContextDeps, authorization: string | undefined | null, ip: string): Context {
  const ctx: Context = { em: deps.orm.em.fork(), viewer: null, config: deps.config, log: deps.log, ip, memo: new Map(), services: deps.services };
  if (authorization !== undefined && authorization !== null && authorization.trim() !== '') {
    if (bearerSecret(authorization) === null) throw unauthenticated('The Authorization header must be "Bearer <token>"', 401);
    ctx.memo.set(PENDING_VIEWER, authorization);
  }
  return ctx;
}

/** Reads the viewer of a context from `buildHttpContext` (once); UNAUTHENTICATED as `authenticateToken` decides. */
export async function authenticatePending(ctx: Context): Promise<void> {
  const authorization = ctx.memo.get(PENDING_VIEWER) as string | undefined;
  if (authorization === undefined) return;
  ctx.memo.delete(PENDING_VIEWER);
  await authenticateInto(ctx, authorization);
}

/** Sets the viewer `authenticateToken` decides, and its principal, read in the same statement as the token. */
async function authenticateInto(ctx: Context, authorization: string | undefined | null): Promise<void> {
  const verified = await authenticateToken(ctx.em, authorization);
  ctx.viewer = verified?.viewer ?? null;
  if (verified) ctx.memo.set(principalOf, Promise.resolve(verified.principal));
}
