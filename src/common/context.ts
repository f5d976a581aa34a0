import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Logger } from './logger';

// common/ imports nothing from modules/ (DESIGN.md's layering; `npm run lint` checks it).
// Where the context carries a module's class, common declares the slot with what it
// reads itself, and the module that owns the class fills the slot in by declaration
// merging (`declare module '…/common/context'`), next to the class. Each slot says
// where. src/server/app.ts builds the values.

/**
 * The signed-in agent: the directory's Agent entity (src/modules/directory/agent.entity.ts
 * widens this interface to it). common/ reads only what is declared here.
 */
export interface ViewerAgent {
  readonly id: number;
  readonly isAdmin: boolean;
}

/** The signed-in end user: the directory's EndUser entity (widened in src/modules/directory/end-user.entity.ts). */
export interface ViewerEndUser {
  readonly id: number;
}

export interface AgentViewer {
  kind: 'agent';
  agent: ViewerAgent;
  /** Id of the session token or API key that authenticated the request. */
  tokenId: number;
  via: 'session' | 'apiKey';
}

export interface EndUserViewer {
  kind: 'endUser';
  user: ViewerEndUser;
  tokenId: number;
  /** Set for an anonymous ticket-access token: the one ticket it opens. */
  ticketScope: number | null;
}

export type Viewer = AgentViewer | EndUserViewer;

/**
 * Work a module does at the end of every command transaction, inside it (the events
 * module seals the outbox there). Returns whether it wrote anything that listeners
 * should hear about after the commit.
 */
export type BeforeCommit = (em: EntityManager) => Promise<boolean>;

/**
 * Work a module does for the operation once a command transaction has committed, given
 * the transaction's unit of work (the tickets module primes the payload's loaders with
 * the facts the transaction sealed). Synchronous: it reads nothing.
 */
export type AfterCommit = (ctx: Context, em: EntityManager) => void;

/**
 * Process-wide singletons the operations share, built in src/server/app.ts. The two
 * common/ itself calls are declared here; each module adds the one it provides, next to
 * its class: `loginLimits` (auth/login-limiter.ts), `live` (events/live-hub.ts), `urlSigner`
 * (attachments/signed-url.ts), `regex` (filters/regex-pool.ts).
 */
export interface Services {
  /**
   * The work every command transaction ends with, in order (the event outbox's seal, then
   * the email outbox), assembled in src/server/app.ts: see `BeforeCommit`.
   */
  beforeCommit: readonly BeforeCommit[];
  /** The work after every committed command transaction, for the operation: see `AfterCommit`. */
  afterCommit: readonly AfterCommit[];
  /** The event dispatcher: told after a commit that wrote events (absent in scripts). */
  events?: { committed(): void };
  /** Open WebSockets' access guard: told after a commit that may change a token or someone's access (absent in scripts). */
  sockets?: { accessChanged(): void };
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
