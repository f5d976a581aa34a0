import { createHash } from 'node:crypto';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../common/context';
import { pageSize, withLazyTotal, type ConnectionShape } from '../../common/connection';
import { topLevelError } from '../../common/errors';
import { decodeIdOf } from '../../common/global-id';
import { Ticket } from './ticket.entity';
import { preloadTicketRelations } from './ticket.loaders';
import { TicketRow, type TicketRead } from './ticket.read';
import type { TicketOrder, TicketSearch } from './ticket.inputs';
import { principalOf, visibility } from './ticket.policy';
import { P, toSql, type IdField, type TicketPredicate } from './ticket-predicate';
import { OrderDirection, TicketOrderField } from './ticket.type';

/** Sort expressions; nullable columns sort as +infinity so keyset comparisons stay total. */
const ORDER_SQL: Record<TicketOrderField, { expr: string; kind: 'date' | 'int' | 'text' }> = {
  CREATED_AT: { expr: 't."created_at"', kind: 'date' },
  UPDATED_AT: { expr: 't."updated_at"', kind: 'date' },
  DUE_AT: { expr: `coalesce(t."due_at", 'infinity'::timestamptz)`, kind: 'date' },
  PRIORITY: { expr: 't."urgency"', kind: 'int' },
  NUMBER: { expr: 't."number"', kind: 'text' },
  LAST_MESSAGE_AT: { expr: `coalesce(t."last_message_at", 'infinity'::timestamptz)`, kind: 'date' },
};

const DEFAULT_ORDER: TicketOrder = { field: TicketOrderField.CREATED_AT, direction: OrderDirection.DESC };

function ids(type: string, values: string[] | null | undefined): number[] {
  // An id that is not of this type matches nothing (-1 is never a key).
  return (values ?? []).map((v) => decodeIdOf(type, v) ?? -1);
}

/** TicketSearch as a predicate (AND of the given filters). */
export async function searchPredicate(ctx: Context, s: TicketSearch | null | undefined): Promise<TicketPredicate> {
  if (!s) return P.true();
  const parts: TicketPredicate[] = [];
  const idFilter = (field: IdField, type: string, values: string[] | null | undefined) => {
    if (values != null) parts.push(P.idIn(field, ids(type, values)));
  };
  if (s.states != null) parts.push({ op: 'stateIn', values: s.states });
  idFilter('statusId', 'TicketStatus', s.statusIds);
  idFilter('departmentId', 'Department', s.departmentIds);
  idFilter('assigneeId', 'Agent', s.assigneeIds);
  idFilter('teamId', 'Team', s.teamIds);
  idFilter('priorityId', 'Priority', s.priorityIds);
  if (s.isAnswered != null) parts.push({ op: 'answered', value: s.isAnswered });
  if (s.isOverdue != null) parts.push({ op: 'overdue', value: s.isOverdue });
  if (s.isAssigned != null) {
    const unassigned = P.and(P.eq('assigneeId', null), P.eq('teamId', null));
    parts.push(s.isAssigned ? P.not(unassigned) : unassigned);
  }
  if (s.ownerEmail != null) {
    // A plain id lookup: a partial entity would stay in the identity map and blank later reads.
    const rows = await ctx.em.execute<{ id: number }[]>('select id from end_user where email = ?', [s.ownerEmail.trim().toLowerCase()]);
    parts.push(P.eq('ownerId', rows[0]?.id ?? -1));
  }
  if (s.createdAfter) parts.push({ op: 'after', field: 'createdAt', value: s.createdAfter });
  if (s.createdBefore) parts.push({ op: 'before', field: 'createdAt', value: s.createdBefore });
  if (s.dueBefore) parts.push({ op: 'before', field: 'dueAt', value: s.dueBefore });
  const text = s.text?.trim();
  if (text) {
    if (text.length > 200) throw topLevelError('BAD_USER_INPUT', '"text" must be at most 200 characters');
    parts.push(/^\d{6,12}$/.test(text) ? P.or({ op: 'subjectContains', text }, { op: 'numberIs', value: text }) : { op: 'subjectContains', text });
  }
  return P.and(...parts);
}

/** ISO 8601 or PostgreSQL's own timestamptz output, or infinity (the sort value of a missing date). */
const TIMESTAMP = /^(infinity|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)?)$/;

/**
 * Which list a cursor belongs to: its order and its filter (the search or the
 * queue's predicate; visibility is the viewer's and is applied anyway). A
 * cursor carries it, so one taken from another list — another filter, field
 * or direction — is refused instead of silently paging the wrong set.
 */
function listFingerprint(where: TicketPredicate, order: TicketOrder): string {
  return createHash('sha256')
    .update(JSON.stringify([order.field, order.direction, where]))
    .digest('base64url')
    .slice(0, 12);
}

function encodeCursor(value: unknown, id: number, list: string): string {
  return Buffer.from(JSON.stringify([value, id, list]), 'utf8').toString('base64url');
}

function decodeCursor(after: string, kind: 'date' | 'int' | 'text', list: string): [unknown, number] {
  let value: unknown;
  try {
    value = after.length <= 512 ? JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) : null;
  } catch {
    value = null;
  }
  const ok =
    Array.isArray(value) &&
    value.length === 3 &&
    value[2] === list &&
    Number.isSafeInteger(value[1]) &&
    (kind === 'int' ? Number.isSafeInteger(value[0]) : typeof value[0] === 'string' && value[0].length <= 64 && (kind === 'text' || TIMESTAMP.test(value[0])));
  if (!ok) throw topLevelError('BAD_USER_INPUT', '"after" is not a cursor from this list');
  const [sort, id] = value as [unknown, number, string];
  return [sort, id];
}

/**
 * A keyset page of the tickets the viewer can see that match `where`: the
 * visibility and search predicates compiled to SQL, one statement for the
 * page, one for the exact count only when `totalCount` is selected. The
 * rows are `TicketRow`s, not entities; their relations load batched by key.
 */
export async function ticketPage(
  ctx: Context,
  where: TicketPredicate,
  args: { first?: number | null; after?: string | null },
  orderBy: TicketOrder | null | undefined,
  info?: GraphQLResolveInfo,
): Promise<ConnectionShape<TicketRead>> {
  const first = pageSize(args.first);
  const order = orderBy ?? DEFAULT_ORDER;
  const { expr, kind } = ORDER_SQL[order.field];
  const dir = order.direction === OrderDirection.ASC ? 'asc' : 'desc';
  const list = listFingerprint(where, order);
  const predicate = P.and(visibility(await principalOf(ctx)), where);
  const params: unknown[] = [];
  const condition = toSql(predicate, 't', params);
  const countParams = [...params];
  let keyset = '';
  if (args.after) {
    const [value, id] = decodeCursor(args.after, kind, list);
    const bound = kind === 'date' ? '?::timestamptz' : kind === 'int' ? '?::int' : '?::text';
    keyset = ` and (${expr}, t."id") ${dir === 'asc' ? '>' : '<'} (${bound}, ?::int)`;
    params.push(value, id);
  }
  // The page's rows come whole in the keyset statement, as read rows: no entity, no second round trip.
  const rows = await ctx.em.execute<({ id: number } & Record<string, unknown>)[]>(
    `select t.*, ${expr} as "__sort" from "ticket" t where ${condition}${keyset} order by ${expr} ${dir}, t."id" ${dir} limit ${first + 1}`,
    params,
  );
  const page = rows.slice(0, first);
  const cursorOf = (r: Record<string, unknown>) => {
    const sort = r.__sort;
    const v = sort instanceof Date ? (Number.isFinite(sort.getTime()) ? sort.toISOString() : 'infinity') : sort;
    return encodeCursor(v, Number(r.id), list);
  };
  const edges = page.map((r) => {
    return { cursor: cursorOf(r), node: new TicketRow(r) };
  });
  if (info) await preloadTicketRelations(ctx, edges.map((e) => e.node), info);
  return withLazyTotal(
    {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: Boolean(args.after),
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    },
    async () => {
      const count = await ctx.em.execute<{ count: number }[]>(`select count(*)::int as count from "ticket" t where ${condition}`, countParams);
      return Number(count[0]?.count ?? 0);
    },
  );
}

/** The ticket with this number if the viewer can see it: one statement, a read row. */
export async function ticketByNumber(ctx: Context, number: string): Promise<TicketRead | null> {
  if (!/^\d{1,20}$/.test(number)) return null;
  const params: unknown[] = [number];
  const condition = toSql(visibility(await principalOf(ctx)), 't', params);
  const rows = await ctx.em.execute<Record<string, unknown>[]>(`select t.* from "ticket" t where t."number" = ? and ${condition}`, params);
  return rows[0] ? new TicketRow(rows[0]) : null;
}

export async function ticketById(ctx: Context, id: number): Promise<Ticket | null> {
  const params: unknown[] = [];
  const condition = toSql(visibility(await principalOf(ctx)), 't', params);
  const rows = await ctx.em.execute<{ id: number }[]>(`select t."id" from "ticket" t where t."id" = ${Number(id)} and ${condition}`, params);
  return rows[0] ? ctx.em.findOne(Ticket, rows[0].id) : null;
}
