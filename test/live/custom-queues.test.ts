import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateCustomQueueDocument,
  CustomQueueByIdDocument,
  CustomQueueTicketsDocument,
  CustomQueueTreeDocument,
  CustomQueueUpdatesDocument,
  DeleteCustomQueueDocument,
  ReplyDocument,
  SetStatusDocument,
  TicketInQueuesDocument,
  UpdateCustomQueueDocument,
  UpdateTicketDocument,
  type CreateQueueInput,
  type CustomQueueTicketsQuery,
  type QueueCriterionInput,
} from '../__generated__/graphql';
import { Queue } from '../../src/modules/queues/queue.entity';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server';
import { collect, type Probe } from '../support/subscriptions';
import { newTicket, renameTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// Custom queues through the API (SPEC §8): saved criteria, personal or shared
// with departments, nested, sorted, counted exactly, refused with exact
// userErrors (and nothing written), and reported live.
let t: TestServer;
let w: World;

interface Opened {
  id: string;
  number: string;
}
const tickets: Record<string, Opened> = {};

beforeAll(async () => {
  t = await startTestServer({ DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0' });
  w = await buildWorld(t);
  const open = async (name: string, token: string, priority: string, departmentId: string) => {
    const ticket = await newTicket(t, token, { subject: `Case ${name}`, owner: { email: w.users.owner.email }, priorityId: w.priorities[priority]!, departmentId });
    tickets[name] = { id: ticket.id, number: ticket.number };
    return ticket.id;
  };
  const full = w.agents.full.token;
  const admin = w.agents.admin.token;
  await open('s1', full, 'High', w.supportId);
  const s2 = await open('s2', full, 'High', w.supportId);
  await open('s3', full, 'High', w.supportId);
  await open('s4', full, 'Low', w.supportId);
  await open('s5', full, 'Emergency', w.supportId);
  const s6 = await open('s6', full, 'High', w.supportId);
  await open('x1', admin, 'High', w.salesId);
  await open('x2', admin, 'Normal', w.salesId);
  const x3 = await open('x3', admin, 'High', w.salesId);
  expect((await t.gql(ReplyDocument, { input: { ticketId: s2, body: 'Answered' } }, { token: full })).data?.replyToTicket.userErrors).toEqual([]);
  expect((await t.gql(SetStatusDocument, { input: { ticketIds: [s6], statusId: w.statuses.Resolved! } }, { token: full })).data?.setTicketStatus.userErrors).toEqual([]);
  expect((await t.gql(SetStatusDocument, { input: { ticketIds: [x3], statusId: w.statuses.Closed! } }, { token: admin })).data?.setTicketStatus.userErrors).toEqual([]);
});
afterAll(() => t?.close());

const HOT: QueueCriterionInput[] = [
  { field: 'PRIORITY', operator: 'IN', values: [] },
  { field: 'ANSWERED', operator: 'IS_FALSE', values: [] },
];
const hot = (...priorities: string[]): QueueCriterionInput[] => [{ ...HOT[0]!, values: priorities.map((p) => w.priorities[p]!) }, HOT[1]!];

async function createQueue(token: string, input: CreateQueueInput) {
  const res = await t.gql(CreateCustomQueueDocument, { input }, { token });
  expect(res.errors).toBeUndefined();
  return res.data!.createQueue;
}

async function queueRows(): Promise<number> {
  return t.em().count(Queue, {});
}

/** Every ticket of a queue, as the viewer sees it, page by page. */
async function queueTickets(token: string, id: string, first = 100): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 20; guard++) {
    const res: GraphQLResponse<CustomQueueTicketsQuery> = await t.gql(CustomQueueTicketsDocument, { id, first, after }, { token });
    const page = res.data!.queue!.tickets;
    ids.push(...page.edges.map((e) => e.node.id));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor ?? null;
  }
  return ids;
}

/** Every queue the viewer sees, at any depth. */
async function allQueues(token: string): Promise<{ id: string; key: string | null; name: string }[]> {
  const res = await t.gql(CustomQueueTreeDocument, {}, { token });
  const out: { id: string; key: string | null; name: string }[] = [];
  for (const q of res.data!.queues) {
    out.push(q);
    for (const c of q.children) out.push(c);
  }
  return out;
}

const byNumber = (...names: string[]) => names.map((n) => tickets[n]!).sort((a, b) => a.number.localeCompare(b.number)).map((x) => x.id);

describe('a personal queue', () => {
  it('lists exactly the tickets that meet its criteria and its owner can see, in its sort order, with an exact count', async () => {
    const before = await queueRows();
    const created = await createQueue(w.agents.full.token, { name: 'Hot', criteria: hot('High'), sortOrder: { field: 'NUMBER', direction: 'ASC' } });
    expect(created.userErrors).toEqual([]);
    expect(created.queue).toMatchObject({ key: null, name: 'Hot', parent: null, children: [] });
    expect(await queueRows()).toBe(before + 1);
    const id = created.queue!.id;

    // High and unanswered, in Support (x1 is in Sales; s2 answered; s6 closed but still High and unanswered)
    const expected = byNumber('s1', 's3', 's6');
    expect(created.queue!.count).toBe(3);
    const listed = (await t.gql(CustomQueueTreeDocument, {}, { token: w.agents.full.token })).data!.queues;
    expect(listed.filter((q) => q.key === null)).toEqual([{ id, key: null, name: 'Hot', count: 3, children: [] }]);
    // system queues first, then custom ones
    expect(listed.at(-1)!.id).toBe(id);

    const res = await t.gql(CustomQueueTicketsDocument, { id, first: 10 }, { token: w.agents.full.token });
    expect(res.data!.queue!.tickets.totalCount).toBe(3);
    expect(res.data!.queue!.tickets.edges.map((e) => e.node.id)).toEqual(expected);
    expect(res.data!.queue!.tickets.edges.every((e) => e.node.priority.name === 'High' && !e.node.isAnswered)).toBe(true);
    // keyset pages in the queue's own order
    expect(await queueTickets(w.agents.full.token, id, 2)).toEqual(expected);
  });

  it('is invisible to every other agent: null in queries, NOT_FOUND in mutations and subscriptions', async () => {
    const { queue } = await createQueue(w.agents.full.token, { name: 'Mine only', criteria: [] });
    const id = queue!.id;
    const rows = await queueRows();
    for (const agent of [w.agents.replyOnly, w.agents.other, w.agents.admin]) {
      expect((await t.gql(CustomQueueByIdDocument, { id }, { token: agent.token })).data).toEqual({ queue: null });
      expect((await allQueues(agent.token)).map((q) => q.id)).not.toContain(id);
      const update = await t.gql(UpdateCustomQueueDocument, { input: { queueId: id, name: 'Taken' } }, { token: agent.token });
      expect(update.data!.updateQueue).toEqual({ queue: null, userErrors: [{ code: 'NOT_FOUND', field: ['queueId'], message: 'Queue not found' }] });
      const del = await t.gql(DeleteCustomQueueDocument, { input: { id } }, { token: agent.token });
      expect(del.data!.deleteQueue).toEqual({ deletedId: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'], message: 'Queue not found' }] });
      // nesting under it is refused the same way
      const child = await createQueue(agent.token, { name: 'Under yours', criteria: [], parentId: id });
      expect(child).toEqual({ queue: null, userErrors: [{ code: 'NOT_FOUND', field: ['parentId'], message: 'Queue not found' }] });
    }
    expect(await queueRows()).toBe(rows);
    expect((await t.gql(CustomQueueByIdDocument, { id }, { token: w.agents.full.token })).data!.queue!.name).toBe('Mine only');

    const sub = collect(t.ws({ authorization: `Bearer ${w.agents.other.token}` }), CustomQueueUpdatesDocument, { queueIds: [id] });
    await sub.done;
    expect(sub.items).toEqual([]);
    expect(sub.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
  });

  it('is not shared by a non-admin: FORBIDDEN on `shared`, nothing written', async () => {
    const rows = await queueRows();
    const refused = await createQueue(w.agents.full.token, { name: 'For everyone', criteria: [], shared: true, departmentIds: [w.supportId] });
    expect(refused).toEqual({ queue: null, userErrors: [{ code: 'FORBIDDEN', field: ['shared'], message: 'Only administrators share queues' }] });
    expect(await queueRows()).toBe(rows);

    const { queue } = await createQueue(w.agents.full.token, { name: 'Still mine', criteria: [] });
    const update = await t.gql(UpdateCustomQueueDocument, { input: { queueId: queue!.id, shared: true } }, { token: w.agents.full.token });
    expect(update.data!.updateQueue).toEqual({ queue: null, userErrors: [{ code: 'FORBIDDEN', field: ['shared'], message: 'Only administrators share queues' }] });
    expect((await t.gql(CustomQueueByIdDocument, { id: queue!.id }, { token: w.agents.replyOnly.token })).data!.queue).toBeNull();
    expect((await t.em().findOneOrFail(Queue, { name: 'Still mine' })).owner).not.toBeNull();
  });
});

describe('a shared queue', () => {
  let sharedId = '';

  it('is shown to the agents of its departments only, each counting the tickets they can see', async () => {
    const created = await createQueue(w.agents.admin.token, {
      name: 'Sales open',
      criteria: [{ field: 'STATE', operator: 'IN', values: ['OPEN'] }],
      shared: true,
      departmentIds: [w.salesId],
    });
    expect(created.userErrors).toEqual([]);
    sharedId = created.queue!.id;

    // Sales agents: the open Sales tickets (x3 is closed)
    for (const agent of [w.agents.other, w.agents.teamMember]) {
      const q = (await t.gql(CustomQueueByIdDocument, { id: sharedId }, { token: agent.token })).data!.queue!;
      expect(q).toMatchObject({ name: 'Sales open', key: null, count: 2 });
      expect((await queueTickets(agent.token, sharedId)).sort()).toEqual([tickets.x1!.id, tickets.x2!.id].sort());
      expect((await allQueues(agent.token)).map((x) => x.id)).toContain(sharedId);
    }
    // Support agents do not see it; the admin sees it, counting every open ticket
    for (const agent of [w.agents.full, w.agents.replyOnly, w.agents.assignedOnly]) {
      expect((await t.gql(CustomQueueByIdDocument, { id: sharedId }, { token: agent.token })).data!.queue).toBeNull();
      expect((await allQueues(agent.token)).map((x) => x.id)).not.toContain(sharedId);
    }
    const adminView = (await t.gql(CustomQueueByIdDocument, { id: sharedId }, { token: w.agents.admin.token })).data!.queue!;
    expect(adminView.count).toBe(7); // s1–s5, x1, x2
  });

  it('is changed and deleted by admins only', async () => {
    const rows = await queueRows();
    const update = await t.gql(UpdateCustomQueueDocument, { input: { queueId: sharedId, name: 'Mine now' } }, { token: w.agents.other.token });
    expect(update.data!.updateQueue).toEqual({ queue: null, userErrors: [{ code: 'FORBIDDEN', field: null, message: 'Only administrators change shared queues' }] });
    const del = await t.gql(DeleteCustomQueueDocument, { input: { id: sharedId } }, { token: w.agents.other.token });
    expect(del.data!.deleteQueue).toEqual({ deletedId: null, userErrors: [{ code: 'FORBIDDEN', field: null, message: 'Only administrators delete shared queues' }] });
    expect(await queueRows()).toBe(rows);
    expect((await t.em().findOneOrFail(Queue, { name: 'Sales open' })).name).toBe('Sales open');

    const renamed = await t.gql(UpdateCustomQueueDocument, { input: { queueId: sharedId, name: 'Sales, open' } }, { token: w.agents.admin.token });
    expect(renamed.data!.updateQueue.userErrors).toEqual([]);
    expect((await t.gql(CustomQueueByIdDocument, { id: sharedId }, { token: w.agents.other.token })).data!.queue!.name).toBe('Sales, open');
    const deleted = await t.gql(DeleteCustomQueueDocument, { input: { id: sharedId } }, { token: w.agents.admin.token });
    expect(deleted.data!.deleteQueue).toEqual({ deletedId: sharedId, userErrors: [] });
    expect(await queueRows()).toBe(rows - 1);
    expect((await t.gql(CustomQueueByIdDocument, { id: sharedId }, { token: w.agents.other.token })).data!.queue).toBeNull();
  });
});

describe('sharing and deleting, around other agents\' queues', () => {
  it("keeps another agent's personal sub-queue when an admin deletes the shared queue it is nested under", async () => {
    const shared = (await createQueue(w.agents.admin.token, { name: 'Support desk', criteria: [], shared: true, departmentIds: [w.supportId] })).queue!;
    const sharedChild = (await createQueue(w.agents.admin.token, { name: 'Support desk, high', criteria: hot('High'), shared: true, departmentIds: [w.supportId], parentId: shared.id })).queue!;
    const mine = await createQueue(w.agents.full.token, { name: 'My corner', criteria: hot('High'), parentId: shared.id });
    expect(mine.userErrors).toEqual([]);
    const mineUnder = (await createQueue(w.agents.full.token, { name: 'My corner, nested', criteria: [], parentId: mine.queue!.id })).queue!;
    const rows = await queueRows();

    const deleted = await t.gql(DeleteCustomQueueDocument, { input: { id: shared.id } }, { token: w.agents.admin.token });
    expect(deleted.data!.deleteQueue).toEqual({ deletedId: shared.id, userErrors: [] });
    // the shared queue and its shared sub-queue are gone; Fiona's two queues stay, hers now at the top
    expect(await queueRows()).toBe(rows - 2);
    expect((await t.gql(CustomQueueByIdDocument, { id: sharedChild.id }, { token: w.agents.admin.token })).data!.queue).toBeNull();
    const kept = (await t.gql(CustomQueueByIdDocument, { id: mine.queue!.id }, { token: w.agents.full.token })).data!.queue!;
    expect(kept).toMatchObject({ name: 'My corner', parent: null, children: [{ id: mineUnder.id, name: 'My corner, nested' }] });
    expect((await t.gql(CustomQueueTreeDocument, {}, { token: w.agents.full.token })).data!.queues.map((q) => q.id)).toContain(mine.queue!.id);
  });

  it('refuses departments on a personal queue, and clears them when a shared queue becomes personal', async () => {
    const rows = await queueRows();
    const refused = await createQueue(w.agents.full.token, { name: 'Mine, for Support?', criteria: [], departmentIds: [w.supportId] });
    expect(refused).toEqual({ queue: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['departmentIds'], message: 'departmentIds apply to shared queues only: set shared to true' }] });
    expect(await queueRows()).toBe(rows);

    const shared = (await createQueue(w.agents.admin.token, { name: 'Briefly shared', criteria: [], shared: true, departmentIds: [w.salesId] })).queue!;
    const unshared = await t.gql(UpdateCustomQueueDocument, { input: { queueId: shared.id, shared: false } }, { token: w.agents.admin.token });
    expect(unshared.data!.updateQueue.userErrors).toEqual([]);
    expect(await t.em().findOneOrFail(Queue, { name: 'Briefly shared' })).toMatchObject({ departmentIds: [] });
    expect((await t.gql(CustomQueueByIdDocument, { id: shared.id }, { token: w.agents.other.token })).data!.queue).toBeNull();
  });
});

describe('system queues', () => {
  it('cannot be changed or deleted: NOT_FOUND', async () => {
    const open = (await allQueues(w.agents.admin.token)).find((q) => q.key === 'open')!;
    const update = await t.gql(UpdateCustomQueueDocument, { input: { queueId: open.id, name: 'Renamed' } }, { token: w.agents.admin.token });
    expect(update.data!.updateQueue).toEqual({ queue: null, userErrors: [{ code: 'NOT_FOUND', field: ['queueId'], message: 'System queues cannot be changed' }] });
    const del = await t.gql(DeleteCustomQueueDocument, { input: { id: open.id } }, { token: w.agents.admin.token });
    expect(del.data!.deleteQueue).toEqual({ deletedId: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'], message: 'Queue not found' }] });
    const nested = await createQueue(w.agents.admin.token, { name: 'Under open', criteria: [], parentId: open.id });
    expect(nested).toEqual({ queue: null, userErrors: [{ code: 'NOT_FOUND', field: ['parentId'], message: 'Queue not found' }] });
    expect((await t.gql(CustomQueueByIdDocument, { id: open.id }, { token: w.agents.admin.token })).data!.queue!.name).toBe('Open');
  });
});

describe('criteria', () => {
  const refused = async (criteria: QueueCriterionInput[], errors: { code: string; field: string[]; message: string }[]) => {
    const rows = await queueRows();
    const res = await createQueue(w.agents.full.token, { name: 'Bad', criteria });
    expect(res).toEqual({ queue: null, userErrors: errors });
    expect(await queueRows()).toBe(rows);
  };
  const bad = (field: string[], message: string) => ({ code: 'BAD_USER_INPUT', field, message });

  it('refuses an operator the field does not take', () =>
    refused([{ field: 'ANSWERED', operator: 'IN', values: ['true'] }], [bad(['criteria', '0', 'operator'], 'ANSWERED does not take IN')]));

  it('refuses an id of the wrong type', () =>
    refused(
      [HOT[1]!, { field: 'PRIORITY', operator: 'IN', values: [w.priorities.High!, w.supportId] }],
      [bad(['criteria', '1', 'values', '1'], 'Not a valid value for PRIORITY')],
    ));

  it('refuses an unparseable date', () =>
    refused(
      [
        { field: 'CREATED_AT', operator: 'BEFORE', values: ['yesterday'] },
        { field: 'DUE_AT', operator: 'AFTER', values: ['2026-13-45T99:00:00Z'] },
      ],
      [bad(['criteria', '0', 'values', '0'], 'Not a valid value for CREATED_AT'), bad(['criteria', '1', 'values', '0'], 'Not a valid value for DUE_AT')],
    ));

  it('refuses too many values, too many criteria, and values where none are taken', async () => {
    await refused([{ field: 'PRIORITY', operator: 'IN', values: Array.from({ length: 101 }, () => w.priorities.High!) }], [bad(['criteria', '0', 'values'], 'Give 1 to 100 values')]);
    await refused([{ field: 'SUBJECT', operator: 'CONTAINS', values: ['a', 'b'] }], [bad(['criteria', '0', 'values'], 'Give exactly one value')]);
    await refused([{ field: 'OVERDUE', operator: 'IS_TRUE', values: ['yes'] }], [bad(['criteria', '0', 'values'], 'IS_TRUE takes no values')]);
    await refused(Array.from({ length: 21 }, () => HOT[1]!), [bad(['criteria'], 'At most 20 criteria')]);
  });

  it('reports every problem at once', () =>
    refused(
      [
        { field: 'TEAM', operator: 'CONTAINS', values: ['x'] },
        { field: 'STATE', operator: 'IN', values: ['OPEN', 'SHUT'] },
        { field: 'OWNER', operator: 'NOT_IN', values: [] },
      ],
      [
        bad(['criteria', '0', 'operator'], 'TEAM does not take CONTAINS'),
        bad(['criteria', '1', 'values', '1'], 'Not a valid value for STATE'),
        bad(['criteria', '2', 'values'], 'Give 1 to 100 values'),
      ],
    ));

  it('leaves a queue unchanged when an update is refused', async () => {
    const { queue } = await createQueue(w.agents.full.token, { name: 'Unchanged', criteria: hot('High') });
    const update = await t.gql(
      UpdateCustomQueueDocument,
      { input: { queueId: queue!.id, name: 'Changed', criteria: [{ field: 'DUE_AT', operator: 'BEFORE', values: ['soon'] }] } },
      { token: w.agents.full.token },
    );
    expect(update.data!.updateQueue).toEqual({ queue: null, userErrors: [bad(['criteria', '0', 'values', '0'], 'Not a valid value for DUE_AT')] });
    const stored = await t.em().findOneOrFail(Queue, { name: 'Unchanged' });
    expect(stored.criteria).toEqual(hot('High'));
    expect((await t.gql(CustomQueueByIdDocument, { id: queue!.id }, { token: w.agents.full.token })).data!.queue).toMatchObject({ name: 'Unchanged', count: 3 });
  });
});

describe('nesting, updates and deletion', () => {
  it('nests a queue under another, lists it among the children, and refuses cycles', async () => {
    const parent = (await createQueue(w.agents.full.token, { name: 'Urgent', criteria: hot('High', 'Emergency') })).queue!;
    expect(parent.count).toBe(4); // s1, s3, s5, s6
    const child = await createQueue(w.agents.full.token, { name: 'Urgent: emergencies', criteria: hot('Emergency'), parentId: parent.id });
    expect(child.userErrors).toEqual([]);
    expect(child.queue).toMatchObject({ parent: { id: parent.id }, count: 1 });
    const childId = child.queue!.id;
    const grandchild = (await createQueue(w.agents.full.token, { name: 'Urgent: emergencies, again', criteria: [], parentId: childId })).queue!;

    const tree = (await t.gql(CustomQueueTreeDocument, {}, { token: w.agents.full.token })).data!.queues;
    expect(tree.map((q) => q.id)).toContain(parent.id);
    expect(tree.map((q) => q.id)).not.toContain(childId);
    const top = tree.find((q) => q.id === parent.id)!;
    expect(top.children).toEqual([{ id: childId, key: null, name: 'Urgent: emergencies', count: 1, parent: { id: parent.id }, children: [{ id: grandchild.id, name: 'Urgent: emergencies, again' }] }]);
    expect((await t.gql(CustomQueueByIdDocument, { id: childId }, { token: w.agents.full.token })).data!.queue).toMatchObject({ parent: { id: parent.id, name: 'Urgent' } });
    expect(await queueTickets(w.agents.full.token, childId)).toEqual([tickets.s5!.id]);

    // a queue cannot go under itself or anything below it
    const rows = await queueRows();
    for (const parentId of [parent.id, childId, grandchild.id]) {
      const res = await t.gql(UpdateCustomQueueDocument, { input: { queueId: parent.id, parentId } }, { token: w.agents.full.token });
      expect(res.data!.updateQueue, parentId).toEqual({
        queue: null,
        userErrors: [{ code: 'BAD_USER_INPUT', field: ['parentId'], message: 'A queue cannot be nested under itself or one of its sub-queues' }],
      });
    }
    expect(await queueRows()).toBe(rows);
    expect((await t.em().findOneOrFail(Queue, { name: 'Urgent' })).parent).toBeNull();

    // moving it back to the top level
    const moved = await t.gql(UpdateCustomQueueDocument, { input: { queueId: childId, parentId: null } }, { token: w.agents.full.token });
    expect(moved.data!.updateQueue).toMatchObject({ queue: { id: childId, parent: null }, userErrors: [] });
    expect((await t.gql(CustomQueueTreeDocument, {}, { token: w.agents.full.token })).data!.queues.map((q) => q.id)).toContain(childId);
  });

  it('updates name, criteria and order, then deletes a queue with the queues nested under it', async () => {
    const { queue } = await createQueue(w.agents.full.token, { name: 'Editable', criteria: hot('High'), sortOrder: { field: 'NUMBER', direction: 'ASC' } });
    const id = queue!.id;
    const child = (await createQueue(w.agents.full.token, { name: 'Editable child', criteria: [], parentId: id })).queue!;
    const updated = await t.gql(
      UpdateCustomQueueDocument,
      { input: { queueId: id, name: 'Edited', criteria: hot('High', 'Emergency', 'Low'), sortOrder: { field: 'NUMBER', direction: 'DESC' } } },
      { token: w.agents.full.token },
    );
    expect(updated.data!.updateQueue).toMatchObject({ queue: { id, name: 'Edited', count: 5 }, userErrors: [] });
    expect(await queueTickets(w.agents.full.token, id, 2)).toEqual(byNumber('s1', 's3', 's4', 's5', 's6').reverse());

    const rows = await queueRows();
    const del = await t.gql(DeleteCustomQueueDocument, { input: { id } }, { token: w.agents.full.token });
    expect(del.data!.deleteQueue).toEqual({ deletedId: id, userErrors: [] });
    expect(await queueRows()).toBe(rows - 2);
    for (const gone of [id, child.id]) expect((await t.gql(CustomQueueByIdDocument, { id: gone }, { token: w.agents.full.token })).data!.queue).toBeNull();
    const again = await t.gql(DeleteCustomQueueDocument, { input: { id } }, { token: w.agents.full.token });
    expect(again.data!.deleteQueue).toEqual({ deletedId: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'], message: 'Queue not found' }] });
  });
});

describe('Ticket.queues', () => {
  it("lists exactly the viewer's queues that list the ticket", async () => {
    // negations over unset fields (no team, no help topic) and dates: where SQL's NULLs bite
    for (const criteria of [
      [{ field: 'TEAM', operator: 'NOT_IN', values: [w.teamId] }],
      [{ field: 'HELP_TOPIC', operator: 'IS_NOT_SET', values: [] }, { field: 'PRIORITY', operator: 'NOT_IN', values: [w.priorities.High!] }],
      [{ field: 'ASSIGNEE', operator: 'NOT_IN', values: [w.agents.full.id] }, { field: 'DUE_AT', operator: 'AFTER', values: [new Date().toISOString()] }],
      [{ field: 'SUBJECT', operator: 'CONTAINS', values: ['CASE S'] }, { field: 'OVERDUE', operator: 'IS_FALSE', values: [] }],
    ] satisfies QueueCriterionInput[][]) {
      for (const agent of [w.agents.full, w.agents.admin]) expect((await createQueue(agent.token, { name: JSON.stringify(criteria).slice(0, 100), criteria })).userErrors).toEqual([]);
    }
    for (const agent of [w.agents.full, w.agents.other, w.agents.admin]) {
      const queues = await allQueues(agent.token);
      if (agent === w.agents.full) expect(queues.filter((q) => q.key === null).length).toBeGreaterThan(3);
      const members = new Map<string, string[]>();
      for (const q of queues) {
        for (const ticketId of await queueTickets(agent.token, q.id)) members.set(ticketId, [...(members.get(ticketId) ?? []), q.id]);
      }
      for (const [name, ticket] of Object.entries(tickets)) {
        const res = await t.gql(TicketInQueuesDocument, { number: ticket.number }, { token: agent.token });
        if (!res.data!.ticket) {
          expect(members.has(ticket.id), `${name} is invisible but listed`).toBe(false);
          continue;
        }
        expect(res.data!.ticket.queues.map((q) => q.id).sort(), `${name} for ${agent.id}`).toEqual((members.get(ticket.id) ?? []).sort());
      }
    }
    // and a ticket is in a custom queue of the viewer's
    const s1 = await t.gql(TicketInQueuesDocument, { number: tickets.s1!.number }, { token: w.agents.full.token });
    expect(s1.data!.ticket!.queues.map((q) => q.name)).toEqual(expect.arrayContaining(['Open', 'Unanswered', 'Unassigned', 'Hot']));
  });

  it('is empty for end users', async () => {
    const res = await t.gql(TicketInQueuesDocument, { number: tickets.s1!.number }, { token: w.users.owner.token });
    expect(res.data!.ticket!.queues).toEqual([]);
  });
});

describe('queueUpdates on a custom queue', () => {
  it('reports ENTERED, CHANGED and LEFT with counts equal to a fresh Queue.count', async () => {
    const { queue } = await createQueue(w.agents.full.token, { name: 'Live hot', criteria: hot('High') });
    const id = queue!.id;
    const supportTicket = async (subject: string, priority: string) =>
      (await newTicket(t, w.agents.full.token, { subject, owner: { email: w.users.owner.email }, priorityId: w.priorities[priority]!, departmentId: w.supportId })).id;
    const hotTicket = (subject: string) => supportTicket(subject, 'High');
    // The barrier: renaming a marker ticket that stays in the queue (one CHANGED, the count unchanged).
    const marker = await hotTicket('Live hot marker');
    const sub = collect(t.ws({ authorization: `Bearer ${w.agents.full.token}` }), CustomQueueUpdatesDocument, { queueIds: [id] });
    type Update = (typeof sub.items)[number]['queueUpdates'];
    const renamed: Probe<(typeof sub.items)[number]> = async () => {
      await renameTicket(t, w.agents.full.token, marker);
      return (i) => i.queueUpdates.ticket?.id === marker;
    };
    // live: it hears a hot ticket opened
    let seen = await sub.live(async () => {
      const opened = await hotTicket('Live hot warm-up');
      return (i) => i.queueUpdates.ticket?.id === opened;
    });
    const step = async (action: () => Promise<unknown>, change: string | null, ticketId?: () => string) => {
      await action();
      const batch = (await sub.before(seen, renamed)).map((i) => i.queueUpdates);
      seen = sub.items.length;
      if (change === null) {
        expect(batch).toEqual([]);
        return;
      }
      expect(batch.map((u: Update) => [u.change, u.queue.id, u.ticket?.id])).toEqual([[change, id, ticketId!()]]);
      const fresh = await t.gql(CustomQueueByIdDocument, { id }, { token: w.agents.full.token });
      expect(batch[0]!.count).toBe(fresh.data!.queue!.count);
    };

    let ticketId = '';
    const start = (await t.gql(CustomQueueByIdDocument, { id }, { token: w.agents.full.token })).data!.queue!.count;
    await step(async () => (ticketId = await hotTicket('Live hot one')), 'ENTERED', () => ticketId);
    expect(sub.items.at(seen - 2)!.queueUpdates).toMatchObject({ change: 'ENTERED', count: start + 1 });
    await step(() => t.gql(UpdateTicketDocument, { input: { ticketId, subject: 'Live hot one, renamed' } }, { token: w.agents.full.token }), 'CHANGED', () => ticketId);
    await step(() => t.gql(ReplyDocument, { input: { ticketId, body: 'Answered' } }, { token: w.agents.full.token }), 'LEFT', () => ticketId);
    expect(sub.items.at(seen - 2)!.queueUpdates).toMatchObject({ change: 'LEFT', count: start });
    // a ticket that never meets the criteria is not reported
    await step(() => supportTicket('Live cold', 'Low'), null);
    expect(sub.errors).toEqual([]);
    sub.stop();
  });
});
