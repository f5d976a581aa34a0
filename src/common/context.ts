import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { UrlSigner } from '../modules/attachments/signed-url';
import type { LoginLimiter } from '../modules/auth/login-limiter';
import type { LiveHub } from '../modules/events/live';
import type { RegexPool } from '../modules/filters/regex-pool';
import type { Agent } from '../modules/directory/agent.entity';
import type { EndUser } from '../modules/directory/end-user.entity';
import type { Logger } from './logger';

export interface AgentViewer {
  kind: 'agent';
  agent: Agent;
  /** Id of the session token or API key that authenticated the request. */
  tokenId: number;
  via: 'session' | 'apiKey';
}

export interface EndUserViewer {
  kind: 'endUser';
  user: EndUser;
  tokenId: number;
  /** Set for an anonymous ticket-access token: the one ticket it opens. */
  ticketScope: number | null;
}

export type Viewer = AgentViewer | EndUserViewer;

/** Process-wide singletons the operations share. */
export interface Services {
  loginLimits: LoginLimiter;
  /** The event dispatcher: told after a commit that wrote events (absent in scripts). */
  events?: { committed(): void };
  /** Live subscriptions' fan-out (absent in scripts). */
  live?: LiveHub;
  /** Open WebSockets' access guard: told after a commit that may change a token or someone's access (absent in scripts). */
  sockets?: { accessChanged(): void };
  /** Signs attachment links (absent until the server has loaded its key). */
  urlSigner?: UrlSigner;
  /** Runs ticket-filter regexes off the event loop, each with its time bound. */
  regex: RegexPool;
}

/** What every resolver gets, over HTTP and WebSocket alike. */
export interface Context {
  /** A fork of the EntityManager for this operation alone. */
  em: EntityManager;
  viewer: Viewer | null;
  config: Config;
  log: Logger;
  /** Client address, for rate limits. */
  ip: string;
  /** Per-operation memo for DataLoaders and other caches, keyed by their owner. */
  memo: Map<unknown, unknown>;
  services: Services;
}

/** A per-operation value created on first use (DataLoaders live here). */
export function memo<T>(ctx: Context, key: unknown, create: () => T): T {
  let value = ctx.memo.get(key) as T | undefined;
  if (value === undefined) {
    value = create();
    ctx.memo.set(key, value);
  }
  return value;
}
