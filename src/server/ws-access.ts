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
  /** Principals' fingerprints as of the last check, for connections of people already watched (dropped on any change). */
  private known = new Map<string, string>();

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

  /** Watches a socket that authenticated with `authorization` as `viewer`. */
  async watch(socket: WebSocket, authorization: string, viewer: Viewer): Promise<void> {
    const started = Date.now();
    let fingerprint = this.known.get(viewerKey(viewer));
    if (fingerprint === undefined) {
      fingerprint = principalFingerprint(await loadPrincipal(this.orm.em.fork(), viewer));
      if (this.lastChange < started) this.known.set(viewerKey(viewer), fingerprint);
    }
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
    const fingerprints = new Map<string, string>();
    for (const viewer of viewers.values()) {
      if (typeof viewer === 'string' || fingerprints.has(viewerKey(viewer))) continue;
      fingerprints.set(viewerKey(viewer), principalFingerprint(await loadPrincipal(em, viewer)));
    }
    // Fresh as of this check, unless a change came in meanwhile.
    this.known = this.lastChange < started ? new Map(fingerprints) : new Map<string, string>();
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
