import type { MikroORM } from '@mikro-orm/postgresql';
import type { WebSocket } from 'ws';
import type { Viewer } from '../common/context';
import type { Logger } from '../common/logger';
import { AuthToken } from '../modules/auth/auth-token.entity';
import { bearerSecret, viewerOfToken } from '../modules/auth/auth.service';
import { secretHash } from '../modules/auth/secrets';
import { loadPrincipal, type Principal } from '../modules/tickets/ticket.policy';

/** graphql-ws clients do not retry 4401: the token is no good any more. */
export const CLOSE_REVOKED = 4401;
/** graphql-ws clients retry 4403: they reconnect and subscribe with the access they have now. */
export const CLOSE_ACCESS_CHANGED = 4403;

const CHUNK = 500;
const MIN_SPACING_MS = 1000;

/** A principal as comparable text: what it may see and do. */
export function principalFingerprint(p: Principal): string {
  if (p.kind !== 'agent') return JSON.stringify(p);
  return JSON.stringify({
    ...p,
    teamIds: [...p.teamIds].sort((a, b) => a - b),
    primaryPermissions: [...p.primaryPermissions].sort(),
    extra: [...p.extra].map(([d, perms]) => [d, [...perms].sort()]).sort((a, b) => (a[0] as number) - (b[0] as number)),
  });
}

const viewerKey = (v: Viewer) => (v.kind === 'agent' ? `agent:${v.agent.id}` : `user:${v.user.id}:${v.ticketScope ?? ''}`);

interface Watched {
  authorization: string;
  fingerprint: string;
}

/** A token's viewer and principal as last verified, with when the token expires. */
export interface Verified {
  viewer: Viewer;
  principal: Principal;
  expiresAt: Date | null;
}

/** Verified tokens kept at most (all are dropped past it; each check keeps those of open sockets). */
const MAX_TRUSTED = 10_000;

/**
 * Live subscriptions run on the access their socket had when it connected.
 * This guard keeps that true: it re-checks every open socket's token and
 * principal, every `intervalMs` and soon after any in-process change that may
 * alter them (logout, password change, an admin command), and closes a socket
 * whose token was revoked or expired or whose person was deactivated
 * (`4401`), or whose access changed (`4403`: the client reconnects with its
 * current access). One query per 500 tokens, then one principal per distinct
 * person with a socket.
 */
export class SocketAccessGuard {
  private readonly sockets = new Map<WebSocket, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** When the last change was announced, and when the last check ended (ms). */
  private lastChange = 0;
  private lastCheck = 0;
  /** Principals and their fingerprints as of the last check, for connections of people already watched (dropped on any change). */
  private known = new Map<string, { principal: Principal; fingerprint: string }>();
  /**
   * Tokens verified (by a connection or a check) since the last announced
   * change, with their viewer and principal: a new connection or subscription
   * with one of them needs no database work. Dropped on any change, like `known`;
   * a token from another process's change is caught by the next check, as the
   * sockets already open on it are.
   */
  private verified = new Map<string, Verified>();

  constructor(
    private readonly orm: MikroORM,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => this.sweepNow(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Stops checking; resolves once a check under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.running?.catch(() => undefined);
  }

  /** The viewer and principal `authorization` was verified with, when nothing that may change them was announced since (and it has not expired). */
  trusted(authorization: string): Verified | null {
    const v = this.verified.get(authorization);
    if (!v) return null;
    if (v.expiresAt && v.expiresAt.getTime() <= Date.now()) {
      this.verified.delete(authorization);
      return null;
    }
    return v;
  }

  private trust(authorization: string, v: Verified): void {
    if (this.verified.size >= MAX_TRUSTED) this.verified.clear();
    this.verified.set(authorization, v);
  }

  /** Watches a socket that authenticated with `authorization` as `viewer` (`verified`: as `trusted` answered). */
  async watch(socket: WebSocket, authorization: string, viewer: Viewer, expiresAt: Date | null, verified?: Verified): Promise<void> {
    const started = Date.now();
    let known = verified ? { principal: verified.principal, fingerprint: principalFingerprint(verified.principal) } : this.known.get(viewerKey(viewer));
    if (known === undefined) {
      const principal = await loadPrincipal(this.orm.em.fork(), viewer);
      known = { principal, fingerprint: principalFingerprint(principal) };
      if (this.lastChange < started) this.known.set(viewerKey(viewer), known);
    }
    if (this.lastChange < started) this.trust(authorization, { viewer, principal: known.principal, expiresAt });
    const fingerprint = known.fingerprint;
    if (socket.readyState !== socket.OPEN) return;
    this.sockets.set(socket, { authorization, fingerprint });
    socket.once('close', () => this.sockets.delete(socket));
    // A change announced while this socket was being set up, or while a check ran without it: check again.
    if (this.lastChange >= started || this.running) {
      this.again = this.running !== null;
      if (!this.running) this.accessChanged();
    }
  }

  get watching(): number {
    return this.sockets.size;
  }

  /**
   * Something that may change a token or someone's access committed: check
   * soon. Changes close together share one check, and checks start at most
   * once a second, however often changes come (a caller looping logins and
   * logouts cannot keep the database busy re-checking every socket).
   */
  accessChanged(): void {
    this.lastChange = Date.now();
    this.known.clear();
    this.verified.clear();
    if (this.stopped || this.soon || this.sockets.size === 0) return;
    const wait = Math.max(20, this.lastCheck + MIN_SPACING_MS - Date.now());
    this.soon = setTimeout(() => {
      this.soon = null;
      this.sweepNow();
    }, wait);
    this.soon.unref();
  }

  private sweepNow(): void {
    void this.sweep().catch((err: unknown) => this.log.error({ err }, 'checking the access of WebSocket connections failed'));
  }

  /** One check of every watched socket (a check asked for while one runs runs after it). */
  async sweep(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.check();
        } while (this.again && !this.stopped);
      } finally {
        this.running = null;
        this.lastCheck = Date.now();
      }
    })();
    return this.running;
  }

  private async check(): Promise<void> {
    if (this.sockets.size === 0) return;
    const em = this.orm.em.fork();
    const now = new Date();
    const hashes = new Map<string, string>();
    for (const { authorization } of this.sockets.values()) {
      if (!hashes.has(authorization)) {
        const secret = bearerSecret(authorization);
        hashes.set(authorization, secret ? secretHash(secret) : '');
      }
    }
    const tokens = new Map<string, AuthToken>();
    const all = [...new Set(hashes.values())].filter(Boolean);
    for (let i = 0; i < all.length; i += CHUNK) {
      const rows = await em.find(AuthToken, { secretHash: { $in: all.slice(i, i + CHUNK) } }, { populate: ['agent', 'endUser'] });
      for (const t of rows) tokens.set(t.secretHash, t);
    }
    const viewers = new Map<string, Viewer | string>();
    for (const [authorization, hash] of hashes) {
      const token = tokens.get(hash);
      viewers.set(authorization, token ? viewerOfToken(token, now) : 'The token is invalid, expired or revoked');
    }
    const started = Date.now();
    const principals = new Map<string, { principal: Principal; fingerprint: string }>();
    for (const viewer of viewers.values()) {
      if (typeof viewer === 'string' || principals.has(viewerKey(viewer))) continue;
      const principal = await loadPrincipal(em, viewer);
      principals.set(viewerKey(viewer), { principal, fingerprint: principalFingerprint(principal) });
    }
    const fingerprints = new Map([...principals].map(([k, v]) => [k, v.fingerprint]));
    // Fresh as of this check, unless a change came in meanwhile.
    const fresh = this.lastChange < started;
    this.known = fresh ? new Map(principals) : new Map<string, { principal: Principal; fingerprint: string }>();
    this.verified = new Map<string, Verified>();
    if (fresh) {
      for (const [authorization, viewer] of viewers) {
        if (typeof viewer === 'string') continue;
        const token = tokens.get(hashes.get(authorization)!);
        this.verified.set(authorization, { viewer, principal: principals.get(viewerKey(viewer))!.principal, expiresAt: token?.expiresAt ?? null });
      }
    }
    let revoked = 0;
    let changed = 0;
    for (const [socket, watched] of this.sockets) {
      const viewer = viewers.get(watched.authorization);
      if (viewer === undefined) continue; // connected during this check: the next one covers it
      if (typeof viewer === 'string') {
        this.sockets.delete(socket);
        socket.close(CLOSE_REVOKED, `Unauthorized: ${viewer}`);
        revoked++;
      } else if (fingerprints.get(viewerKey(viewer)) !== watched.fingerprint) {
        this.sockets.delete(socket);
        socket.close(CLOSE_ACCESS_CHANGED, 'Forbidden: your access changed; reconnect to subscribe with it');
        changed++;
      }
    }
    if (revoked + changed > 0) this.log.info({ revoked, changed }, 'closed WebSocket connections whose access ended or changed');
  }
}
