import { TicketSource } from './ticket-source';
import { TicketState } from './ticket-state';

/**
 * Ticket predicates written once, as data, and evaluated two ways (DESIGN
 * "One definition, two evaluations"): compiled to SQL for lists and counts,
 * and run in memory on a ticket snapshot for events and `Ticket.queues`.
 * Visibility rules and queue criteria are both predicates.
 */

/** The queue-relevant facts of a ticket: what events carry and what the predicates read. */
export interface TicketSnapshot {
  id: number;
  state: TicketState;
  statusId: number;
  departmentId: number;
  assigneeId: number | null;
  teamId: number | null;
  ownerId: number;
  ownerOrgId: number | null;
  ownerOrgShares: boolean;
  priorityId: number;
  helpTopicId: number | null;
  source: TicketSource;
  isAnswered: boolean;
  dueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** End users who are active collaborators. */
  collaboratorIds: number[];
  subject: string;
  number: string;
}

export type IdField = 'id' | 'statusId' | 'departmentId' | 'assigneeId' | 'teamId' | 'ownerId' | 'priorityId' | 'helpTopicId';
export type DateField = 'dueAt' | 'createdAt' | 'updatedAt';

export type TicketPredicate =
  | { op: 'true' }
  | { op: 'false' }
  | { op: 'and'; items: TicketPredicate[] }
  | { op: 'or'; items: TicketPredicate[] }
  | { op: 'not'; item: TicketPredicate }
  /** An id field among values; `null` in values matches an unset field. */
  | { op: 'idIn'; field: IdField; values: (number | null)[] }
  | { op: 'stateIn'; values: TicketState[] }
  | { op: 'sourceIn'; values: TicketSource[] }
  | { op: 'answered'; value: boolean }
  /** OPEN and due in the past, at the moment of evaluation. */
  | { op: 'overdue'; value: boolean }
  | { op: 'before'; field: DateField; value: Date }
  | { op: 'after'; field: DateField; value: Date }
  | { op: 'hasCollaborator'; userId: number }
  /** The owner belongs to this organization and it shares tickets among its members. */
  | { op: 'sharedWithOrg'; orgId: number }
  | { op: 'subjectContains'; text: string }
  | { op: 'numberIs'; value: string }
  /** The owner belongs to one of these organizations. */
  | { op: 'ownerOrgIn'; values: number[] }
  | { op: 'dateIsSet'; field: DateField };

export const P = {
  true: (): TicketPredicate => ({ op: 'true' }),
  false: (): TicketPredicate => ({ op: 'false' }),
  and: (...items: TicketPredicate[]): TicketPredicate => ({ op: 'and', items }),
  or: (...items: TicketPredicate[]): TicketPredicate => ({ op: 'or', items }),
  not: (item: TicketPredicate): TicketPredicate => ({ op: 'not', item }),
  idIn: (field: IdField, values: (number | null)[]): TicketPredicate => ({ op: 'idIn', field, values }),
  eq: (field: IdField, value: number | null): TicketPredicate => ({ op: 'idIn', field, values: [value] }),
  stateIn: (...values: TicketState[]): TicketPredicate => ({ op: 'stateIn', values }),
};

// ---- in memory ------------------------------------------------------------------

export function evaluate(p: TicketPredicate, t: TicketSnapshot, now: Date = new Date()): boolean {
  switch (p.op) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'and':
      return p.items.every((i) => evaluate(i, t, now));
    case 'or':
      return p.items.some((i) => evaluate(i, t, now));
    case 'not':
      return !evaluate(p.item, t, now);
    case 'idIn':
      return p.values.includes(t[p.field]);
    case 'stateIn':
      return p.values.includes(t.state);
    case 'sourceIn':
      return p.values.includes(t.source);
    case 'answered':
      return t.isAnswered === p.value;
    case 'overdue':
      return isOverdue(t, now) === p.value;
    case 'before': {
      const v = t[p.field];
      return v !== null && v.getTime() < p.value.getTime();
    }
    case 'after': {
      const v = t[p.field];
      return v !== null && v.getTime() > p.value.getTime();
    }
    case 'hasCollaborator':
      return t.collaboratorIds.includes(p.userId);
    case 'sharedWithOrg':
      return t.ownerOrgShares && t.ownerOrgId === p.orgId;
    case 'subjectContains':
      return foldCase(t.subject).includes(foldCase(p.text));
    case 'numberIs':
      return t.number === p.value;
    case 'ownerOrgIn':
      return t.ownerOrgId !== null && p.values.includes(t.ownerOrgId);
    case 'dateIsSet':
      return t[p.field] !== null;
  }
}

/**
 * Lower case as PostgreSQL's `lower()` (and so `ilike`) does it: one code
 * point at a time, with the simple mapping. JavaScript's `toLowerCase()` on a
 * whole string applies the full, context-sensitive mapping instead (`Σ` at the
 * end of a word becomes `ς`, `İ` becomes `i` + U+0307), and then the two
 * evaluations disagree on such subjects. (This matches databases whose
 * ctype uses libc or the builtin provider, as PGlite and the default
 * PostgreSQL installs do; an ICU collation maps the full way.)
 */
function foldCase(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) out += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return out;
}

/** SPEC §6: an OPEN ticket whose due date has passed. */
export function isOverdue(t: { state: TicketState; dueAt: Date | null }, now: Date = new Date()): boolean {
  return t.state === TicketState.OPEN && t.dueAt !== null && t.dueAt.getTime() <= now.getTime();
}

// ---- SQL ------------------------------------------------------------------------

const COLUMN: Record<IdField | DateField, string> = {
  id: 'id',
  statusId: 'status_id',
  departmentId: 'department_id',
  assigneeId: 'assignee_id',
  teamId: 'team_id',
  ownerId: 'owner_id',
  priorityId: 'priority_id',
  helpTopicId: 'help_topic_id',
  dueAt: 'due_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

const STATES = new Set<string>(Object.values(TicketState));
const SOURCES = new Set<string>(Object.values(TicketSource));

function int(n: number | null): string {
  if (n === null || !Number.isSafeInteger(n)) throw new Error(`not an id: ${n}`);
  return String(n);
}

/**
 * Compiles to a SQL condition on the ticket table aliased `alias`. Ids,
 * states and booleans are inlined as literals (validated here): a generic
 * plan with bound parameters would not use the partial indexes
 * (NOTES-PERF-SECURITY). Dates and text are bound.
 */
export function toSql(p: TicketPredicate, alias: string, params: unknown[], now: Date = new Date()): string {
  const col = (f: IdField | DateField) => `${alias}."${COLUMN[f]}"`;
  const bind = (v: unknown) => {
    params.push(v);
    return '?';
  };
  switch (p.op) {
    case 'true':
      return 'true';
    case 'false':
      return 'false';
    case 'and':
      return p.items.length === 0 ? 'true' : `(${p.items.map((i) => toSql(i, alias, params, now)).join(' and ')})`;
    case 'or':
      return p.items.length === 0 ? 'false' : `(${p.items.map((i) => toSql(i, alias, params, now)).join(' or ')})`;
    case 'not':
      // SQL's three-valued logic: a comparison on a NULL column (`assignee_id = 5`,
      // `due_at < ?`) is NULL, and `not NULL` is NULL, which WHERE drops, where in
      // memory the comparison is false and its negation true. Without NOT, NULL
      // behaves as false under AND/OR (they are monotone), so collapsing it here suffices.
      return `not coalesce(${toSql(p.item, alias, params, now)}, false)`;
    case 'idIn': {
      const ids = p.values.filter((v): v is number => v !== null);
      const parts: string[] = [];
      if (ids.length === 1) parts.push(`${col(p.field)} = ${int(ids[0]!)}`);
      else if (ids.length > 1) parts.push(`${col(p.field)} in (${ids.map(int).join(', ')})`);
      if (p.values.includes(null)) parts.push(`${col(p.field)} is null`);
      return parts.length === 0 ? 'false' : parts.length === 1 ? parts[0]! : `(${parts.join(' or ')})`;
    }
    case 'stateIn': {
      if (p.values.length === 0) return 'false';
      for (const v of p.values) if (!STATES.has(v)) throw new Error(`not a state: ${v}`);
      return p.values.length === 1 ? `${alias}."state" = '${p.values[0]}'` : `${alias}."state" in (${p.values.map((v) => `'${v}'`).join(', ')})`;
    }
    case 'sourceIn': {
      if (p.values.length === 0) return 'false';
      for (const v of p.values) if (!SOURCES.has(v)) throw new Error(`not a source: ${v}`);
      return `${alias}."source" in (${p.values.map((v) => `'${v}'`).join(', ')})`;
    }
    case 'answered':
      return `${alias}."is_answered" = ${p.value ? 'true' : 'false'}`;
    case 'overdue': {
      const cond = `(${alias}."state" = 'OPEN' and ${alias}."due_at" <= ${bind(now)})`;
      return p.value ? cond : `not coalesce(${cond}, false)`;
    }
    case 'before':
      return `${col(p.field)} < ${bind(p.value)}`;
    case 'after':
      return `${col(p.field)} > ${bind(p.value)}`;
    case 'hasCollaborator':
      return `exists (select 1 from "collaborator" c where c."ticket_id" = ${alias}."id" and c."user_id" = ${int(p.userId)} and c."is_active")`;
    case 'sharedWithOrg':
      return `exists (select 1 from "end_user" u join "organization" o on o."id" = u."organization_id" where u."id" = ${alias}."owner_id" and o."id" = ${int(p.orgId)} and o."shares_tickets")`;
    case 'subjectContains':
      return `${alias}."subject" ilike ${bind(`%${p.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`;
    case 'numberIs':
      return `${alias}."number" = ${bind(p.value)}`;
    case 'ownerOrgIn':
      return p.values.length === 0
        ? 'false'
        : `exists (select 1 from "end_user" u where u."id" = ${alias}."owner_id" and u."organization_id" in (${p.values.map(int).join(', ')}))`;
    case 'dateIsSet':
      return `${col(p.field)} is not null`;
  }
}
