import { type EntityClass, Reference, wrap } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { entityColumns } from './columns';
import { memo, type Context } from './context';

/** A relation as reads need it: the key of the row it points to (an entity's reference has it too). */
export interface IdRef {
  readonly id: number;
}

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
 * Entities of one class by key, one `where id in (…)` per batch and class
 * (the relations of a page of ticket rows: each status, owner, assignee… once).
 */
export function entityLoader<T extends { id: number }>(ctx: Context, entity: EntityClass<T>): DataLoader<number, T | null> {
  return memo(ctx, entity, () =>
    new DataLoader<number, T | null>(async (ids) => {
      // What this operation already holds (a command's own entities) is not read again.
      const uow = ctx.em.getUnitOfWork();
      const byId = new Map<number, T>();
      const missing: number[] = [];
      for (const id of ids) {
        const held = uow.getById<T>(entity.name, id as never);
        if (held && wrap(held).isInitialized()) byId.set(id, held);
        else missing.push(id);
      }
      if (missing.length) {
        // One plain statement (no query builder), its rows mapped into this operation's identity map.
        const rows = await ctx.em.execute<Record<string, unknown>[]>(selectByIds(ctx, entity), [missing]);
        for (const row of rows) {
          const e = ctx.em.map(entity, row as never);
          byId.set(e.id, e);
        }
      }
      return ids.map((id) => byId.get(id) ?? null);
    }),
  );
}

/** The entity a relation of a read points to; null when the relation is empty. */
export async function related<T extends { id: number }>(ctx: Context, entity: EntityClass<T>, ref: IdRef | null | undefined): Promise<T | null> {
  if (!ref) return null;
  // An entity's loaded reference answers at once.
  if (Reference.isReference<T>(ref) && ref.isInitialized()) return ref.unwrap();
  return entityLoader(ctx, entity).load(ref.id);
}

/** Like `related` for a relation that is never empty (a foreign key with a restrict rule). */
export async function relatedOrFail<T extends { id: number }>(ctx: Context, entity: EntityClass<T>, ref: IdRef): Promise<T> {
  const found = await related(ctx, entity, ref);
  if (!found) throw new Error(`${entity.name} ${ref.id} not found`);
  return found;
}

