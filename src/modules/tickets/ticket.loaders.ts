import { type EntityClass, Reference, wrap } from '@mikro-orm/core';
import { entityColumns } from '../../common/columns';
import DataLoader from 'dataloader';
import { memo, type Context } from '../../common/context';
import { EndUser } from '../directory/end-user.entity';
import { Collaborator } from './collaborator.entity';
import type { IdRef, TicketRead } from './ticket.read';
import { snapshotFrom } from './ticket.snapshot';
import type { TicketSnapshot } from './ticket-predicate';

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

/** Every collaborator of each ticket, in one query per batch. */
export function collaboratorsLoader(ctx: Context): DataLoader<number, Collaborator[]> {
  return memo(ctx, collaboratorsLoader, () =>
    new DataLoader<number, Collaborator[]>(async (ticketIds) => {
      const columns = entityColumns(ctx.em, Collaborator).map((c) => `"${c}"`);
      const found = await ctx.em.execute<Record<string, unknown>[]>(`select ${columns.join(', ')} from "collaborator" where "ticket_id" in (?) order by "id"`, [[...ticketIds]]);
      const rows = found.map((r) => ctx.em.map(Collaborator, r as never));
      const byTicket = new Map<number, Collaborator[]>();
      for (const c of rows) {
        const list = byTicket.get(c.ticket.id);
        if (list) list.push(c);
        else byTicket.set(c.ticket.id, [c]);
      }
      return ticketIds.map((id) => byTicket.get(id) ?? []);
    }),
  );
}

/** The policy's view of each ticket (owner's organization, active collaborators), batched. */
export function snapshotLoader(ctx: Context): DataLoader<TicketRead, TicketSnapshot, number> {
  return memo(ctx, snapshotLoader, () =>
    new DataLoader<TicketRead, TicketSnapshot, number>(
      async (tickets) => {
        const collaborators = await collaboratorsLoader(ctx).loadMany(tickets.map((t) => t.id));
        const owners = await ctx.em.find(EndUser, { id: { $in: [...new Set(tickets.map((t) => t.owner.id))] } }, { populate: ['organization'] });
        const byId = new Map(owners.map((o) => [o.id, o]));
        return tickets.map((t, i) => {
          const owner = byId.get(t.owner.id);
          const org = owner?.organization?.getEntity() ?? null;
          const list = collaborators[i];
          const active = Array.isArray(list) ? list.filter((c) => c.isActive).map((c) => c.user.id) : [];
          return snapshotFrom(t, { orgId: org?.id ?? null, orgShares: org?.sharesTickets ?? false }, active);
        });
      },
      { cacheKeyFn: (t) => t.id },
    ),
  );
}
