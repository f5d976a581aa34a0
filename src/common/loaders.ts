import { type Collection, type EntityClass, Reference, ReferenceKind, wrap } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import type { ClassType } from 'type-graphql';
import { entityColumns } from './columns';
import { memo, type Context } from './context';
import { registerReadShape, typeNameOfClass } from './node';
import { referenceCache } from './reference-cache';

/** A relation as reads need it: the key of the row it points to (an entity's reference has it too). */
export interface IdRef {
  readonly id: number;
}

/**
 * A DataLoader whose loaded values can also be read synchronously (`now`):
 * a resolver whose value this operation has already loaded returns it
 * without a promise, so graphql-js completes a page's relations without
 * the promise, microtask and async-hook per field (a 50-ticket page's
 * relations were most of its CPU).
 */
export class SyncLoader<K, V, C = K> extends DataLoader<K, V, C> {
  private readonly done: Map<C, V>;
  private readonly keyOf: (key: K) => C;

  constructor(batch: DataLoader.BatchLoadFn<K, V>, options?: DataLoader.Options<K, V, C>) {
    const done = new Map<C, V>();
    const keyOf = options?.cacheKeyFn ?? ((k: K) => k as unknown as C);
    super(async (keys) => {
      const values = await batch(keys);
      keys.forEach((k, i) => {
        const v = values[i];
        if (!(v instanceof Error)) done.set(keyOf(k), v as V);
      });
      return values;
    }, options);
    this.done = done;
    this.keyOf = keyOf;
  }

  /** The value when this loader has it, else undefined (then `load`). */
  now(key: K): V | undefined {
    return this.done.get(this.keyOf(key));
  }

  override clear(key: K): this {
    this.done.delete(this.keyOf(key));
    return super.clear(key);
  }

  override clearAll(): this {
    this.done.clear();
    return super.clearAll();
  }

  override prime(key: K, value: V | PromiseLike<V> | Error): this {
    const k = this.keyOf(key);
    if (!this.done.has(k) && !(value instanceof Error) && !isPromiseLike(value)) this.done.set(k, value);
    return super.prime(key, value);
  }
}

const isPromiseLike = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

/** A value, or a promise of it when it must be loaded first (graphql-js takes either). */
export type MaybePromise<T> = T | Promise<T>;

const SELECT_BY_IDS = new Map<string, string>();

/** `select <columns> from <table> where id in (…)`: what `em.find` reads, without building a query. */
function selectByIds(ctx: Context, entity: EntityClass<unknown>): string {
  let sql = SELECT_BY_IDS.get(entity.name);
  if (sql === undefined) {
    const columns = entityColumns(ctx.em, entity).map((c) => `"${c}"`);
    sql = `select ${columns.join(', ')} from "${ctx.em.getMetadata().get(entity.name).tableName}" where "id" in (?)`;
    SELECT_BY_IDS.set(entity.name, sql);
  }
  return sql;
}

/**
 * What reading an object of an entity class needs: its columns, and its
 * relations as keys (`IdRef`); no collections. The entity satisfies it, and
 * so does the plain row `related` returns when the operation does not hold
 * the entity already: list reads hydrate nothing (NOTES-PERF-SECURITY: entity
 * hydration is the largest item of a read), entities stay for commands.
 */
export type ReadOf<T> = {
  readonly [K in keyof T as T[K] extends Collection<never> | ((...args: never[]) => unknown) ? never : K]: NonNullable<T[K]> extends Reference<object>
    ? IdRef | Extract<T[K], null | undefined>
    : T[K];
};

interface RowShape {
  /** The row's prototype: a class of its own, registered under the entity's GraphQL type name. */
  proto: object;
  columns: { prop: string; column: string; relation: boolean; date: boolean }[];
}

const SHAPES = new Map<string, RowShape>();

/** How rows of an entity's table become read objects (built once per class from the ORM's metadata). */
function shapeOf(ctx: Context, entity: EntityClass<unknown>): RowShape {
  let shape = SHAPES.get(entity.name);
  if (shape === undefined) {
    const props = ctx.em.getMetadata().get(entity.name).props;
    const columns = entityColumns(ctx.em, entity).map((column) => {
      const p = props.find((x) => x.fieldNames?.includes(column))!;
      return { prop: p.name, column, relation: p.kind !== ReferenceKind.SCALAR, date: p.runtimeType === 'Date' || p.type === 'datetime' };
    });
    // A named class per entity: `Node.id` and interfaces' resolveType find the type by prototype.
    const Row = { [`${entity.name}Row`]: class {} }[`${entity.name}Row`]!;
    const typeName = typeNameOfClass(entity as unknown as abstract new (...args: never[]) => object);
    if (typeName) registerReadShape(Row, typeName);
    shape = { proto: Row.prototype, columns };
    SHAPES.set(entity.name, shape);
  }
  return shape;
}

/** A relation's key as stored (a column's number) or cached (a key or a populated object), as `IdRef`. */
const refOf = (v: unknown): IdRef | null => (v === null || v === undefined ? null : { id: Number(typeof v === 'object' ? (v as { id: unknown }).id : v) });

/** A read object of the shape, each property's value taken by `valueOf`. */
function readObject(shape: RowShape, valueOf: (c: RowShape['columns'][number]) => unknown): Record<string, unknown> {
  const out = Object.create(shape.proto) as Record<string, unknown>;
  for (const c of shape.columns) out[c.prop] = c.relation ? refOf(valueOf(c)) : valueOf(c);
  return out;
}

/** A row of the table (by column name) as a read object. */
const readRow = (shape: RowShape, row: Record<string, unknown>): object => readObject(shape, (c) => row[c.column]);

/** A row as `to_json` gives it (dates as ISO strings) as a read object. */
const readJsonRow = (shape: RowShape, row: Record<string, unknown>): object =>
  readObject(shape, (c) => {
    const v = row[c.column];
    return c.date && typeof v === 'string' ? new Date(v) : v;
  });

/** Rows of an entity's table (its `entityColumns`) as read objects. */
export function readRows<T>(ctx: Context, entity: EntityClass<T>, rows: readonly Record<string, unknown>[]): ReadOf<T>[] {
  const shape = shapeOf(ctx, entity);
  return rows.map((row) => readRow(shape, row) as ReadOf<T>);
}

/** Classes whose reads come from the reference cache (reference-cache.ts) rather than a statement. */
const FROM_REFERENCE_CACHE = new Set<string>();

/**
 * Lets reads of these classes (small tables admins change now and then:
 * statuses, priorities, departments…) come from the reference cache, exact
 * as of the last committed change this process heard of. Each module names
 * its own.
 */
export function readFromReferenceCache(...entities: EntityClass<unknown>[]): void {
  for (const e of entities) FROM_REFERENCE_CACHE.add(e.name);
}

/** Whether reads of this class come from the reference cache (no statement). */
export const readsFromReferenceCache = (entity: EntityClass<unknown>): boolean => FROM_REFERENCE_CACHE.has(entity.name);

/** One part of `readTogether`: the rows of an entity's table that match `where` (SQL on its columns, `?` for `params`). */
export interface ReadPart {
  entity: EntityClass<unknown>;
  where: string;
  params: unknown[];
}

/**
 * The rows of several tables in one statement (each part's rows as JSON, the
 * parts joined by `union all`), as read objects, each part's in a list of
 * its own: the relations of a page in one round trip instead of one per
 * kind. Callers prime the loaders with them (`readLoader(…).prime`).
 */
export async function readTogether(ctx: Context, parts: readonly ReadPart[]): Promise<object[][]> {
  if (parts.length === 0) return [];
  const sql = parts
    .map((p, i) => {
      const columns = entityColumns(ctx.em, p.entity).map((c) => `"${c}"`);
      return `select ${i} as "p", to_json(x) as "r" from (select ${columns.join(', ')} from "${ctx.em.getMetadata().get(p.entity.name).tableName}" where ${p.where}) x`;
    })
    .join(' union all ');
  const rows = await ctx.em.execute<{ p: number; r: Record<string, unknown> }[]>(sql, parts.flatMap((p) => p.params));
  const out = parts.map((): object[] => []);
  const shapes = parts.map((p) => shapeOf(ctx, p.entity));
  for (const row of rows) out[row.p]!.push(readJsonRow(shapes[row.p]!, row.r));
  return out;
}

/** Read objects of cached rows, made once per cached row (the cache replaces its rows on a change, never edits them). */
const cachedReads = new WeakMap<object, object>();

function readOfCached(shape: RowShape, data: Record<string, unknown>): object {
  let out = cachedReads.get(data);
  if (!out) {
    out = Object.freeze(readObject(shape, (c) => data[c.prop]));
    cachedReads.set(data, out);
  }
  return out;
}

/**
 * Objects of one class by key for reads, one `where id in (…)` per batch and
 * class (the relations of a page of ticket rows: each status, assignee… once):
 * the entity when this operation already holds it loaded, else a plain row.
 */
export function readLoader<T extends { id: number }>(ctx: Context, entity: EntityClass<T>): SyncLoader<number, ReadOf<T> | null> {
  return memo(ctx, entity, () =>
    new SyncLoader<number, ReadOf<T> | null>(async (ids) => {
      const uow = ctx.em.getUnitOfWork();
      const byId = new Map<number, ReadOf<T>>();
      const missing: number[] = [];
      for (const id of ids) {
        const held = uow.getById<T>(entity.name, id as never);
        if (held && wrap(held).isInitialized()) byId.set(id, held as unknown as ReadOf<T>);
        else missing.push(id);
      }
      if (missing.length && FROM_REFERENCE_CACHE.has(entity.name)) {
        const shape = shapeOf(ctx, entity);
        const cached = await referenceCache(ctx.em).rows(ctx.em, entity as unknown as ClassType<T>);
        for (const id of missing) {
          const data = cached.get(String(id));
          if (data) byId.set(id, readOfCached(shape, data) as ReadOf<T>);
        }
      } else if (missing.length) {
        const shape = shapeOf(ctx, entity);
        const rows = await ctx.em.execute<Record<string, unknown>[]>(selectByIds(ctx, entity), [missing]);
        for (const row of rows) byId.set(Number(row.id), readRow(shape, row) as ReadOf<T>);
      }
      return ids.map((id) => byId.get(id) ?? null);
    }),
  );
}

/**
 * What a relation of a read points to, for reading; null when the relation
 * is empty. At once (no promise) when it is here already: an entity's
 * loaded reference, an entity this operation holds, a cached reference row,
 * or a row this operation has loaded; else batched by `readLoader`.
 */
export function related<T extends { id: number }>(ctx: Context, entity: EntityClass<T>, ref: IdRef | null | undefined): MaybePromise<ReadOf<T> | null> {
  if (!ref) return null;
  if (Reference.isReference<T>(ref) && ref.isInitialized()) return ref.unwrap() as unknown as ReadOf<T>;
  const held = ctx.em.getUnitOfWork().getById<T>(entity.name, ref.id as never);
  if (held && wrap(held).isInitialized()) return held as unknown as ReadOf<T>;
  if (FROM_REFERENCE_CACHE.has(entity.name)) {
    const cached = referenceCache(ctx.em).settled(entity as unknown as ClassType<T>);
    if (cached) {
      const data = cached.get(String(ref.id));
      return data ? (readOfCached(shapeOf(ctx, entity), data) as ReadOf<T>) : null;
    }
  }
  const loader = readLoader(ctx, entity);
  const loaded = loader.now(ref.id);
  return loaded !== undefined ? loaded : loader.load(ref.id);
}

/** Like `related` for a relation that is never empty (a foreign key with a restrict rule). */
export function relatedOrFail<T extends { id: number }>(ctx: Context, entity: EntityClass<T>, ref: IdRef): MaybePromise<ReadOf<T>> {
  const found = related(ctx, entity, ref);
  if (isPromiseLike(found)) return found.then((row) => row ?? notFound(entity, ref));
  return found ?? notFound(entity, ref);
}

function notFound(entity: EntityClass<unknown>, ref: IdRef): never {
  throw new Error(`${entity.name} ${ref.id} not found`);
}
