import {
  getNamedType,
  GraphQLError,
  isCompositeType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  isObjectType,
  isInterfaceType,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/connection';

/** The most a query may cost (README "Limits"). */
export const MAX_QUERY_COST = 5000;

/** What every HTTP response reports in `extensions.cost`, and a refusal in its error's extensions. */
export interface QueryCost {
  /** The cost of the operation as requested, before execution. */
  requested: number;
  /** The most one operation may cost. */
  limit: number;
}

/**
 * The cost of an operation, computed before execution from the document and
 * its variables, the way GitHub counts nodes: every field that returns an
 * object (or a list of them) costs 1; scalars, enums, `__typename` and
 * introspection cost nothing. A connection (a field with a `first` argument
 * returning a `…Connection`) multiplies what is selected under its `edges` and
 * `nodes` by its page size: `first` as given (literal or variable, at most
 * 100), else 25. Nested connections multiply: `tickets(first: 100) { edges {
 * node { thread(first: 100) { edges { node { id } } } } } }` costs
 * 1 + 1 + 100 × (1 + 1 + 100 × 1) = 10,202. Fragments count where they are
 * spread (each named fragment is costed once, so repeated spreads stay cheap
 * to compute). Computing stops as soon as the cost passes `stopAbove`.
 */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  operationName?: string | null,
  stopAbove = Number.MAX_SAFE_INTEGER,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    else if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
  }
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return 0;
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return 0;
  const defaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);

  const pageSizeOf = (value: ValueNode | undefined): number => {
    let n: unknown = undefined;
    if (value?.kind === Kind.INT) n = Number(value.value);
    else if (value?.kind === Kind.VARIABLE) {
      const name = value.name.value;
      const given = variables?.[name];
      if (given !== undefined) n = given;
      else {
        const d = defaults.get(name);
        if (d?.kind === Kind.INT) n = Number(d.value);
      }
    }
    // Out of range is refused by the field itself (BAD_USER_INPUT); here it counts as the largest page.
    if (typeof n !== 'number' || !Number.isFinite(n)) return DEFAULT_PAGE_SIZE;
    return Math.max(0, Math.min(MAX_PAGE_SIZE, Math.trunc(n)));
  };

  const fragmentCosts = new Map<string, number>();
  const fieldOf = (type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined =>
    isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;

  const costOf = (set: SelectionSetNode, type: GraphQLCompositeType, inEdges: number): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (total > stopAbove) return total;
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const name = sel.name.value;
        let c = fragmentCosts.get(name);
        if (c === undefined) {
          const frag = fragments.get(name);
          const on = frag ? schema.getType(frag.typeCondition.name.value) : undefined;
          fragmentCosts.set(name, 0); // cycles are refused by validation; guard anyway
          c = frag && on && isCompositeType(on) ? costOf(frag.selectionSet, on, 1) : 0;
          fragmentCosts.set(name, c);
        }
        total += c * inEdges;
        continue;
      }
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        if (on && isCompositeType(on)) total += costOf(sel.selectionSet, on, inEdges);
        continue;
      }
      const name = sel.name.value;
      if (name.startsWith('__')) continue; // __typename and introspection are free
      const field = fieldOf(type, name);
      if (!field) continue;
      const named = getNamedType(field.type);
      if (!isCompositeType(named) || !sel.selectionSet) continue;
      const isConnection = named.name.endsWith('Connection') && field.args.some((a) => a.name === 'first');
      if (isConnection) {
        const first = pageSizeOf(sel.arguments?.find((a) => a.name.value === 'first')?.value);
        total += inEdges * (1 + connectionCost(sel.selectionSet, named, first));
      } else {
        total += inEdges * (1 + costOf(sel.selectionSet, named, 1));
      }
    }
    return total;
  };

  /** A connection's own selection: `edges` and `nodes` (and what is under them) count once per item of the page. */
  const connectionCost = (set: SelectionSetNode, type: GraphQLCompositeType, first: number): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD && (sel.name.value === 'edges' || sel.name.value === 'nodes')) {
        const field = fieldOf(type, sel.name.value);
        const named = field ? getNamedType(field.type) : undefined;
        if (named && isCompositeType(named) && sel.selectionSet) total += first * (1 + costOf(sel.selectionSet, named, 1));
      } else if (sel.kind === Kind.FIELD) {
        total += costOf({ kind: Kind.SELECTION_SET, selections: [sel] }, type, 1);
        if (sel.name.value === 'totalCount') total += 1; // a count is a statement of its own
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        total += connectionCost(sel.selectionSet, type, first);
      } else {
        const frag = fragments.get(sel.name.value);
        if (frag) total += connectionCost(frag.selectionSet, type, first);
      }
      if (total > stopAbove) return total;
    }
    return total;
  };

  return costOf(operation.selectionSet, root, 1);
}

/** The refusal of a query over the limit: QUERY_TOO_COMPLEX with the computed cost. */
export function costError(cost: QueryCost, http = false): GraphQLError {
  return new GraphQLError(`Query cost ${cost.requested > STOP_ABOVE ? `over ${STOP_ABOVE}` : cost.requested} exceeds the limit of ${cost.limit}`, {
    // Apollo answers a request error with the status in `http` (and strips it from the response).
    extensions: { code: 'QUERY_TOO_COMPLEX', cost, ...(http ? { http: { status: 400 } } : {}) },
  });
}

/** Counting stops far above the limit: the answer is "too much" either way, and the work stays bounded. */
const STOP_ABOVE = MAX_QUERY_COST * 1000;

/** The cost of an operation and its refusal, if over the limit. */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  operationName?: string | null,
  http = false,
): { cost: QueryCost; error: GraphQLError | null } {
  const requested = queryCost(schema, document, variables, operationName, STOP_ABOVE);
  const cost = { requested, limit: MAX_QUERY_COST };
  return { cost, error: requested > MAX_QUERY_COST ? costError(cost, http) : null };
}
