import { Cursor, type EntityManager, type FilterQuery, type QueryOrderMap } from '@mikro-orm/core';
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { topLevelError } from './errors';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

@ObjectType({ description: 'Where a page stands in its list (Relay).' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `How many items, ${DEFAULT_PAGE_SIZE} when omitted, at most ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The `endCursor` of the previous page.' })
  after?: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  /** Counted only when read: the resolver reads this property only when `totalCount` is selected. */
  readonly totalCount: number | Promise<number>;
}

/**
 * A connection whose `totalCount` runs `count` on first read (once), so a
 * page without `totalCount` in its selection sends no count statement.
 */
export function withLazyTotal<T>(page: Omit<ConnectionShape<T>, 'totalCount'>, count: () => Promise<number>): ConnectionShape<T> {
  let total: Promise<number> | undefined;
  return Object.defineProperty(page, 'totalCount', { enumerable: true, get: () => (total ??= count()) }) as ConnectionShape<T>;
}

/** Declares `<Name>Connection` and `<Name>Edge` for a node type. */
export function connectionTypes<T extends ClassType>(name: string, nodeType: T) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => nodeType)
    node!: InstanceType<T>;
  }

  @ObjectType(`${name}Connection`)
  class Connection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'How many items the whole list holds.' })
    totalCount!: number;
  }

  return { Edge, Connection };
}

/** Validates `first`: a missing value is the default; out of range is an error, never clamped. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw topLevelError('BAD_USER_INPUT', `"first" must be between 0 and ${MAX_PAGE_SIZE}; got ${first}`);
  }
  return first;
}

/** Validates a cursor's shape before it reaches a query. */
export function checkCursor(after: string | null | undefined, keys: number): string | undefined {
  if (after === null || after === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = after.length <= 1024 ? Cursor.decode(after) : undefined;
  } catch {
    decoded = undefined;
  }
  const valid =
    Array.isArray(decoded) &&
    decoded.length === keys &&
    decoded.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v) || v instanceof Date);
  if (!valid) throw topLevelError('BAD_USER_INPUT', '"after" is not a cursor from this list');
  return after;
}

/**
 * One keyset page of entities (never OFFSET), ordered by `orderBy` with the
 * primary key last so the order is total; the count only when selected.
 */
export async function keysetPage<T extends { id: number | string }>(
  em: EntityManager,
  entity: ClassType<T>,
  where: FilterQuery<T>,
  args: PageArgs,
  orderBy: QueryOrderMap<T> = {},
): Promise<ConnectionShape<T>> {
  const first = pageSize(args.first);
  // The primary key last makes the order total; a caller may order by it alone (newest first).
  const order = ('id' in orderBy ? orderBy : { ...orderBy, id: 'asc' }) as QueryOrderMap<T>;
  const after = checkCursor(args.after, Object.keys(order).length);
  const cursor = await em.findByCursor(entity, where, {
    first,
    ...(after ? { after } : {}),
    orderBy: order,
    includeCount: false,
  } as never);
  const items = cursor.items as T[];
  return withLazyTotal(
    {
      edges: items.map((node) => ({ cursor: cursor.from(node as never), node })),
      pageInfo: {
        hasNextPage: cursor.hasNextPage,
        hasPreviousPage: Boolean(after),
        startCursor: cursor.startCursor,
        endCursor: cursor.endCursor,
      },
    },
    () => em.count(entity, where),
  );
}

/** Fields of one selection, by name (aliases merged), each with the field nodes that select it. */
export type Selected = Map<string, FieldNode[]>;

/** The fields `nodes` select (fragments and inline fragments followed; @skip/@include read as selected). */
export function selectedFields(info: Pick<GraphQLResolveInfo, 'fragments'>, nodes: readonly FieldNode[]): Selected {
  const out: Selected = new Map();
  const walk = (set: SelectionSetNode | undefined, depth: number) => {
    if (!set || depth > 8) return;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const list = out.get(s.name.value);
        if (list) list.push(s);
        else out.set(s.name.value, [s]);
      } else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet, depth + 1);
      else walk(info.fragments[s.name.value]?.selectionSet, depth + 1);
    }
  };
  for (const n of nodes) walk(n.selectionSet, 0);
  return out;
}

/**
 * What a connection field's nodes select (`edges { node { … } }`): lets a
 * page load the relations its nodes will read, before graphql-js walks them.
 */
export function nodeSelection(info: GraphQLResolveInfo): Selected {
  const edges = selectedFields(info, info.fieldNodes).get('edges') ?? [];
  return selectedFields(info, selectedFields(info, edges).get('node') ?? []);
}
