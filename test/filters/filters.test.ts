import { ref } from '@mikro-orm/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../src/common/global-id';
import { Attachment } from '../../src/modules/attachments/attachment.entity';
import { Agent } from '../../src/modules/directory/agent.entity';
import { Department } from '../../src/modules/directory/department.entity';
import { EndUser } from '../../src/modules/directory/end-user.entity';
import { TicketEvent, TicketEventKind } from '../../src/modules/events/ticket-event.entity';
import { TicketFilter, TicketFilterRejection } from '../../src/modules/filters/ticket-filter.entity';
import { SlaPlan } from '../../src/modules/sla/sla-plan.entity';
import { ThreadEntry } from '../../src/modules/threads/thread-entry.entity';
import { Collaborator } from '../../src/modules/tickets/collaborator.entity';
import { HelpTopic } from '../../src/modules/tickets/help-topic.entity';
import { IntakeKey } from '../../src/modules/tickets/intake-key.entity';
import { Priority } from '../../src/modules/tickets/priority.entity';
import { Ticket } from '../../src/modules/tickets/ticket.entity';
import {
  CreateAgentDocument,
  CreateDepartmentDocument,
  DeactivateEndUserDocument,
  DeleteDepartmentDocument,
  DeleteTicketFilterDocument,
  DryRunTicketFiltersDocument,
  FilteredOpenTicketDocument,
  FilteredUpdateTicketDocument,
  TicketFilterListDocument,
  TicketFilterRejectionListDocument,
  UpdateAgentDocument,
  UpdateTicketFilterDocument,
  type OpenTicketInput,
  type TestTicketFiltersInput,
} from '../__generated__/graphql';
import { createFilter, tryCreateFilter } from '../support/filters';
import { countRows, rowChanges } from '../support/rows';
import { foregroundSql, startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// Ticket filters (SPEC §4) through the real server: CRUD and its checks, every
// field and operator, order, override, stop-on-match, sources, each action,
// rejection, and the dry run agreeing with a real intake.
let t: TestServer;
let w: World;
let admin = '';
const ids: Record<string, string> = {};
const keyOf = (id: string) => Number(Buffer.from(id, 'base64url').toString('utf8').split(':')[1]);

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
  admin = w.agents.admin.token;
  // Help topics and SLA plans have no admin API yet: made in the database.
  const em = t.em();
  const billing = em.create(HelpTopic, { name: 'Billing' });
  const hardware = em.create(HelpTopic, {
    name: 'Hardware',
    department: ref(Department, keyOf(w.salesId)),
    priority: ref(Priority, keyOf(w.priorities.Emergency!)),
    assignAgent: ref(Agent, keyOf(w.agents.other.id)),
  });
  const retiredTopic = em.create(HelpTopic, { name: 'Retired topic', isActive: false });
  const fast = em.create(SlaPlan, { name: 'Fast', gracePeriodHours: 4 });
  const retired = em.create(SlaPlan, { name: 'Retired plan', gracePeriodHours: 1, isActive: false });
  await em.flush();
  ids.billing = toGlobalId('HelpTopic', billing.id);
  ids.hardware = toGlobalId('HelpTopic', hardware.id);
  ids.retiredTopic = toGlobalId('HelpTopic', retiredTopic.id);
  ids.fast = toGlobalId('SlaPlan', fast.id);
  ids.retired = toGlobalId('SlaPlan', retired.id);
});
afterAll(() => t?.close());

// Filters are global: every test starts without any.
afterEach(async () => {
  const list = await t.gql(TicketFilterListDocument, {}, { token: admin });
  for (const f of list.data?.ticketFilters ?? []) await t.gql(DeleteTicketFilterDocument, { input: { id: f.id } }, { token: admin });
});

/** An email intake: what `input` leaves out, filled in. */
const intake = (input: Partial<OpenTicketInput>): OpenTicketInput => ({ subject: 'Hello', body: 'Hi there', owner: { email: 'someone@customer.test' }, source: 'EMAIL', ...input });

/** Tries an intake (as the admin unless `token` says): its payload, userErrors and all. */
async function open(input: Partial<OpenTicketInput>, token: string | null = admin) {
  const res = await t.gql(FilteredOpenTicketDocument, { input: intake(input) }, { token });
  expect(res.errors).toBeUndefined();
  return res.data!.openTicket;
}

/** An intake that must open its ticket. */
const opened = (input: Partial<OpenTicketInput>, token: string | null = admin) => newTicket(t, token, intake(input), FilteredOpenTicketDocument);

async function dryRun(input: Partial<TestTicketFiltersInput>) {
  const res = await t.gql(
    DryRunTicketFiltersDocument,
    { input: { subject: 'Hello', body: 'Hi there', email: 'someone@customer.test', source: 'EMAIL', ...input } },
    { token: admin },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.testTicketFilters;
}

const applied = (ticket: { events?: { edges: { node: { kind: string; data?: unknown } }[] } | null }) =>
  ticket.events!.edges.filter((e) => e.node.kind === 'FILTER_APPLIED').map((e) => e.node.data as { filter: { id: string; name: string }; before: Record<string, unknown>; after: Record<string, unknown>; stoppedRun: boolean; skipped?: unknown[] });
const appliedNames = (ticket: Parameters<typeof applied>[0]) => applied(ticket).map((d) => d.filter.name);
/** For tickets whose opener may not read events. */
async function filtersAppliedTo(ticketId: string): Promise<string[]> {
  const events = await t.em().find(TicketEvent, { ticket: keyOf(ticketId), kind: TicketEventKind.FILTER_APPLIED }, { orderBy: { id: 'asc' } });
  return events.map((e) => (e.data as { filter: { name: string } }).filter.name);
}

describe('saving filters', () => {
  it('creates, lists in execution order, updates and deletes a filter', async () => {
    const later = await createFilter(t, admin, { name: 'Later', executionOrder: 20, rules: [{ field: 'EMAIL_DOMAIN', operator: 'EQUALS', value: 'vip.test' }], actions: { priorityId: w.priorities.High } });
    const first = await createFilter(t, admin, {
      name: 'First',
      executionOrder: 10,
      matchAll: false,
      stopOnMatch: true,
      sources: ['EMAIL', 'WEB', 'EMAIL'],
      rules: [
        { field: 'SUBJECT', operator: 'MATCHES', value: '^urgent\\b' },
        { field: 'BODY', operator: 'CONTAINS', value: 'asap' },
      ],
      actions: { departmentId: w.salesId, assignTeamId: w.teamId, addCollaborators: [{ email: 'Boss@Customer.test', name: 'The Boss' }] },
    });
    expect(first).toMatchObject({
      name: 'First',
      isActive: true,
      executionOrder: 10,
      matchAll: false,
      stopOnMatch: true,
      sources: ['EMAIL', 'WEB'],
      timeoutCount: 0,
      lastTimeoutAt: null,
      rules: [
        { field: 'SUBJECT', operator: 'MATCHES', value: '^urgent\\b' },
        { field: 'BODY', operator: 'CONTAINS', value: 'asap' },
      ],
      actions: { reject: false, department: { name: 'Sales' }, assignTeam: { name: 'Escalations' }, priority: null, addCollaborators: [{ email: 'boss@customer.test', name: 'The Boss' }] },
    });
    // defaults
    expect(later).toMatchObject({ isActive: true, matchAll: true, stopOnMatch: false, sources: [] });
    const list = await t.gql(TicketFilterListDocument, {}, { token: admin });
    expect(list.data?.ticketFilters.map((f) => f.name)).toEqual(['First', 'Later']);

    const upd = await t.gql(UpdateTicketFilterDocument, { input: { ticketFilterId: first.id, executionOrder: 30, isActive: false, actions: { priorityId: w.priorities.Low } } }, { token: admin });
    expect(upd.data?.updateTicketFilter.userErrors).toEqual([]);
    expect(upd.data?.updateTicketFilter.ticketFilter).toMatchObject({ executionOrder: 30, isActive: false, matchAll: false, actions: { department: null, priority: { name: 'Low' }, addCollaborators: [] } });
    expect((await t.gql(TicketFilterListDocument, {}, { token: admin })).data?.ticketFilters.map((f) => f.name)).toEqual(['Later', 'First']);

    const del = await t.gql(DeleteTicketFilterDocument, { input: { id: first.id } }, { token: admin });
    expect(del.data?.deleteTicketFilter).toEqual({ deletedId: first.id, userErrors: [] });
    expect((await t.gql(TicketFilterListDocument, {}, { token: admin })).data?.ticketFilters.map((f) => f.name)).toEqual(['Later']);
    const again = await t.gql(DeleteTicketFilterDocument, { input: { id: first.id } }, { token: admin });
    expect(again.data?.deleteTicketFilter.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND', message: 'TicketFilter not found' }]);
  });

  it('lists many filters and the objects their actions name in a few statements', async () => {
    for (let i = 0; i < 12; i++) {
      await createFilter(t, admin, {
        name: `Listed ${i}`,
        executionOrder: i,
        actions: { departmentId: i % 2 ? w.salesId : w.supportId, priorityId: w.priorities.High, assignTeamId: w.teamId, assignAgentId: w.agents.full.id, statusId: w.statuses.Open, helpTopicId: ids.billing, slaPlanId: ids.fast },
      });
    }
    let list: Awaited<ReturnType<typeof t.gql<{ ticketFilters: unknown[] }, unknown>>> | null = null;
    const sql = await t.sqlDuring(async () => (list = await t.gql(TicketFilterListDocument, {}, { token: admin })));
    expect(list!.data?.ticketFilters).toHaveLength(12);
    // the token, the filters, then one per kind of object named (what runs in the background meanwhile left out)
    expect(foregroundSql(sql).length).toBeLessThanOrEqual(10);
  });

  it('refuses an invalid regex at save, naming the rule', async () => {
    const res = await tryCreateFilter(t, admin, {
      name: 'Broken',
      rules: [
        { field: 'SUBJECT', operator: 'CONTAINS', value: 'ok' },
        { field: 'BODY', operator: 'MATCHES', value: '(unclosed' },
        { field: 'NAME', operator: 'NOT_MATCHES', value: '[z-a]' },
      ],
    });
    expect(res).toEqual({
      ticketFilter: null,
      userErrors: [
        { field: ['rules', '1', 'value'], code: 'BAD_USER_INPUT', message: 'Not a valid regular expression: /(unclosed/i: Unterminated group' },
        { field: ['rules', '2', 'value'], code: 'BAD_USER_INPUT', message: 'Not a valid regular expression: /[z-a]/i: Range out of order in character class' },
      ],
    });
    // and on update
    const ok = await createFilter(t, admin, { name: 'Fine' });
    const upd = await t.gql(UpdateTicketFilterDocument, { input: { ticketFilterId: ok.id, rules: [{ field: 'SUBJECT', operator: 'MATCHES', value: 'a{2,1}' }] } }, { token: admin });
    expect(upd.data?.updateTicketFilter.userErrors).toEqual([{ field: ['rules', '0', 'value'], code: 'BAD_USER_INPUT', message: 'Not a valid regular expression: /a{2,1}/i: numbers out of order in {} quantifier' }]);
    expect(await t.em().count(TicketFilter, { name: 'Broken' })).toBe(0);
    expect((await t.em().findOneOrFail(TicketFilter, keyOf(ok.id))).rules).toEqual([{ field: 'SUBJECT', operator: 'CONTAINS', value: 'x' }]);
  });

  it('gives a clear error at save for an action naming a deleted department', async () => {
    const temp = await t.gql(CreateDepartmentDocument, { input: { name: 'Temporary' } }, { token: admin });
    const tempId = temp.data!.createDepartment.department!.id;
    expect((await t.gql(DeleteDepartmentDocument, { input: { id: tempId } }, { token: admin })).data?.deleteDepartment.userErrors).toEqual([]);
    const res = await tryCreateFilter(t, admin, { name: 'To nowhere', actions: { departmentId: tempId } });
    expect(res).toEqual({ ticketFilter: null, userErrors: [{ field: ['actions', 'departmentId'], code: 'NOT_FOUND', message: 'Department not found' }] });
    expect(await t.em().count(TicketFilter, {})).toBe(0);
  });

  it('checks every other action and rule value at save, reporting all problems at once', async () => {
    const inactive = await t.gql(
      CreateAgentDocument,
      { input: { name: 'Ivy Inactive', email: 'ivy@desk.test', password: 'ivy-password-123', primaryDepartmentId: w.supportId, roleId: w.roles['All Access']! } },
      { token: admin },
    );
    const ivy = inactive.data!.createAgent.agent!.id;
    expect((await t.gql(UpdateAgentDocument, { input: { agentId: ivy, isActive: false } }, { token: admin })).data?.updateAgent.userErrors).toEqual([]);
    const res = await tryCreateFilter(t, admin, {
      name: ' ',
      executionOrder: 5_000_000,
      rules: [
        { field: 'SOURCE', operator: 'EQUALS', value: 'fax' },
        { field: 'DEPARTMENT', operator: 'EQUALS', value: w.priorities.High! },
        { field: 'HELP_TOPIC', operator: 'NOT_EQUALS', value: toGlobalId('HelpTopic', 999_999) },
        { field: 'SUBJECT', operator: 'EQUALS', value: '   ' },
        { field: 'BODY', operator: 'CONTAINS', value: 'x'.repeat(1001) },
      ],
      actions: {
        statusId: w.statuses.Deleted,
        slaPlanId: ids.retired,
        helpTopicId: ids.retiredTopic,
        assignAgentId: ivy,
        assignTeamId: w.supportId,
        priorityId: 'not-an-id',
        autoReplyCannedResponseId: toGlobalId('CannedResponse', 1),
        addCollaborators: [{ email: 'not an email' }],
      },
    });
    expect(res.ticketFilter).toBeNull();
    expect(res.userErrors).toEqual([
      { field: ['name'], code: 'BAD_USER_INPUT', message: 'name must not be empty' },
      { field: ['executionOrder'], code: 'BAD_USER_INPUT', message: 'executionOrder must be between -1000000 and 1000000' },
      { field: ['rules', '0', 'value'], code: 'BAD_USER_INPUT', message: 'A source is one of WEB, EMAIL, PHONE, API, OTHER' },
      { field: ['rules', '1', 'value'], code: 'BAD_USER_INPUT', message: 'The value is the id of a Priority, not of a Department' },
      { field: ['rules', '2', 'value'], code: 'NOT_FOUND', message: 'HelpTopic not found' },
      { field: ['rules', '3', 'value'], code: 'BAD_USER_INPUT', message: 'The value must not be empty' },
      { field: ['rules', '4', 'value'], code: 'BAD_USER_INPUT', message: 'The value must be at most 1000 characters' },
      { field: ['actions', 'autoReplyCannedResponseId'], code: 'NOT_FOUND', message: 'CannedResponse not found' },
      { field: ['actions', 'priorityId'], code: 'NOT_FOUND', message: 'Priority not found' },
      { field: ['actions', 'slaPlanId'], code: 'BAD_USER_INPUT', message: 'The SLA plan is inactive' },
      { field: ['actions', 'statusId'], code: 'BAD_USER_INPUT', message: 'A new ticket may only get an open or closed status' },
      { field: ['actions', 'helpTopicId'], code: 'BAD_USER_INPUT', message: 'The help topic is inactive' },
      { field: ['actions', 'assignAgentId'], code: 'BAD_USER_INPUT', message: 'The agent is inactive and cannot be assigned' },
      { field: ['actions', 'assignTeamId'], code: 'NOT_FOUND', message: 'Team not found' },
      { field: ['actions', 'addCollaborators', '0', 'email'], code: 'BAD_USER_INPUT', message: 'actions.addCollaborators.0.email must be a valid email address' },
    ]);
    expect((await tryCreateFilter(t, admin, { name: 'No rules', rules: [] })).userErrors).toEqual([{ field: ['rules'], code: 'BAD_USER_INPUT', message: 'A filter needs at least one rule' }]);
    expect((await tryCreateFilter(t, admin, { name: 'Reject and route', actions: { reject: true, departmentId: w.salesId } })).userErrors).toEqual([
      { field: ['actions', 'reject'], code: 'BAD_USER_INPUT', message: 'A filter that rejects the ticket can have no other action' },
    ]);
    await createFilter(t, admin, { name: 'Taken' });
    expect((await tryCreateFilter(t, admin, { name: 'Taken' })).userErrors).toEqual([{ field: ['name'], code: 'BAD_USER_INPUT', message: 'name is already taken' }]);
    expect(await t.em().count(TicketFilter, {})).toBe(1);
  });

  it('refuses non-admins (FORBIDDEN userError, nothing written) and hides the queries', async () => {
    const mine = await createFilter(t, admin, { name: 'Admin made' });
    const stored = async () => {
      const f = await t.em().findOneOrFail(TicketFilter, keyOf(mine.id));
      return { name: f.name, isActive: f.isActive, updatedAt: f.updatedAt };
    };
    const before = await stored();
    const forbidden = { field: null, code: 'FORBIDDEN', message: 'Only administrators may do this' };
    for (const token of [w.agents.full.token, w.users.owner.token]) {
      expect(await tryCreateFilter(t, token, { name: 'Sneaky' })).toEqual({ ticketFilter: null, userErrors: [forbidden] });
      const upd = await t.gql(UpdateTicketFilterDocument, { input: { ticketFilterId: mine.id, name: 'Renamed', isActive: false } }, { token });
      expect(upd.data?.updateTicketFilter).toEqual({ ticketFilter: null, userErrors: [forbidden] });
      const del = await t.gql(DeleteTicketFilterDocument, { input: { id: mine.id } }, { token });
      expect(del.data?.deleteTicketFilter).toEqual({ deletedId: null, userErrors: [forbidden] });
      for (const doc of [TicketFilterListDocument, TicketFilterRejectionListDocument] as const) {
        const res = await t.gql(doc, {}, { token });
        expect(res.data).toBeNull();
        expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      }
      const dry = await t.gql(DryRunTicketFiltersDocument, { input: { subject: 'x', body: 'x', email: 'a@b.test' } }, { token });
      expect(dry.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
    const anon = await t.gql(TicketFilterListDocument, {}, { token: null });
    expect(anon.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    // the node interface hides filters from non-admins too
    const node = await t.gql<{ node: { id: string } | null }, unknown>('query($id: ID!) { node(id: $id) { id } }', { id: mine.id }, { token: w.agents.full.token });
    expect(node.data?.node).toBeNull();
    expect((await t.gql<{ node: { id: string } | null }, unknown>('query($id: ID!) { node(id: $id) { id } }', { id: mine.id }, { token: admin })).data?.node?.id).toBe(mine.id);
    expect(await t.em().count(TicketFilter, {})).toBe(1);
    expect(await stored()).toEqual(before);
  });
});

describe('matching', () => {
  // Two drafts; each rule is expected to match one of them (or both/neither).
  const A = {
    subject: 'Invoice 42 overdue',
    body: '<p>Please <b>refund</b> my order</p>',
    email: 'Pat.Payer@Billing.Example.com',
    name: 'Pat Payer',
    source: 'EMAIL' as const,
  };
  const B = { subject: 'Hello there', body: 'Just saying hi', email: 'sam@home.test', name: 'Sam Smith', source: 'PHONE' as const };
  type Case = { field: string; operator: string; value: string; a: boolean; b: boolean };

  // For each field: an exact value of A (in other case), a middle, a start and an end of A's text.
  function grid(field: string, eq: string, mid: string, start: string, end: string): Case[] {
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return [
      { field, operator: 'EQUALS', value: eq, a: true, b: false },
      { field, operator: 'NOT_EQUALS', value: eq, a: false, b: true },
      { field, operator: 'CONTAINS', value: mid, a: true, b: false },
      { field, operator: 'NOT_CONTAINS', value: mid, a: false, b: true },
      { field, operator: 'STARTS_WITH', value: start, a: true, b: false },
      { field, operator: 'ENDS_WITH', value: end, a: true, b: false },
      { field, operator: 'MATCHES', value: `^${esc(start)}.*${esc(end)}$`, a: true, b: false },
      { field, operator: 'NOT_MATCHES', value: esc(mid), a: false, b: true },
    ];
  }
  let cases: Case[] = [];
  const nameOf = (c: Case, i: number) => `${i} ${c.field} ${c.operator}`;

  beforeAll(() => {
    cases = [
      ...grid('SUBJECT', 'INVOICE 42 OVERDUE', '42 OVER', 'invoice', 'DUE'),
      ...grid('BODY', 'please refund my order', 'REFUND MY', 'PLEASE', 'order'),
      ...grid('EMAIL', 'pat.payer@billing.example.com', 'PAYER@', 'PAT.', '.EXAMPLE.COM'),
      ...grid('NAME', 'PAT PAYER', 't pa', 'pat', 'YER'),
      ...grid('EMAIL_DOMAIN', 'BILLING.example.com', 'ING.EXA', 'billing', 'example.com'),
      ...grid('SOURCE', 'email', 'MAI', 'em', 'IL'),
      ...grid('HELP_TOPIC', 'billing', 'ILLI', 'bill', 'ING'),
      ...grid('PRIORITY', 'HIGH', 'IG', 'hi', 'gh'),
      ...grid('DEPARTMENT', 'SALES', 'ALE', 'sa', 'les'),
      // named objects by id; and "none chosen" is the empty name
      { field: 'HELP_TOPIC', operator: 'EQUALS', value: ids.billing!, a: true, b: false },
      { field: 'PRIORITY', operator: 'NOT_EQUALS', value: w.priorities.High!, a: false, b: true },
      { field: 'DEPARTMENT', operator: 'EQUALS', value: w.salesId, a: true, b: false },
      { field: 'DEPARTMENT', operator: 'MATCHES', value: '^$', a: false, b: true },
      // B's own values, so every rule does not just favour A
      { field: 'SOURCE', operator: 'EQUALS', value: 'PHONE', a: false, b: true },
      { field: 'NAME', operator: 'STARTS_WITH', value: 'SAM ', a: false, b: true },
      { field: 'EMAIL_DOMAIN', operator: 'ENDS_WITH', value: '.TEST', a: false, b: true },
      { field: 'BODY', operator: 'MATCHES', value: 'saying\\s+HI$', a: false, b: true },
    ];
  });

  it('applies every operator to every field, ignoring case, the same in a dry run and at intake', async () => {
    for (const [i, c] of cases.entries()) {
      await createFilter(t, admin, { name: nameOf(c, i), executionOrder: i, rules: [{ field: c.field as never, operator: c.operator as never, value: c.value }], actions: {} });
    }
    const expected = (side: 'a' | 'b') => cases.flatMap((c, i) => (c[side] ? [nameOf(c, i)] : []));
    const draftA = { ...A, helpTopicId: ids.billing, priorityId: w.priorities.High, departmentId: w.salesId };
    const dryA = await dryRun(draftA);
    const dryB = await dryRun(B);
    expect(dryA.filters.map((f) => f.filter.name)).toEqual(expected('a'));
    expect(dryB.filters.map((f) => f.filter.name)).toEqual(expected('b'));
    expect(dryA.filters.every((f) => f.matched && !f.timedOut && !f.stoppedRun)).toBe(true);

    const { email: emailA, name: nameA, ...restA } = draftA;
    const ticketA = await opened({ ...restA, owner: { email: emailA, name: nameA } });
    const { email: emailB, name: nameB, ...restB } = B;
    const ticketB = await opened({ ...restB, owner: { email: emailB, name: nameB } });
    // (more events than one page of them: read from the database)
    expect(await filtersAppliedTo(ticketA.id)).toEqual(expected('a'));
    expect(await filtersAppliedTo(ticketB.id)).toEqual(expected('b'));
    // nine fields, eight operators
    expect(new Set(cases.map((c) => c.field)).size).toBe(9);
    expect(new Set(cases.map((c) => c.operator)).size).toBe(8);
  });

  it('matches all rules or any one of them', async () => {
    const rules = [
      { field: 'SUBJECT' as const, operator: 'CONTAINS' as const, value: 'invoice' },
      { field: 'EMAIL_DOMAIN' as const, operator: 'EQUALS' as const, value: 'vip.test' },
    ];
    await createFilter(t, admin, { name: 'All', matchAll: true, rules });
    await createFilter(t, admin, { name: 'Any', matchAll: false, rules });
    expect((await dryRun({ subject: 'Invoice 1', email: 'x@vip.test' })).filters.map((f) => f.filter.name)).toEqual(['All', 'Any']);
    expect((await dryRun({ subject: 'Invoice 1', email: 'x@other.test' })).filters.map((f) => f.filter.name)).toEqual(['Any']);
    expect((await dryRun({ subject: 'Hello', email: 'x@vip.test' })).filters.map((f) => f.filter.name)).toEqual(['Any']);
    expect((await dryRun({ subject: 'Hello', email: 'x@other.test' })).filters).toEqual([]);
  });

  it("uses an existing end user's stored name, as intake does", async () => {
    await createFilter(t, admin, { name: 'Owen', rules: [{ field: 'NAME', operator: 'EQUALS', value: 'owen owner' }] });
    expect((await dryRun({ email: w.users.owner.email, name: 'Somebody Else' })).filters.map((f) => f.filter.name)).toEqual(['Owen']);
    const ticket = await opened({ owner: { email: w.users.owner.email, name: 'Somebody Else' } });
    expect(appliedNames(ticket)).toEqual(['Owen']);
    // a logged-in end user: their own name
    const own = await newTicket(t, w.users.owner.token, { subject: 'Mine' });
    expect(await filtersAppliedTo(own.id)).toEqual(['Owen']);
  });

  it('applies a filter only to the sources it lists (none listed: all)', async () => {
    const rule = [{ field: 'SUBJECT' as const, operator: 'CONTAINS' as const, value: 'order' }];
    await createFilter(t, admin, { name: 'Email only', sources: ['EMAIL'], rules: rule, actions: { priorityId: w.priorities.High } });
    await createFilter(t, admin, { name: 'Phone or API', sources: ['PHONE', 'API'], rules: rule, actions: { assignTeamId: w.teamId } });
    await createFilter(t, admin, { name: 'Everywhere', rules: rule });
    const email = await opened({ subject: 'My order', source: 'EMAIL' });
    expect(appliedNames(email)).toEqual(['Email only', 'Everywhere']);
    expect(email).toMatchObject({ priority: { name: 'High' }, team: null });
    const phone = await opened({ subject: 'My order', source: 'PHONE' });
    expect(appliedNames(phone)).toEqual(['Phone or API', 'Everywhere']);
    expect(phone).toMatchObject({ priority: { name: 'Normal' }, team: { name: 'Escalations' } });
    const web = await newTicket(t, null, { subject: 'My order', owner: { email: 'webby@customer.test' } });
    expect(web.source).toBe('WEB');
    expect(await filtersAppliedTo(web.id)).toEqual(['Everywhere']);
  });

  it('ignores inactive filters', async () => {
    const f = await createFilter(t, admin, { name: 'Sleeper', isActive: false, rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'wake' }], actions: { priorityId: w.priorities.Emergency } });
    const asleep = await opened({ subject: 'wake up' });
    expect(appliedNames(asleep)).toEqual([]);
    expect(asleep.priority.name).toBe('Normal');
    expect((await dryRun({ subject: 'wake up' })).filters).toEqual([]);
    await t.gql(UpdateTicketFilterDocument, { input: { ticketFilterId: f.id, isActive: true } }, { token: admin });
    const awake = await opened({ subject: 'wake up' });
    expect(appliedNames(awake)).toEqual(['Sleeper']);
    expect(awake.priority.name).toBe('Emergency');
  });
});

describe('running in order', () => {
  it('runs filters in execution order (ties in creation order); a later action overrides an earlier one', async () => {
    const rule = [{ field: 'SUBJECT' as const, operator: 'CONTAINS' as const, value: 'printer' }];
    await createFilter(t, admin, { name: 'Third', executionOrder: 5, rules: rule, actions: { priorityId: w.priorities.Low, assignAgentId: w.agents.full.id } });
    await createFilter(t, admin, { name: 'First', executionOrder: 1, rules: rule, actions: { departmentId: w.salesId, priorityId: w.priorities.High } });
    await createFilter(t, admin, { name: 'Second', executionOrder: 1, rules: rule, actions: { priorityId: w.priorities.Emergency, addCollaborators: [{ email: 'a@customer.test' }] } });
    await createFilter(t, admin, { name: 'Fourth', executionOrder: 9, rules: rule, actions: { addCollaborators: [{ email: 'b@customer.test' }, { email: 'a@customer.test' }] } });
    const ticket = await opened({ subject: 'Printer jam' });
    expect(appliedNames(ticket)).toEqual(['First', 'Second', 'Third', 'Fourth']);
    expect(ticket).toMatchObject({ department: { name: 'Sales' }, priority: { name: 'Low' }, assignee: { name: 'Fiona Full' } });
    expect(ticket.collaborators.map((c) => [c.user.email, c.role])).toEqual([
      ['a@customer.test', 'CC'],
      ['b@customer.test', 'CC'],
    ]);
    // each event says what its filter changed, from what
    const [high, emergency, low] = ['High', 'Emergency', 'Low'].map((n) => keyOf(w.priorities[n]!));
    expect(applied(ticket).map((d) => [d.before, d.after])).toEqual([
      [{ departmentId: null, priorityId: null }, { departmentId: keyOf(w.salesId), priorityId: high }],
      [{ priorityId: high, collaborators: [] }, { priorityId: emergency, collaborators: ['a@customer.test'] }],
      [{ priorityId: emergency, assigneeId: null }, { priorityId: low, assigneeId: keyOf(w.agents.full.id) }],
      [{ collaborators: ['a@customer.test'] }, { collaborators: ['a@customer.test', 'b@customer.test'] }],
    ]);
    // filters act as the system; the events come right after CREATED
    const kinds = ticket.events!.edges.map((e) => [e.node.kind, e.node.actor?.name ?? null]);
    expect(kinds).toEqual([
      ['CREATED', 'Administrator'],
      ['FILTER_APPLIED', null],
      ['FILTER_APPLIED', null],
      ['FILTER_APPLIED', null],
      ['FILTER_APPLIED', null],
      ['COLLABORATOR_ADDED', null],
    ]);
  });

  it('stops the run at a stop-on-match filter', async () => {
    const rule = [{ field: 'SUBJECT' as const, operator: 'CONTAINS' as const, value: 'server' }];
    await createFilter(t, admin, { name: 'Route', executionOrder: 1, rules: rule, actions: { departmentId: w.salesId } });
    await createFilter(t, admin, { name: 'Stopper', executionOrder: 2, stopOnMatch: true, rules: rule, actions: { priorityId: w.priorities.High } });
    await createFilter(t, admin, { name: 'Never', executionOrder: 3, rules: rule, actions: { priorityId: w.priorities.Low } });
    // a stop-on-match filter that does not match stops nothing
    await createFilter(t, admin, { name: 'Unmatched stopper', executionOrder: 0, stopOnMatch: true, rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'nope' }] });
    const ticket = await opened({ subject: 'Server down' });
    expect(appliedNames(ticket)).toEqual(['Route', 'Stopper']);
    expect(applied(ticket).map((d) => d.stoppedRun)).toEqual([false, true]);
    expect(ticket).toMatchObject({ department: { name: 'Sales' }, priority: { name: 'High' } });
    const dry = await dryRun({ subject: 'Server down' });
    expect(dry.filters.map((f) => [f.filter.name, f.matched, f.stoppedRun, f.timedOut])).toEqual([
      ['Route', true, false, false],
      ['Stopper', true, true, false],
    ]);
  });
});

describe('actions', () => {
  it('sets department, priority, SLA plan, help topic, agent, team and collaborators; defaults fill the rest', async () => {
    await createFilter(t, admin, {
      name: 'Everything',
      rules: [{ field: 'EMAIL_DOMAIN', operator: 'EQUALS', value: 'bigcorp.test' }],
      actions: {
        departmentId: w.salesId,
        priorityId: w.priorities.Emergency,
        slaPlanId: ids.fast,
        helpTopicId: ids.billing,
        assignAgentId: w.agents.other.id,
        assignTeamId: w.teamId,
        addCollaborators: [{ email: 'cfo@bigcorp.test', name: 'The CFO' }, { email: 'ceo@bigcorp.test' }],
      },
    });
    const ticket = await opened({ owner: { email: 'ceo@bigcorp.test', name: 'Chief' }, subject: 'Contract' });
    expect(ticket).toMatchObject({
      department: { name: 'Sales' },
      priority: { name: 'Emergency' },
      slaPlan: { name: 'Fast' },
      helpTopic: { name: 'Billing' },
      status: { name: 'Open' },
      state: 'OPEN',
      assignee: { name: 'Olga Other' },
      team: { name: 'Escalations' },
    });
    // the owner is never their own collaborator
    expect(ticket.collaborators.map((c) => [c.user.email, c.user.name, c.role, c.isActive])).toEqual([['cfo@bigcorp.test', 'The CFO', 'CC', true]]);
    const data = applied(ticket)[0]!;
    expect(data.after).toEqual({
      departmentId: keyOf(w.salesId),
      priorityId: keyOf(w.priorities.Emergency!),
      slaPlanId: keyOf(ids.fast!),
      helpTopicId: keyOf(ids.billing!),
      assigneeId: keyOf(w.agents.other.id),
      teamId: keyOf(w.teamId),
      collaborators: ['cfo@bigcorp.test', 'ceo@bigcorp.test'],
    });
  });

  it('sets a closed status at intake', async () => {
    await createFilter(t, admin, { name: 'Auto-resolve', rules: [{ field: 'SUBJECT', operator: 'STARTS_WITH', value: 'out of office' }], actions: { statusId: w.statuses.Resolved } });
    const ticket = await opened({ subject: 'Out of office: back Monday' });
    expect(ticket).toMatchObject({ status: { name: 'Resolved' }, state: 'CLOSED' });
    expect(ticket.closedAt).not.toBeNull();
  });

  it("lets a filter's help topic bring its defaults, which fill only what is still unset", async () => {
    await createFilter(t, admin, { name: 'To hardware', rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'laptop' }], actions: { helpTopicId: ids.hardware } });
    const plain = await opened({ subject: 'Laptop broken' });
    expect(plain).toMatchObject({ helpTopic: { name: 'Hardware' }, department: { name: 'Sales' }, priority: { name: 'Emergency' }, assignee: { name: 'Olga Other' } });
    await createFilter(t, admin, { name: 'But Support, team', executionOrder: 5, rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'laptop' }], actions: { departmentId: w.supportId, assignTeamId: w.teamId } });
    const routed = await opened({ subject: 'Laptop broken' });
    // the filter's department wins over the topic's; a filter's assignment replaces the topic's auto-assignment
    expect(routed).toMatchObject({ helpTopic: { name: 'Hardware' }, department: { name: 'Support' }, priority: { name: 'Emergency' }, assignee: null, team: { name: 'Escalations' } });
  });

  it('skips, and reports in the event, an action whose object was deleted after the filter was saved', async () => {
    const temp = await t.gql(CreateDepartmentDocument, { input: { name: 'Short-lived' } }, { token: admin });
    const tempId = temp.data!.createDepartment.department!.id;
    const f = await createFilter(t, admin, { name: 'Stale', rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'stale' }], actions: { departmentId: tempId, priorityId: w.priorities.High } });
    expect((await t.gql(DeleteDepartmentDocument, { input: { id: tempId } }, { token: admin })).data?.deleteDepartment.userErrors).toEqual([]);
    const list = await t.gql(TicketFilterListDocument, {}, { token: admin });
    expect(list.data?.ticketFilters.find((x) => x.id === f.id)?.actions).toMatchObject({ department: null, priority: { name: 'High' } });
    const ticket = await opened({ subject: 'stale routing' });
    expect(ticket).toMatchObject({ department: { name: 'Support' }, priority: { name: 'High' } });
    expect(applied(ticket)[0]).toMatchObject({ skipped: [{ action: 'departmentId', reason: 'The department no longer exists' }], after: { priorityId: keyOf(w.priorities.High!) } });
  });
});

describe('reject', () => {
  const counts = () =>
    countRows(t, { tickets: Ticket, users: EndUser, entries: ThreadEntry, events: TicketEvent, keys: IntakeKey, collaborators: Collaborator, attachments: Attachment, rejections: TicketFilterRejection });

  it('creates nothing but a rejection log entry, and answers REJECTED', async () => {
    await createFilter(t, admin, { name: 'Routes spam', executionOrder: 1, rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'casino' }], actions: { departmentId: w.salesId } });
    const spam = await createFilter(t, admin, { name: 'Spam', executionOrder: 2, rules: [{ field: 'SUBJECT', operator: 'MATCHES', value: 'c[a4]sino' }], actions: { reject: true } });
    await createFilter(t, admin, { name: 'After spam', executionOrder: 3, rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'casino' }], actions: { priorityId: w.priorities.High } });
    const before = await counts();
    const res = await open({ subject: 'Best CASINO bonus', owner: { email: 'spammer@spam.test', name: 'Spammy' }, collaborators: [{ email: 'victim@customer.test' }], idempotencyKey: 'spam-1' });
    expect(res).toEqual({ ticket: null, accessToken: null, userErrors: [{ field: null, code: 'REJECTED', message: 'The help desk did not accept this ticket' }] });
    // anonymous callers get the same answer and no access token
    const anon = await open({ subject: 'c4sino', owner: { email: 'anon-spam@spam.test' }, source: null }, null);
    expect(anon).toEqual({ ticket: null, accessToken: null, userErrors: [{ field: null, code: 'REJECTED', message: 'The help desk did not accept this ticket' }] });
    expect(rowChanges(before, await counts())).toEqual({ rejections: 2 });
    expect(await t.em().count(EndUser, { email: { $in: ['spammer@spam.test', 'victim@customer.test', 'anon-spam@spam.test'] } })).toBe(0);

    const log = await t.gql(TicketFilterRejectionListDocument, { first: 10 }, { token: admin });
    expect(log.data?.ticketFilterRejections.totalCount).toBe(2);
    expect(log.data?.ticketFilterRejections.edges.map((e) => e.node)).toMatchObject([
      { filterName: 'Spam', subject: 'c4sino', email: 'anon-spam@spam.test', name: 'anon-spam', source: 'WEB', filter: { id: spam.id, name: 'Spam' } },
      { filterName: 'Spam', subject: 'Best CASINO bonus', email: 'spammer@spam.test', name: 'Spammy', source: 'EMAIL', filter: { id: spam.id, name: 'Spam' } },
    ]);
    const page1 = await t.gql(TicketFilterRejectionListDocument, { first: 1 }, { token: admin });
    const page2 = await t.gql(TicketFilterRejectionListDocument, { first: 1, after: page1.data!.ticketFilterRejections.pageInfo.endCursor }, { token: admin });
    expect(page2.data?.ticketFilterRejections.edges.map((e) => e.node.subject)).toEqual(['Best CASINO bonus']);
    expect(page2.data?.ticketFilterRejections.pageInfo.hasNextPage).toBe(false);

    // the dry run says the same and writes nothing
    const dry = await dryRun({ subject: 'Best CASINO bonus', email: 'spammer@spam.test' });
    expect(dry).toMatchObject({ rejected: true, department: null, priority: null, status: null, collaborators: [] });
    expect(dry.filters.map((f) => [f.filter.name, f.matched, f.stoppedRun, f.effect])).toEqual([
      ['Routes spam', true, false, null],
      ['Spam', true, true, null],
    ]);
    expect(rowChanges(before, await counts())).toEqual({ rejections: 2 });

    // the log outlives the filter
    await t.gql(DeleteTicketFilterDocument, { input: { id: spam.id } }, { token: admin });
    const after = await t.gql(TicketFilterRejectionListDocument, {}, { token: admin });
    expect(after.data?.ticketFilterRejections.edges.map((e) => [e.node.filterName, e.node.filter])).toEqual([
      ['Spam', null],
      ['Spam', null],
    ]);
    expect((await opened({ subject: 'Best CASINO bonus', owner: { email: 'spammer@spam.test' } })).priority.name).toBe('High');
  });

  it('still returns the first ticket for a repeated idempotency key, even if a filter would now reject it', async () => {
    const first = await opened({ subject: 'Lottery win', idempotencyKey: 'lottery-1' });
    await createFilter(t, admin, { name: 'No lotteries', rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'lottery' }], actions: { reject: true } });
    const again = await opened({ subject: 'Lottery win', idempotencyKey: 'lottery-1' });
    expect(again.id).toBe(first.id);
    expect((await open({ subject: 'Lottery win', idempotencyKey: 'lottery-2' })).userErrors.map((e) => e.code)).toEqual(['REJECTED']);
  });

  it('checks the input before the filters run', async () => {
    await createFilter(t, admin, { name: 'Reject all', rules: [{ field: 'SUBJECT', operator: 'MATCHES', value: '.' }], actions: { reject: true } });
    const res = await open({ subject: 'x', helpTopicId: ids.retiredTopic });
    expect(res.userErrors).toEqual([{ field: ['helpTopicId'], code: 'NOT_FOUND', message: 'HelpTopic not found' }]);
    expect(await t.em().count(TicketFilterRejection, { subject: 'x' })).toBe(0);
  });

  it('refuses an inactive owner before any filter rejects, and without filters alike: nothing written', async () => {
    const first = await opened({ subject: 'before leaving', owner: { email: 'leaver@customer.test' } });
    const off = await t.gql(DeactivateEndUserDocument, { input: { endUserId: first.owner.id, isActive: false } }, { token: admin });
    expect(off.data?.updateEndUser).toEqual({ endUser: { id: first.owner.id, isActive: false }, userErrors: [] });
    const refused = [{ field: ['owner'], code: 'FORBIDDEN', message: 'The owner account is inactive' }];
    const before = await counts();
    // no filter: the owner is read in the intake's transaction only
    expect((await open({ subject: 'no filters', owner: { email: 'leaver@customer.test' } })).userErrors).toEqual(refused);
    // a filter that would reject: the owner is read for the filter's facts, and refused first
    await createFilter(t, admin, { name: 'Reject all', rules: [{ field: 'SUBJECT', operator: 'MATCHES', value: '.' }], actions: { reject: true } });
    expect((await open({ subject: 'with a filter', owner: { email: 'leaver@customer.test' } })).userErrors).toEqual(refused);
    expect(rowChanges(before, await counts())).toEqual({});
  });
});

describe('new tickets only', () => {
  it('re-runs nothing when a ticket is edited later', async () => {
    await createFilter(t, admin, { name: 'Urgent', rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'urgent' }], actions: { priorityId: w.priorities.High } });
    const ticket = await opened({ subject: 'Quiet question' });
    expect(appliedNames(ticket)).toEqual([]);
    await createFilter(t, admin, { name: 'Anything', rules: [{ field: 'SUBJECT', operator: 'MATCHES', value: '.' }], actions: { departmentId: w.salesId, assignTeamId: w.teamId } });
    const edit = await t.gql(FilteredUpdateTicketDocument, { input: { ticketId: ticket.id, subject: 'Now URGENT', priorityId: w.priorities.Low } }, { token: admin });
    expect(edit.data?.updateTicket.userErrors).toEqual([]);
    expect(edit.data?.updateTicket.ticket?.events?.edges.map((e) => e.node.kind)).toEqual(['CREATED', 'EDITED']);
    const stored = await t.em().findOneOrFail(Ticket, keyOf(ticket.id));
    expect([stored.priority.id, stored.department.id, stored.team]).toEqual([keyOf(w.priorities.Low!), keyOf(w.supportId), null]);
  });
});

describe('the dry run', () => {
  it('agrees with a real intake', async () => {
    await createFilter(t, admin, { name: 'VIP', executionOrder: 1, rules: [{ field: 'EMAIL_DOMAIN', operator: 'ENDS_WITH', value: 'vip.test' }], actions: { priorityId: w.priorities.High, slaPlanId: ids.fast, addCollaborators: [{ email: 'account-manager@desk.test', name: 'AM' }] } });
    await createFilter(t, admin, { name: 'Hardware words', executionOrder: 2, matchAll: false, rules: [{ field: 'BODY', operator: 'MATCHES', value: '\\b(laptop|monitor)s?\\b' }, { field: 'SUBJECT', operator: 'CONTAINS', value: 'screen' }], actions: { helpTopicId: ids.hardware } });
    await createFilter(t, admin, { name: 'Phone stop', executionOrder: 3, sources: ['PHONE'], stopOnMatch: true, rules: [{ field: 'SOURCE', operator: 'EQUALS', value: 'phone' }], actions: { assignAgentId: w.agents.full.id } });
    await createFilter(t, admin, { name: 'Billing team', executionOrder: 4, rules: [{ field: 'HELP_TOPIC', operator: 'EQUALS', value: 'Billing' }], actions: { assignTeamId: w.teamId, statusId: w.statuses.Resolved } });
    await createFilter(t, admin, { name: 'Spam', executionOrder: 5, rules: [{ field: 'NAME', operator: 'MATCHES', value: '^spam' }], actions: { reject: true } });

    const drafts: { subject: string; body: string; email: string; name?: string; source: 'EMAIL' | 'PHONE' | 'API' | 'WEB' | 'OTHER'; helpTopicId?: string; priorityId?: string; departmentId?: string }[] = [
      { subject: 'Broken screen', body: 'My <i>laptop</i> fell', email: 'ann@vip.test', name: 'Ann', source: 'EMAIL' },
      { subject: 'Call me', body: 'About monitors', email: 'bob@home.test', name: 'Bob', source: 'PHONE', helpTopicId: ids.billing },
      { subject: 'Invoice', body: 'Where is it?', email: 'cat@vip.test', name: 'Cat', source: 'API', helpTopicId: ids.billing, priorityId: w.priorities.Low, departmentId: w.salesId },
      { subject: 'Nothing special', body: 'Hi', email: 'dan@home.test', name: 'Dan', source: 'OTHER' },
      { subject: 'Cheap', body: 'Buy', email: 'eve@spam.test', name: 'Spammer', source: 'EMAIL' },
    ];
    for (const d of drafts) {
      const dry = await dryRun(d);
      const res = await open({ subject: d.subject, body: d.body, owner: { email: d.email, name: d.name ?? null }, source: d.source, helpTopicId: d.helpTopicId ?? null, priorityId: d.priorityId ?? null, departmentId: d.departmentId ?? null });
      if (dry.rejected) {
        expect(res.ticket).toBeNull();
        expect(res.userErrors.map((e) => e.code)).toEqual(['REJECTED']);
        continue;
      }
      const ticket = res.ticket!;
      expect(res.userErrors).toEqual([]);
      expect({
        department: dry.department,
        priority: dry.priority,
        slaPlan: dry.slaPlan,
        status: dry.status,
        helpTopic: dry.helpTopic,
        assignee: dry.assignee,
        team: dry.team,
        collaborators: dry.collaborators.map((c) => c.email).filter((e) => e !== d.email),
      }).toEqual({
        department: ticket.department,
        priority: ticket.priority,
        slaPlan: ticket.slaPlan,
        status: ticket.status,
        helpTopic: ticket.helpTopic,
        assignee: ticket.assignee,
        team: ticket.team,
        collaborators: ticket.collaborators.map((c) => c.user.email),
      });
      expect(dry.filters.filter((f) => f.matched).map((f) => f.effect)).toEqual(applied(ticket));
    }
    // the runs above covered stop, reject and a no-match
    expect(drafts.length).toBe(5);
  });

  it('checks its input like openTicket does', async () => {
    const res = await t.gql(DryRunTicketFiltersDocument, { input: { subject: '', body: 'x', email: 'nope', helpTopicId: 'bad' } }, { token: admin });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toBe('subject must not be empty; email must be a valid email address; HelpTopic not found (helpTopicId)');
  });
});
