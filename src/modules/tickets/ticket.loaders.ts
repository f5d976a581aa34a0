import { entityColumns } from '../../common/columns';
import { nodeSelection, selectedFields } from '../../common/connection';
import { readLoader, readRows, readsFromReferenceCache, readTogether, SyncLoader, type IdRef, type ReadOf, type ReadPart } from '../../common/loaders';
import type { EntityClass } from '@mikro-orm/core';
import type { GraphQLResolveInfo } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { memo, type Context } from '../../common/context';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { EndUser } from '../directory/end-user.entity';
import { Team } from '../directory/team.entity';
import { sealedTickets } from '../events/outbox';
import { SlaPlan } from '../sla/sla-plan.entity';
import { HelpTopic } from './help-topic.entity';
import { Priority } from './priority.entity';
import { TicketStatus } from './ticket-status.entity';
import { Collaborator } from './collaborator.entity';
import type { TicketRead } from './ticket.read';
import { snapshotFrom, unitCollaborators } from './ticket.snapshot';
import { Ticket } from './ticket.entity';
import type { TicketSnapshot } from './ticket-predicate';

/** Every collaborator of each ticket (read rows), in one query per batch. */
export function collaboratorsLoader(ctx: Context): SyncLoader<number, ReadOf<Collaborator>[]> {
  return memo(ctx, collaboratorsLoader, () =>
    new SyncLoader<number, ReadOf<Collaborator>[]>(async (ticketIds) => {
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

/** The keys of these relations, each once, empty ones left out. */
const keysOf = (refs: Iterable<IdRef | null>): number[] => [...new Set([...refs].filter((r): r is IdRef => r !== null).map((r) => r.id))];

/** The ticket relations a page can load ahead, by field: what each points to. */
const TO_ONE: Record<string, [EntityClass<{ id: number }>, (t: TicketRead) => IdRef | null]> = {
  status: [TicketStatus, (t) => t.status],
  priority: [Priority, (t) => t.priority],
  department: [Department, (t) => t.department],
  helpTopic: [HelpTopic, (t) => t.helpTopic],
  slaPlan: [SlaPlan, (t) => t.slaPlan],
  owner: [EndUser, (t) => t.owner],
  assignee: [Agent, (t) => t.assignee],
  team: [Team, (t) => t.team],
};

/**
 * Loads what a page's nodes select of their relations before graphql-js
 * walks the page: cached reference rows (statuses, priorities…) from the
 * reference cache, and owners, assignees, teams, collaborators and their
 * users in one statement (`readTogether`; it was one statement per kind).
 * Then every relation resolver finds its value loaded and answers at once:
 * a page completed without a promise per ticket and relation costs a
 * fraction of the CPU (graphql-js's per-object promise path, its microtasks
 * and async hooks were most of a page).
 */
export async function preloadTicketRelations(ctx: Context, tickets: readonly TicketRead[], info: GraphQLResolveInfo): Promise<void> {
  if (tickets.length === 0) return;
  const selected = nodeSelection(info);
  const cached: Promise<unknown>[] = [];
  const byId = new Map<EntityClass<{ id: number }>, number[]>();
  for (const [field, [entity, refOf]] of Object.entries(TO_ONE)) {
    if (!selected.has(field)) continue;
    const loader = readLoader(ctx, entity);
    const keys = keysOf(tickets.map(refOf)).filter((id) => loader.now(id) === undefined);
    if (keys.length === 0) continue;
    if (readsFromReferenceCache(entity)) cached.push(loader.loadMany(keys));
    else byId.set(entity, [...(byId.get(entity) ?? []), ...keys]);
  }
  const parts: ReadPart[] = [...byId].map(([entity, ids]) => ({ entity, where: '"id" in (?)', params: [ids] }));
  const collaborators = selected.get('collaborators');
  const ticketIds = collaborators ? tickets.map((t) => t.id).filter((id) => collaboratorsLoader(ctx).now(id) === undefined) : [];
  if (ticketIds.length) {
    parts.push({ entity: Collaborator, where: '"ticket_id" in (?)', params: [ticketIds] });
    if (selectedFields(info, collaborators!).has('user')) {
      // the collaborators' users: a part of their own (an `or` with the owners' ids would defeat the index)
      parts.push({ entity: EndUser, where: '"id" in (select "user_id" from "collaborator" where "ticket_id" in (?))', params: [ticketIds] });
    }
  }
  const [rows] = await Promise.all([readTogether(ctx, parts), ...cached]);
  parts.forEach((part, i) => {
    if (part.entity === Collaborator) {
      const byTicket = new Map<number, ReadOf<Collaborator>[]>(ticketIds.map((id) => [id, []]));
      for (const c of (rows[i] as ReadOf<Collaborator>[]).sort((a, b) => a.id - b.id)) byTicket.get(c.ticket.id)?.push(c);
      for (const [id, list] of byTicket) collaboratorsLoader(ctx).prime(id, list);
    } else {
      const loader = readLoader(ctx, part.entity as EntityClass<{ id: number }>);
      for (const row of rows[i] as { id: number }[]) loader.prime(row.id, row);
    }
  });
  // the policy's view of each ticket, for viewerCan and the queues it is in (its collaborators are loaded now)
  if (selected.has('viewerCan') || selected.has('queues')) await snapshotLoader(ctx).loadMany(tickets);
}

/** The policy's view of each ticket (owner's organization, active collaborators), batched. */
export function snapshotLoader(ctx: Context): SyncLoader<TicketRead, TicketSnapshot, number> {
  return memo(ctx, snapshotLoader, () =>
    new SyncLoader<TicketRead, TicketSnapshot, number>(
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
