import { entityColumns } from '../../common/columns';
import { readRows, type ReadOf } from '../../common/loaders';
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { memo, type Context } from '../../common/context';
import { sealedTickets } from '../events/outbox';
import { Collaborator } from './collaborator.entity';
import type { TicketRead } from './ticket.read';
import { snapshotFrom, unitCollaborators } from './ticket.snapshot';
import { Ticket } from './ticket.entity';
import type { TicketSnapshot } from './ticket-predicate';

/** Every collaborator of each ticket (read rows), in one query per batch. */
export function collaboratorsLoader(ctx: Context): DataLoader<number, ReadOf<Collaborator>[]> {
  return memo(ctx, collaboratorsLoader, () =>
    new DataLoader<number, ReadOf<Collaborator>[]>(async (ticketIds) => {
      const columns = entityColumns(ctx.em, Collaborator).map((c) => `"${c}"`);
      const found = await ctx.em.execute<Record<string, unknown>[]>(`select ${columns.join(', ')} from "collaborator" where "ticket_id" in (?) order by "id"`, [[...ticketIds]]);
      const rows = readRows(ctx, Collaborator, found);
      const byTicket = new Map<number, ReadOf<Collaborator>[]>();
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
        // The owners' organizations and whether they share tickets: one plain statement, no entities.
        const owners = await ctx.em.execute<{ id: number; org_id: number | null; org_shares: boolean | null }[]>(
          'select u."id", o."id" as "org_id", o."shares_tickets" as "org_shares" from "end_user" u left join "organization" o on o."id" = u."organization_id" where u."id" in (?)',
          [[...new Set(tickets.map((t) => t.owner.id))]],
        );
        const byId = new Map(owners.map((o) => [Number(o.id), o]));
        return tickets.map((t, i) => {
          const owner = byId.get(t.owner.id);
          const list = collaborators[i];
          const active = Array.isArray(list) ? list.filter((c) => c.isActive).map((c) => c.user.id) : [];
          return snapshotFrom(t, { orgId: owner?.org_id ?? null, orgShares: owner?.org_shares === true }, active);
        });
      },
      { cacheKeyFn: (t) => t.id },
    ),
  );
}

/**
 * After a command's commit (the services' `afterCommit`, src/server/app.ts):
 * the payload's policy checks (`viewerCan`, the queues a ticket is in) take
 * each changed ticket's facts as the transaction sealed them, and a ticket it
 * created lists the collaborators its unit of work holds (it has no others),
 * instead of reading again what the command has just written.
 */
export function primeCommitted(ctx: Context, em: EntityManager): void {
  const { after, created } = sealedTickets(em);
  if (after.size === 0) return;
  for (const [id, list] of unitCollaborators(em, created)) collaboratorsLoader(ctx).clear(id).prime(id, list);
  const uow = em.getUnitOfWork();
  for (const [id, snapshot] of after) {
    const ticket = uow.getById<Ticket>(Ticket.name, id);
    if (ticket) snapshotLoader(ctx).clear(ticket).prime(ticket, snapshot);
  }
}
