import { wrap, type EntityData, type EntityManager, type EventSubscriber, type FlushEventArgs, type TransactionEventArgs } from '@mikro-orm/core';
import type { ClassType } from 'type-graphql';

/**
 * Reference data: the rows every command reads and admins change now and then
 * (statuses, priorities, departments, help topics, SLA plans and their
 * schedules, ticket filters). Cached per database as plain rows, one table at
 * a time, and merged into the asking EntityManager when used (an entity of its
 * own unit of work, as if loaded, without a statement).
 *
 * A change committed through the ORM drops the cached tables it touched: in
 * this process when the commit returns (`ReferenceInvalidation`, an ORM
 * subscriber), in the other processes on one PostgreSQL through the events'
 * NOTIFY channel (sent in the changing transaction, so delivered at its
 * commit and never for a rollback; the dispatcher hands it to `invalidate`).
 * A read that started before an invalidation is not kept. Raw SQL writes to
 * these tables must call `invalidate` themselves.
 */
export class ReferenceCache {
  private readonly tables = new Map<string, Promise<Map<string, EntityData<object>>>>();
  /** The tables whose load has finished, for reads that can answer without waiting (`settled`). */
  private readonly loaded = new Map<string, Map<string, EntityData<object>>>();

  /** The table's rows by id, loaded once (with the embedded relations populated) until the next change. */
  rows<T extends object>(em: EntityManager, entity: ClassType<T>, embeds: Embeds = NONE): Promise<Map<string, EntityData<T>>> {
    const key = entity.name;
    CACHED.add(key);
    for (const e of Object.values(embeds)) {
      CACHED.add(e.name);
      const dependents = DEPENDENTS.get(e.name) ?? new Set<string>();
      dependents.add(key);
      DEPENDENTS.set(e.name, dependents);
    }
    const populate = Object.keys(embeds);
    let rows = this.tables.get(key) as Promise<Map<string, EntityData<T>>> | undefined;
    if (!rows) {
      const loading = (async () => {
        // in the caller's transaction, if any (the embedded database has one connection, which it holds)
        const found = await em.fork({ keepTransactionContext: true }).find(entity, {}, { populate: populate as never });
        return new Map(found.map((e) => [String(wrap(e, true).getPrimaryKey()), wrap(e).toPOJO() as EntityData<T>]));
      })();
      rows = loading;
      this.tables.set(key, loading);
      loading.then(
        (found) => {
          if (this.tables.get(key) === (loading as unknown)) this.loaded.set(key, found);
        },
        () => {
          if (this.tables.get(key) === (loading as unknown)) this.tables.delete(key);
        },
      );
    }
    return rows;
  }

  /**
   * The table's rows when they are loaded and current, without waiting; else
   * undefined (`rows` loads them). Lets a read resolve a cached relation
   * synchronously: no promise for each status of a 50-ticket page.
   */
  settled<T extends object>(entity: ClassType<T>): Map<string, EntityData<T>> | undefined {
    return this.loaded.get(entity.name);
  }

  /** Drops the named entity types' tables (all when none are named). */
  invalidate(entityNames?: Iterable<string>): void {
    if (!entityNames) {
      this.tables.clear();
      this.loaded.clear();
      return;
    }
    for (const name of entityNames) {
      this.drop(name);
      for (const dependent of DEPENDENTS.get(name) ?? []) this.drop(dependent);
    }
  }

  private drop(name: string): void {
    this.tables.delete(name);
    this.loaded.delete(name);
  }
}

/** Relations a cached table's rows come with (populated), by property: `{ schedule: Schedule }`. */
export type Embeds = Readonly<Record<string, ClassType<object>>>;
const NONE: Embeds = {};

/** Cached tables whose rows embed another entity type: a change of the latter drops them too. */
const DEPENDENTS = new Map<string, Set<string>>();
/** The entity names the cache holds or embeds (changes of others are not its concern). */
const CACHED = new Set<string>();

const caches = new WeakMap<object, ReferenceCache>();

/** The reference cache of the EntityManager's database. */
export function referenceCache(em: Pick<EntityManager, 'config'>): ReferenceCache {
  let cache = caches.get(em.config);
  if (!cache) {
    cache = new ReferenceCache();
    caches.set(em.config, cache);
  }
  return cache;
}

const idOf = (row: unknown): number => (row as { id: number }).id;

/**
 * An entity merged into `em` from cached data: the one already in its unit of
 * work when that is loaded with the embedded relations, else the cached data
 * merged into it (a reference, say the ticket's `slaPlan`, becomes loaded).
 */
function merged<T extends { id: number }>(em: EntityManager, entity: ClassType<T>, data: EntityData<T>, embeds: Embeds): T {
  const known = em.getUnitOfWork().getById<T>(entity.name, idOf(data) as never);
  const loaded = (e: object) =>
    wrap(e).isInitialized() &&
    Object.keys(embeds).every((k) => {
      const related = (e as Record<string, unknown>)[k] as { isInitialized?: () => boolean } | null | undefined;
      return !related || (typeof related.isInitialized === 'function' ? related.isInitialized() : wrap(related).isInitialized());
    });
  if (known && loaded(known)) return known;
  return em.merge(entity, data as never, { refresh: true });
}

/** A reference row by id, without a statement once its table is cached; null when there is none. */
export async function refById<T extends { id: number }>(em: EntityManager, entity: ClassType<T>, id: number, embeds: Embeds = NONE): Promise<T | null> {
  const data = (await referenceCache(em).rows(em, entity, embeds)).get(String(id));
  return data ? merged(em, entity, data, embeds) : null;
}

/**
 * The reference row a foreign key names: from the cache, else read (a row
 * another process added may reach the cache a moment later).
 */
export async function refOf<T extends { id: number }>(em: EntityManager, entity: ClassType<T>, id: number): Promise<T> {
  return (await refById(em, entity, id)) ?? em.findOneOrFail(entity, id as never);
}

/** The reference rows meeting `where` (on the cached plain rows), in id order. */
export async function refWhere<T extends { id: number }>(
  em: EntityManager,
  entity: ClassType<T>,
  where: (row: EntityData<T>) => boolean,
  embeds: Embeds = NONE,
): Promise<T[]> {
  const rows = [...(await referenceCache(em).rows(em, entity, embeds)).values()].filter(where);
  return rows.sort((a, b) => idOf(a) - idOf(b)).map((row) => merged(em, entity, row, embeds));
}

/** The cached plain rows of a reference table (no entities: for values only), in no particular order. */
export async function refRows<T extends object>(em: EntityManager, entity: ClassType<T>): Promise<EntityData<T>[]> {
  return [...(await referenceCache(em).rows(em, entity)).values()];
}

/** The prefix of a reference change's NOTIFY payload on the events' channel: `ref:Name,Name`. */
export const REFERENCE_NOTIFY_PREFIX = 'ref:';

/**
 * Drops cached tables when a change of theirs commits (see ReferenceCache).
 * With `notifyChannel` (PostgreSQL), other processes hear of it too.
 */
export class ReferenceInvalidation implements EventSubscriber {
  /** Cached entity types a transaction changed, by its transaction context. */
  private readonly pending = new WeakMap<object, Set<string>>();

  /**
   * `cached`: every entity type any process caches (or embeds), whether or not this one has read it
   * yet: a change here must reach the processes that have.
   */
  constructor(
    private readonly notifyChannel: string | null,
    cached: readonly ClassType<object>[],
  ) {
    for (const entity of cached) CACHED.add(entity.name);
  }

  async onFlush(args: FlushEventArgs): Promise<void> {
    const names = new Set(args.uow.getChangeSets().map((cs) => cs.name).filter((n) => CACHED.has(n)));
    if (names.size === 0) return;
    const tx = args.em.getTransactionContext<object>();
    if (!tx) {
      // a flush's own transaction: dropped (and announced) once it has committed, in afterFlush
      this.pending.set(args.uow, names);
      return;
    }
    const seen = this.pending.get(tx) ?? new Set<string>();
    this.pending.set(tx, seen);
    const fresh = [...names].filter((n) => !seen.has(n));
    for (const n of fresh) seen.add(n);
    if (fresh.length && this.notifyChannel) {
      await args.em.getConnection().execute('select pg_notify(?, ?)', [this.notifyChannel, REFERENCE_NOTIFY_PREFIX + fresh.join(',')], 'all', tx);
    }
  }

  async afterFlush(args: FlushEventArgs): Promise<void> {
    const names = this.pending.get(args.uow);
    if (!names) return;
    this.pending.delete(args.uow);
    referenceCache(args.em).invalidate(names);
    if (this.notifyChannel) await args.em.getConnection().execute('select pg_notify(?, ?)', [this.notifyChannel, REFERENCE_NOTIFY_PREFIX + [...names].join(',')]);
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    const tx = args.transaction as object | undefined;
    const names = tx && this.pending.get(tx);
    if (!names) return;
    this.pending.delete(tx);
    referenceCache(args.em).invalidate(names);
  }

  /** Also after a rollback: a table may have been cached inside the transaction, with its changes. */
  afterTransactionRollback(args: TransactionEventArgs): void {
    this.afterTransactionCommit(args);
  }
}
