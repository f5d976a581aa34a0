import DataLoader from 'dataloader';
import { wrap } from '@mikro-orm/core';
import { entityColumns } from '../../common/columns';
import { memo, type Context } from '../../common/context';
import { registerReadShape } from '../../common/node';
import { EndUser } from './end-user.entity';

/** What reading an end user needs; the entity satisfies it, and so does `EndUserRow`. */
export interface EndUserRead {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly isActive: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly organization: { readonly id: number } | null;
}

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(v as string));

/**
 * An `end_user` row as the GraphQL `EndUser` reads it, never an entity: the
 * owners of a ticket page (fifty people) cost no hydration.
 */
export class EndUserRow implements EndUserRead {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly isActive: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly organization: { readonly id: number } | null;

  constructor(r: Record<string, unknown>) {
    this.id = Number(r.id);
    this.name = String(r.name);
    this.email = String(r.email);
    this.isActive = r.is_active === true;
    this.createdAt = date(r.created_at);
    this.updatedAt = date(r.updated_at);
    this.organization = r.organization_id === null || r.organization_id === undefined ? null : { id: Number(r.organization_id) };
  }
}

registerReadShape(EndUserRow, 'EndUser');

/**
 * End users by key for reads, one statement per batch: the entity when this
 * operation already holds it loaded (a command's own), else a row.
 */
export function endUserReads(ctx: Context): DataLoader<number, EndUserRead | null> {
  return memo(ctx, endUserReads, () =>
    new DataLoader<number, EndUserRead | null>(async (ids) => {
      const uow = ctx.em.getUnitOfWork();
      const byId = new Map<number, EndUserRead>();
      const missing: number[] = [];
      for (const id of ids) {
        const held = uow.getById<EndUser>(EndUser.name, id);
        if (held && wrap(held).isInitialized()) byId.set(id, held);
        else missing.push(id);
      }
      if (missing.length) {
        const columns = entityColumns(ctx.em, EndUser).map((c) => `"${c}"`);
        const rows = await ctx.em.execute<Record<string, unknown>[]>(`select ${columns.join(', ')} from "end_user" where "id" in (?)`, [missing]);
        for (const r of rows) byId.set(Number(r.id), new EndUserRow(r));
      }
      return ids.map((id) => byId.get(id) ?? null);
    }),
  );
}

/** The end user a relation points to (a foreign key that is never empty). */
export async function endUserRead(ctx: Context, ref: { readonly id: number }): Promise<EndUserRead> {
  const found = await endUserReads(ctx).load(ref.id);
  if (!found) throw new Error(`EndUser ${ref.id} not found`);
  return found;
}
