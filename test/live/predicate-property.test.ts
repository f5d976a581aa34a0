import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddCollaboratorsDocument,
  AssignDocument,
  CreateAgentDocument,
  CreateEndUserDocument,
  CreateOrganizationDocument,
  CreateTeamDocument,
  MarkAnsweredDocument,
  RemoveCollaboratorDocument,
  ReplyDocument,
  SetStatusDocument,
  UpdateTicketDocument,
} from '../__generated__/graphql';
import type { Viewer } from '../../src/common/context';
import { DomainError, Problems } from '../../src/common/errors';
import { decodeIdOf, toGlobalId } from '../../src/common/global-id';
import { Agent } from '../../src/modules/directory/agent.entity';
import { EndUser } from '../../src/modules/directory/end-user.entity';
import { criteriaPredicate, QueueCriterionField, QueueOperator, validateCriteria, type QueueCriterion } from '../../src/modules/queues/queue-criteria';
import { queueMembership, QueueView, systemView } from '../../src/modules/queues/queue.service';
import { SYSTEM_QUEUES } from '../../src/modules/queues/system-queues';
import { HelpTopic } from '../../src/modules/tickets/help-topic.entity';
import { Ticket } from '../../src/modules/tickets/ticket.entity';
import { loadPrincipal, visibility, type Principal } from '../../src/modules/tickets/ticket.policy';
import { evaluate, toSql, type DateField, type IdField, type TicketPredicate, type TicketSnapshot } from '../../src/modules/tickets/ticket-predicate';
import { snapshotOf } from '../../src/modules/tickets/ticket.snapshot';
import { TicketSource } from '../../src/modules/tickets/ticket-source';
import { TicketState } from '../../src/modules/tickets/ticket-state';
import { OrderDirection, TicketOrderField } from '../../src/modules/tickets/ticket.type';
import { PASSWORD, buildWorld, type World } from '../support/world';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';

// DESIGN "One definition, two evaluations": every predicate (system queues,
// custom queue criteria, visibility, and random combinations of them) must
// select the same tickets compiled to SQL as evaluated in memory on the
// tickets' snapshots, at the same `now`. Random but reproducible: rerun with
// PREDICATE_SEED=<the printed seed>.

const SEED = process.env.PREDICATE_SEED ? Number(process.env.PREDICATE_SEED) : Math.floor(Math.random() * 2 ** 31);
const TICKETS = 150;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.int(items.length)]!;
  }
  /** Distinct items, between min and max of them. */
  some<T>(items: readonly T[], min: number, max: number): T[] {
    const pool = [...items];
    const n = Math.min(pool.length, this.between(min, max));
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(pool.splice(this.int(pool.length), 1)[0]!);
    return out;
  }
}

// Words chosen to probe the text match: LIKE wildcards and the escape
// character, mixed case, and letters whose case mapping differs between
// engines (dotted İ, final sigma, ß, the Kelvin sign).
const WORDS = [
  'Printer', 'printer', 'VPN', 'vpn', 'Login', 'invoice', 'Refund', 'URGENT', 'urgent',
  '50%', 'off_peak', 'back\\slash', 'a_b', '100%', "O'Brien",
  'Café', 'CAFÉ', 'İstanbul', 'ISTANBUL', 'ΟΔΟΣ', 'οδος', 'Straße', 'STRASSE', '\u212Aelvin', 'kelvin',
];
const PROBES = ['%', '_', '\\', '%_', '\\%', 'zzz-nothing', 'i', 'I', 'σ', 'ς', 'ss', 'é', 'É', 'k', 'istanbul', 'i\u0307stanbul', 'οδοσ', "'"];

let t: TestServer;
let w: World;
const rng = new Rng(mulberry32(SEED));

interface Fixture {
  orgIds: string[];
  userIds: string[];
  teamIds: string[];
  helpTopicIds: string[];
  agentIds: string[];
  /** Who may be assigned, per department. */
  assignable: Map<string, string[]>;
}
let fx: Fixture;

beforeAll(async () => {
  console.log(`predicate property test: PREDICATE_SEED=${SEED}`);
  t = await startTestServer();
  w = await buildWorld(t);
  const admin = w.agents.admin.token;

  // Organizations (one shares tickets among its members) and their members.
  const org = async (name: string, sharesTickets: boolean) => {
    const res = await t.gql(CreateOrganizationDocument, { input: { name, sharesTickets } }, { token: admin });
    expect(res.data?.createOrganization.userErrors).toEqual([]);
    return res.data!.createOrganization.organization!.id;
  };
  const acme = await org('Acme', true);
  const globex = await org('Globex', false);
  const user = async (name: string, email: string, organizationId: string | null) => {
    const res = await t.gql(CreateEndUserDocument, { input: { name, email, password: PASSWORD, ...(organizationId ? { organizationId } : {}) } }, { token: admin });
    expect(res.data?.createEndUser.userErrors).toEqual([]);
    return { id: res.data!.createEndUser.endUser!.id, email };
  };
  const extraUsers = [
    await user('Ada Acme', 'ada@acme.test', acme),
    await user('Abe Acme', 'abe@acme.test', acme),
    await user('Gus Globex', 'gus@globex.test', globex),
    await user('Gia Globex', 'gia@globex.test', globex),
    await user('Sol Solo', 'sol@solo.test', null),
  ];
  const users = [...Object.values(w.users).map((u) => ({ id: u.id, email: u.email })), ...extraUsers];

  // A second team whose members include the assigned-only agent, and an agent
  // with extra department access.
  const xena = await t.gql(
    CreateAgentDocument,
    {
      input: {
        name: 'Xena Extra', email: 'xena@desk.test', password: PASSWORD, primaryDepartmentId: w.supportId, roleId: w.roles['Reply Only']!,
        departmentAccess: [{ departmentId: w.salesId, roleId: w.roles['All Access']! }],
      },
    },
    { token: admin },
  );
  expect(xena.data?.createAgent.userErrors).toEqual([]);
  const xenaId = xena.data!.createAgent.agent!.id;
  const tier2 = await t.gql(CreateTeamDocument, { input: { name: 'Tier 2', memberIds: [w.agents.assignedOnly.id, xenaId] } }, { token: admin });
  expect(tier2.data?.createTeam.userErrors).toEqual([]);

  // Help topics have no API yet: created directly, without defaults.
  const em = t.em();
  const topics = [em.create(HelpTopic, { name: 'Billing' }), em.create(HelpTopic, { name: 'Hardware' })];
  await em.flush();

  fx = {
    orgIds: [acme, globex],
    userIds: users.map((u) => u.id),
    teamIds: [w.teamId, tier2.data!.createTeam.team!.id],
    helpTopicIds: topics.map((h) => toGlobalId('HelpTopic', h.id)),
    agentIds: [...Object.values(w.agents).map((a) => a.id), xenaId],
    assignable: new Map([
      [w.supportId, [w.agents.admin.id, w.agents.full.id, w.agents.replyOnly.id, w.agents.assignedOnly.id, xenaId]],
      [w.salesId, [w.agents.admin.id, w.agents.other.id, w.agents.teamMember.id, xenaId]],
    ]),
  };

  // Plan every ticket first, then open them.
  const now = Date.now();
  const plans = Array.from({ length: TICKETS }, () => {
    const departmentId = rng.pick([w.supportId, w.salesId]);
    const ownerIndex = rng.int(users.length);
    const collaborators = rng.chance(0.3) ? rng.some(users.filter((_, i) => i !== ownerIndex), 1, 2).map((u) => u.email) : [];
    const assigned = rng.pick(['none', 'none', 'agent', 'team', 'both'] as const);
    return {
      subject: rng.some(WORDS, 1, 4).join(' '),
      departmentId,
      priorityId: w.priorities[rng.pick(['Low', 'Normal', 'High', 'Emergency'])]!,
      source: rng.pick(Object.values(TicketSource)),
      ownerEmail: users[ownerIndex]!.email,
      helpTopicId: rng.chance(0.3) ? rng.pick(fx.helpTopicIds) : null,
      collaborators,
      dropCollaborator: collaborators.length > 0 && rng.chance(0.35),
      bcc: rng.chance(0.15) ? users.filter((_, i) => i !== ownerIndex)[rng.int(users.length - 1)]!.email : null,
      agentId: assigned === 'agent' || assigned === 'both' ? rng.pick(fx.assignable.get(departmentId)!) : null,
      teamId: assigned === 'team' || assigned === 'both' ? rng.pick(fx.teamIds) : null,
      answered: rng.pick(['no', 'no', 'no', 'reply', 'reply', 'mark', 'replyThenUnmark'] as const),
      due: rng.pick(['default', 'default', 'past', 'future', 'none'] as const),
      dueOffset: rng.between(60_000, 10 * 86_400_000),
      status: rng.pick(['Open', 'Open', 'Open', 'Open', 'Resolved', 'Resolved', 'Closed', 'Archived', 'Deleted'] as const),
    };
  });

  const ok = (res: { data?: unknown; errors?: unknown }, name: string) => {
    const payload = res.data ? Object.values(res.data as Record<string, { userErrors?: unknown[] }>)[0] : undefined;
    if (!payload || (payload.userErrors && payload.userErrors.length)) throw new Error(`${name} failed (seed ${SEED}): ${JSON.stringify(res)}`);
  };
  const openOne = async (plan: (typeof plans)[number]) => {
    const ticket = await newTicket(t, admin, {
      subject: plan.subject, owner: { email: plan.ownerEmail }, departmentId: plan.departmentId, priorityId: plan.priorityId, source: plan.source,
      ...(plan.helpTopicId ? { helpTopicId: plan.helpTopicId } : {}),
      ...(plan.collaborators.length ? { collaborators: plan.collaborators.map((email) => ({ email })) } : {}),
    });
    const ticketId = ticket.id;
    if (plan.dropCollaborator) {
      ok(await t.gql(RemoveCollaboratorDocument, { input: { collaboratorId: ticket.collaborators[0]!.id } }, { token: admin }), 'removeCollaborator');
    }
    if (plan.bcc && !plan.collaborators.includes(plan.bcc)) {
      ok(await t.gql(AddCollaboratorsDocument, { input: { ticketId, people: [{ email: plan.bcc }], role: 'BCC' } }, { token: admin }), 'addCollaborators');
    }
    if (plan.agentId || plan.teamId) ok(await t.gql(AssignDocument, { input: { ticketId, agentId: plan.agentId, teamId: plan.teamId } }, { token: admin }), 'assignTicket');
    if (plan.answered === 'reply' || plan.answered === 'replyThenUnmark') ok(await t.gql(ReplyDocument, { input: { ticketId, body: 'On it' } }, { token: admin }), 'replyToTicket');
    if (plan.answered === 'mark' || plan.answered === 'replyThenUnmark') {
      ok(await t.gql(MarkAnsweredDocument, { input: { ticketId, answered: plan.answered === 'mark' } }, { token: admin }), 'markTicketAnswered');
    }
    if (plan.due === 'past' || plan.due === 'future') {
      const dueAt = new Date(now + (plan.due === 'past' ? -plan.dueOffset : plan.dueOffset)).toISOString();
      ok(await t.gql(UpdateTicketDocument, { input: { ticketId, dueAt } }, { token: admin }), 'updateTicket');
    } else if (plan.due === 'none') {
      ok(await t.gql(UpdateTicketDocument, { input: { ticketId, slaPlanId: null } }, { token: admin }), 'updateTicket');
    }
    if (plan.status !== 'Open') ok(await t.gql(SetStatusDocument, { input: { ticketIds: [ticketId], statusId: w.statuses[plan.status]! } }, { token: admin }), 'setTicketStatus');
  };
  // One at a time: the same seed then gives the same ids.
  for (const plan of plans) await openOne(plan);
}, 120_000);

afterAll(() => t?.close());

// ---- the world as data --------------------------------------------------------------

interface Universe {
  snapshots: TicketSnapshot[];
  agents: Extract<Principal, { kind: 'agent' }>[];
  endUsers: Principal[];
  ids: Record<IdField, (number | null)[]> & { organization: number[] };
  dates: Date[];
  now: Date;
}

async function loadUniverse(): Promise<Universe> {
  const em = t.em();
  const tickets = await em.find(Ticket, {}, { orderBy: { id: 'asc' } });
  expect(tickets.length).toBe(TICKETS);
  const snapshots: TicketSnapshot[] = [];
  for (const ticket of tickets) snapshots.push(await snapshotOf(em, ticket));
  const agents: Extract<Principal, { kind: 'agent' }>[] = [];
  for (const id of fx.agentIds) {
    const agent = await em.findOneOrFail(Agent, decodeIdOf('Agent', id)!);
    const viewer: Viewer = { kind: 'agent', agent, tokenId: 0, via: 'session' };
    const p = await loadPrincipal(em, viewer);
    if (p.kind !== 'agent') throw new Error('not an agent');
    agents.push(p);
  }
  const endUsers: Principal[] = [{ kind: 'anonymous' }];
  const users = await em.find(EndUser, { id: { $in: fx.userIds.map((id) => decodeIdOf('EndUser', id)!) } }, { orderBy: { id: 'asc' } });
  for (const user of users) endUsers.push(await loadPrincipal(em, { kind: 'endUser', user, tokenId: 0, ticketScope: null }));
  // Ticket-access tokens: scoped to a ticket the user owns, and (never visible) to one they do not.
  for (const snap of snapshots.slice(0, 3)) {
    const owner = users.find((u) => u.id === snap.ownerId)!;
    const stranger = users.find((u) => u.id !== snap.ownerId)!;
    endUsers.push(await loadPrincipal(em, { kind: 'endUser', user: owner, tokenId: 0, ticketScope: snap.id }));
    endUsers.push(await loadPrincipal(em, { kind: 'endUser', user: stranger, tokenId: 0, ticketScope: snap.id }));
  }
  const distinct = <T,>(xs: T[]) => [...new Set(xs)];
  const idsOf = (f: IdField) => distinct(snapshots.map((s) => s[f]));
  const ids = {
    id: idsOf('id'), statusId: idsOf('statusId'), departmentId: idsOf('departmentId'), assigneeId: idsOf('assigneeId'), teamId: idsOf('teamId'),
    ownerId: idsOf('ownerId'), priorityId: idsOf('priorityId'), helpTopicId: idsOf('helpTopicId'),
    organization: fx.orgIds.map((id) => decodeIdOf('Organization', id)!),
  };
  const dates = snapshots.flatMap((s) => [s.createdAt, s.updatedAt, ...(s.dueAt ? [s.dueAt] : [])]);
  return { snapshots, agents, endUsers, ids, dates, now: new Date() };
}

// ---- random values and predicates ---------------------------------------------------------

const ID_TYPES: Partial<Record<QueueCriterionField, string>> = {
  STATUS: 'TicketStatus', DEPARTMENT: 'Department', TEAM: 'Team', ASSIGNEE: 'Agent', PRIORITY: 'Priority', HELP_TOPIC: 'HelpTopic', OWNER: 'EndUser', ORGANIZATION: 'Organization',
};

function pools(): Record<string, string[]> {
  return {
    TicketStatus: Object.values(w.statuses),
    Department: [w.supportId, w.salesId],
    Team: fx.teamIds,
    Agent: fx.agentIds,
    Priority: Object.values(w.priorities),
    HelpTopic: fx.helpTopicIds,
    EndUser: fx.userIds,
    Organization: fx.orgIds,
  };
}

/** A date near the tickets' own dates (often exactly one of them), or anywhere around now. */
function randomDate(u: Universe): Date {
  const roll = rng.float();
  if (roll < 0.6) {
    const base = rng.pick(u.dates).getTime();
    return new Date(base + rng.pick([0, 0, 1, -1, 1000, -1000, rng.between(-86_400_000, 86_400_000)]));
  }
  return new Date(u.now.getTime() + rng.between(-15 * 86_400_000, 3 * 86_400_000));
}

function randomText(u: Universe): string {
  const roll = rng.float();
  let text: string;
  if (roll < 0.45) {
    const subject = rng.pick(u.snapshots).subject;
    const chars = [...subject];
    const start = rng.int(chars.length);
    text = chars.slice(start, start + rng.between(1, 8)).join('');
  } else if (roll < 0.75) text = rng.pick(WORDS);
  else text = rng.pick(PROBES);
  const mode = rng.int(3);
  text = mode === 0 ? text : mode === 1 ? text.toUpperCase() : text.toLowerCase();
  return text.trim().length > 0 ? text : 'x';
}

function randomValues(u: Universe, field: QueueCriterionField, operator: QueueOperator): string[] {
  switch (operator) {
    case QueueOperator.IN:
    case QueueOperator.NOT_IN: {
      const type = ID_TYPES[field];
      if (type) {
        const pool = [...pools()[type]!, toGlobalId(type, 99_999)];
        return rng.some(pool, 1, 3);
      }
      if (field === QueueCriterionField.STATE) return rng.some(Object.values(TicketState), 1, 3);
      if (field === QueueCriterionField.SOURCE) return rng.some(Object.values(TicketSource), 1, 3);
      return ['x'];
    }
    case QueueOperator.BEFORE:
    case QueueOperator.AFTER: {
      const d = randomDate(u);
      return [rng.chance(0.1) ? d.toISOString().slice(0, 10) : d.toISOString()];
    }
    case QueueOperator.CONTAINS:
      return [randomText(u)];
    default:
      return [];
  }
}

/** Field × operator pairs that validateCriteria accepts (the others must be refused on `operator`). */
function allowedCombos(u: Universe): { field: QueueCriterionField; operator: QueueOperator }[] {
  const out: { field: QueueCriterionField; operator: QueueOperator }[] = [];
  for (const field of Object.values(QueueCriterionField)) {
    for (const operator of Object.values(QueueOperator)) {
      const errors = problemsOf([{ field, operator, values: randomValues(u, field, operator) }]);
      if (errors.length === 0) out.push({ field, operator });
      else expect(errors.map((e) => e.field?.join('.')), `${field} ${operator}`).toEqual(['criteria.0.operator']);
    }
  }
  return out;
}

function problemsOf(criteria: QueueCriterion[]): { field: string[] | null; message: string }[] {
  const problems = new Problems();
  validateCriteria(problems, criteria);
  try {
    problems.throwIfAny();
    return [];
  } catch (error) {
    if (error instanceof DomainError) return error.errors;
    throw error;
  }
}

function randomCriterion(u: Universe, combos: { field: QueueCriterionField; operator: QueueOperator }[]): QueueCriterion {
  const { field, operator } = rng.pick(combos);
  return { field, operator, values: randomValues(u, field, operator) };
}

function validCriteria(criteria: QueueCriterion[]): TicketPredicate {
  expect(problemsOf(criteria), JSON.stringify(criteria)).toEqual([]);
  return criteriaPredicate(criteria);
}

const ID_FIELDS: IdField[] = ['id', 'statusId', 'departmentId', 'assigneeId', 'teamId', 'ownerId', 'priorityId', 'helpTopicId'];
const DATE_FIELDS: DateField[] = ['dueAt', 'createdAt', 'updatedAt'];

/** A predicate node no criterion produces on its own. */
function randomLeaf(u: Universe): TicketPredicate {
  switch (rng.int(14)) {
    case 0:
      return { op: rng.pick(['true', 'false'] as const) };
    case 1: {
      const field = rng.pick(ID_FIELDS);
      const values: (number | null)[] = rng.some([...u.ids[field], null, 99_999], 0, 3);
      return { op: 'idIn', field, values };
    }
    case 2:
      return { op: 'stateIn', values: rng.some(Object.values(TicketState), 0, 3) };
    case 3:
      return { op: 'sourceIn', values: rng.some(Object.values(TicketSource), 0, 3) };
    case 4:
      return { op: 'answered', value: rng.chance(0.5) };
    case 5:
      return { op: 'overdue', value: rng.chance(0.5) };
    case 6:
      return { op: rng.pick(['before', 'after'] as const), field: rng.pick(DATE_FIELDS), value: randomDate(u) };
    case 7:
      return { op: 'hasCollaborator', userId: rng.pick(u.ids.ownerId as number[]) };
    case 8:
      return { op: 'sharedWithOrg', orgId: rng.pick([...u.ids.organization, 99_999]) };
    case 9:
      return { op: 'subjectContains', text: randomText(u) };
    case 10:
      return { op: 'numberIs', value: rng.chance(0.8) ? rng.pick(u.snapshots).number : '000000' };
    case 11:
      return { op: 'ownerOrgIn', values: rng.some([...u.ids.organization, 99_999], 0, 2) };
    case 12:
      return { op: 'dateIsSet', field: rng.pick(DATE_FIELDS) };
    default:
      return visibility(rng.pick([...u.agents, ...u.endUsers]));
  }
}

function randomTree(u: Universe, combos: { field: QueueCriterionField; operator: QueueOperator }[], depth: number): TicketPredicate {
  const roll = rng.float();
  if (depth <= 0 || roll < 0.3) {
    const kind = rng.int(3);
    if (kind === 0) return randomLeaf(u);
    if (kind === 1) return criteriaPredicate([randomCriterion(u, combos)]);
    const agent = rng.pick(u.agents);
    return rng.pick(SYSTEM_QUEUES).predicate(agent);
  }
  if (roll < 0.5) return { op: 'not', item: randomTree(u, combos, depth - 1) };
  const items = Array.from({ length: rng.int(4) }, () => randomTree(u, combos, depth - 1));
  return { op: rng.chance(0.5) ? 'and' : 'or', items };
}

// ---- the comparison -------------------------------------------------------------------------

interface Case {
  label: string;
  predicate: TicketPredicate;
  now: Date;
}

interface Mismatch {
  label: string;
  predicate: string;
  now: string;
  onlySql: number[];
  onlyMemory: number[];
  sample: TicketSnapshot | undefined;
}

async function compare(u: Universe, cases: Case[]): Promise<{ mismatches: Mismatch[]; nonTrivial: number }> {
  const em = t.em();
  const mismatches: Mismatch[] = [];
  let nonTrivial = 0;
  for (const c of cases) {
    const params: unknown[] = [];
    const where = toSql(c.predicate, 't', params, c.now);
    const rows = await em.execute<{ id: number }[]>(`select t."id" from "ticket" t where ${where} order by t."id"`, params);
    const sql = rows.map((r) => Number(r.id));
    const memory = u.snapshots.filter((s) => evaluate(c.predicate, s, c.now)).map((s) => s.id);
    if (sql.length > 0 && sql.length < u.snapshots.length) nonTrivial++;
    const inSql = new Set(sql);
    const inMemory = new Set(memory);
    const onlySql = sql.filter((id) => !inMemory.has(id));
    const onlyMemory = memory.filter((id) => !inSql.has(id));
    if (onlySql.length || onlyMemory.length) {
      const first = onlySql[0] ?? onlyMemory[0];
      mismatches.push({
        label: c.label,
        predicate: JSON.stringify(c.predicate),
        now: c.now.toISOString(),
        onlySql,
        onlyMemory,
        sample: u.snapshots.find((s) => s.id === first),
      });
    }
  }
  return { mismatches, nonTrivial };
}

/** The same `now` for both sides: usually one fixed instant, sometimes exactly a due date (the overdue boundary). */
function randomNow(u: Universe): Date {
  const roll = rng.float();
  if (roll < 0.7) return u.now;
  const due = u.snapshots.filter((s) => s.dueAt).map((s) => s.dueAt!);
  const base = rng.pick(due).getTime();
  return new Date(roll < 0.85 ? base : base + rng.pick([-1, 1]));
}

function report(mismatches: Mismatch[]): string {
  return `SQL and memory disagree on ${mismatches.length} predicate(s) (PREDICATE_SEED=${SEED}):\n${mismatches
    .slice(0, 5)
    .map((m) => `- ${m.label} at ${m.now}\n  predicate: ${m.predicate}\n  only SQL: ${JSON.stringify(m.onlySql)}; only memory: ${JSON.stringify(m.onlyMemory)}\n  e.g. ${JSON.stringify(m.sample)}`)
    .join('\n')}`;
}

describe('one definition, two evaluations', () => {
  let u: Universe;
  let combos: { field: QueueCriterionField; operator: QueueOperator }[];

  beforeAll(async () => {
    u = await loadUniverse();
    combos = allowedCombos(u);
  });

  it('built a varied set of tickets', () => {
    const count = (f: (s: TicketSnapshot) => boolean) => u.snapshots.filter(f).length;
    // every kind of ticket the predicates distinguish is present
    expect(count((s) => s.state === TicketState.OPEN)).toBeGreaterThan(30);
    for (const state of Object.values(TicketState)) expect(count((s) => s.state === state), state).toBeGreaterThan(0);
    expect(count((s) => s.isAnswered)).toBeGreaterThan(10);
    expect(count((s) => s.assigneeId === null && s.teamId === null)).toBeGreaterThan(10);
    expect(count((s) => s.assigneeId !== null && s.teamId !== null)).toBeGreaterThan(5);
    expect(count((s) => s.dueAt === null)).toBeGreaterThan(3);
    expect(count((s) => s.dueAt !== null && s.dueAt < u.now && s.state === TicketState.OPEN)).toBeGreaterThan(3);
    expect(count((s) => s.collaboratorIds.length > 0)).toBeGreaterThan(5);
    expect(count((s) => s.ownerOrgShares)).toBeGreaterThan(5);
    expect(count((s) => s.ownerOrgId !== null && !s.ownerOrgShares)).toBeGreaterThan(5);
    expect(count((s) => s.helpTopicId !== null)).toBeGreaterThan(5);
    expect(new Set(u.snapshots.map((s) => s.source)).size).toBe(Object.values(TicketSource).length);
  });

  it('agrees on every system queue, for every kind of agent', async () => {
    const cases: Case[] = [];
    for (const [i, p] of u.agents.entries()) {
      for (const q of SYSTEM_QUEUES) {
        cases.push({ label: `agent ${i} ${q.key}`, predicate: q.predicate(p), now: u.now });
        cases.push({ label: `agent ${i} ${q.key} (with visibility)`, predicate: queueMembership(systemView(q), p), now: randomNow(u) });
      }
    }
    const { mismatches, nonTrivial } = await compare(u, cases);
    expect(mismatches.length, report(mismatches)).toBe(0);
    expect(nonTrivial).toBeGreaterThan(cases.length / 2);
  });

  it('agrees on visibility, for agents, end users, ticket-access tokens and anonymous callers', async () => {
    const principals = [...u.agents, ...u.endUsers];
    const cases = principals.map((p, i) => ({ label: `visibility ${i} (${p.kind})`, predicate: visibility(p), now: u.now }));
    const { mismatches, nonTrivial } = await compare(u, cases);
    expect(mismatches.length, report(mismatches)).toBe(0);
    expect(nonTrivial).toBeGreaterThan(principals.length / 2);
  });

  it('agrees on every criterion field with each operator it accepts', async () => {
    const fields = new Set(combos.map((c) => c.field));
    expect([...fields].sort()).toEqual(Object.values(QueueCriterionField).sort());
    const cases: Case[] = [];
    for (const { field, operator } of combos) {
      for (let i = 0; i < 6; i++) {
        const criteria = [{ field, operator, values: randomValues(u, field, operator) }];
        cases.push({ label: `${field} ${operator} ${JSON.stringify(criteria[0]!.values)}`, predicate: validCriteria(criteria), now: randomNow(u) });
      }
    }
    const { mismatches, nonTrivial } = await compare(u, cases);
    expect(mismatches.length, report(mismatches)).toBe(0);
    expect(nonTrivial).toBeGreaterThan(cases.length / 3);
  });

  it('agrees on custom queues: several criteria combined, with and without the viewer’s visibility', async () => {
    const cases: Case[] = [];
    for (let i = 0; i < 120; i++) {
      const criteria = Array.from({ length: rng.between(2, 5) }, () => randomCriterion(u, combos));
      const predicate = validCriteria(criteria);
      const view = new QueueView(i + 1, `random ${i}`, null, null, predicate, { field: TicketOrderField.CREATED_AT, direction: OrderDirection.DESC });
      const agent = rng.pick(u.agents);
      cases.push({ label: `criteria ${JSON.stringify(criteria)}`, predicate: i % 2 ? predicate : queueMembership(view, agent), now: randomNow(u) });
    }
    const { mismatches } = await compare(u, cases);
    expect(mismatches.length, report(mismatches)).toBe(0);
  });

  it('agrees on random AND/OR/NOT combinations of every kind of node', async () => {
    const cases: Case[] = [];
    for (let i = 0; i < 250; i++) cases.push({ label: `tree ${i}`, predicate: randomTree(u, combos, 4), now: randomNow(u) });
    const { mismatches, nonTrivial } = await compare(u, cases);
    expect(mismatches.length, report(mismatches)).toBe(0);
    expect(nonTrivial).toBeGreaterThan(cases.length / 4);
  });
}, 300_000); // ~550 mutations to build the data; slow when the machine is shared
