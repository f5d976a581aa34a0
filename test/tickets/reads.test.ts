import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddCollaboratorsDocument, AssignDocument, QueuePageCollaboratorsOnlyDocument, QueuePageDocument, QueuePageFragmentsDocument, TicketByNumberDocument, UpdateTicketDocument } from '../__generated__/graphql';
import { Agent } from '../../src/modules/directory/agent.entity';
import { foregroundSql, startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// The read paths: keyset pages, filters, orderings and the statement ceiling.
let t: TestServer;
let w: World;
const opened: { id: string; number: string; subject: string }[] = [];
const PRIORITIES = ['Low', 'Normal', 'High', 'Emergency'];

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
  for (let i = 0; i < 55; i++) {
    const ticket = await newTicket(t, w.agents.full.token, {
      subject: `Case ${String(i).padStart(2, '0')} ${i % 5 === 0 ? 'printer' : 'network'}`,
      owner: { email: `customer${i % 7}@customer.test`, name: `Customer ${i % 7}` },
      priorityId: w.priorities[PRIORITIES[i % 4]!]!,
      ...(i % 3 === 0 ? { collaborators: [{ email: `cc${i % 4}@customer.test` }] } : {}),
    });
    opened.push({ id: ticket.id, number: ticket.number, subject: ticket.subject });
    if (i % 2 === 0) await t.gql(AssignDocument, { input: { ticketId: ticket.id, agentId: w.agents.full.id, teamId: i % 4 === 0 ? w.teamId : null } }, { token: w.agents.full.token });
    if (i % 6 === 0) await t.gql(AddCollaboratorsDocument, { input: { ticketId: ticket.id, people: [{ email: 'shared@customer.test' }], role: 'BCC' } }, { token: w.agents.full.token });
  }
});
afterAll(() => t?.close());

const page = (after: string | null, orderBy: { field: 'CREATED_AT' | 'PRIORITY' | 'DUE_AT' | 'NUMBER' | 'LAST_MESSAGE_AT' | 'UPDATED_AT'; direction: 'ASC' | 'DESC' }) =>
  t.gql(QueuePageDocument, { first: 7, after, orderBy }, { token: w.agents.full.token });

const reads = (list: string[]) => foregroundSql(list).length;

describe('ticket lists', () => {
  it('loads a 50-ticket page with all its relations in a small constant number of statements', async () => {
    let edges = 0;
    let total = 0;
    const sql = await t.sqlDuring(async () => {
      const page = await t.gql(QueuePageDocument, { first: 50 }, { token: w.agents.full.token });
      edges = page.data!.tickets.edges.length;
      total = page.data!.tickets.totalCount;
    });
    expect(edges).toBe(50);
    expect(total).toBe(55);
    // the token with its agent and principal 1, the page (whole rows) 1, its count 1, the relations its
    // nodes select — owners, assignees, teams, collaborators and their users — 1 (read together before the
    // page is walked), the owners' organizations for viewerCan 1: 5. Statuses, priorities and departments
    // come from the reference cache (loaded by the intake above). It was 20 before the page's rows came
    // whole in the keyset statement, 12 before reference data was cached, 9 before the principal came with
    // the token, 8 before the relations were read together.
    expect(reads(sql), JSON.stringify(foregroundSql(sql).map((q) => q.slice(0, 160)), null, 1)).toBe(5);
    const again = await t.sqlDuring(() => t.gql(QueuePageDocument, { first: 10 }, { token: w.agents.full.token }));
    expect(reads(again), JSON.stringify({ a: sql.map((q) => q.slice(8, 90)), b: again.map((q) => q.slice(8, 90)) }, null, 1)).toBe(reads(sql));
  });

  it('reads the relations a page selects through fragments and aliases the same, in one statement', async () => {
    const plain = (await t.gql(QueuePageDocument, { first: 50 }, { token: w.agents.full.token })).data!.tickets.edges.map((e) => e.node);
    let fragments: NonNullable<Awaited<ReturnType<typeof pageThroughFragments>>> = [];
    const pageThroughFragments = async () => (await t.gql(QueuePageFragmentsDocument, { first: 50 }, { token: w.agents.full.token })).data?.tickets.edges.map((e) => e.node);
    const sql = await t.sqlDuring(async () => {
      fragments = (await pageThroughFragments())!;
    });
    // the token, the page, its relations (owners, assignees, teams, collaborators and their users) together
    expect(reads(sql), JSON.stringify(foregroundSql(sql).map((q) => q.slice(0, 120)), null, 1)).toBe(3);
    expect(fragments.map((n) => n.id)).toEqual(plain.map((n) => n.id));
    expect(plain.some((n) => n.collaborators.length > 1) && plain.some((n) => n.assignee) && plain.some((n) => n.team)).toBe(true);
    for (const [i, n] of fragments.entries()) {
      const p = plain[i]!;
      expect(n.requester).toEqual({ id: p.owner.id, name: p.owner.name });
      expect(n.handler).toEqual(p.assignee);
      expect(n.team).toEqual(p.team);
      expect(n.status).toEqual(p.status);
      expect(n.people).toEqual(p.collaborators);
    }
    // a ticket read alone (no page, nothing read ahead) shows the same relations in the same order
    for (const p of plain.filter((n) => n.collaborators.length > 1 || n.team).slice(0, 6)) {
      const alone = (await t.gql(TicketByNumberDocument, { number: p.number }, { token: w.agents.full.token })).data!.ticket!;
      expect({ owner: alone.owner, assignee: alone.assignee, team: alone.team, status: alone.status.name }).toEqual({ owner: p.owner && { id: p.owner.id, name: p.owner.name, email: p.owner.email }, assignee: p.assignee, team: p.team, status: p.status.name });
      expect(alone.collaborators.map((c) => ({ id: c.id, role: c.role, user: c.user }))).toEqual(p.collaborators);
      expect({ reply: alone.viewerCan.reply, close: alone.viewerCan.close, assign: alone.viewerCan.assign }).toEqual(p.viewerCan);
    }
    // and for agents with less access, whose abilities differ from ticket to ticket
    for (const who of [w.agents.replyOnly, w.agents.teamMember, w.agents.assignedOnly]) {
      const theirs = (await t.gql(QueuePageDocument, { first: 50 }, { token: who.token })).data!.tickets.edges.map((e) => e.node);
      for (const p of theirs.filter((_, i) => i % 9 === 0)) {
        const alone = (await t.gql(TicketByNumberDocument, { number: p.number }, { token: who.token })).data!.ticket!;
        expect({ reply: alone.viewerCan.reply, close: alone.viewerCan.close, assign: alone.viewerCan.assign }).toEqual(p.viewerCan);
      }
    }
    let only: { id: string; collaborators: { id: string; user: { id: string; email: string | null } }[] }[] = [];
    const sqlOnly = await t.sqlDuring(async () => {
      only = (await t.gql(QueuePageCollaboratorsOnlyDocument, { first: 50 }, { token: w.agents.full.token })).data!.tickets.edges.map((e) => e.node);
    });
    expect(reads(sqlOnly)).toBe(3);
    expect(only.map((n) => n.collaborators)).toEqual(plain.map((n) => n.collaborators.map((c) => ({ id: c.id, user: c.user }))));
  });

  it('shows a department renamed by an admin in the very next page (reference data comes from a cache dropped at commit)', async () => {
    const before = await t.gql(QueuePageDocument, { first: 50 }, { token: w.agents.full.token });
    const dept = before.data!.tickets.edges[0]!.node.department;
    const renamed = `${dept.name} (renamed)`;
    const rename = (name: string) =>
      t.gql<{ updateDepartment: { userErrors: unknown[] } }, unknown>(
        'mutation($input: UpdateDepartmentInput!) { updateDepartment(input: $input) { userErrors { message } } }',
        { input: { departmentId: dept.id, name } },
        { token: w.agents.admin.token },
      );
    expect((await rename(renamed)).data!.updateDepartment.userErrors).toEqual([]);
    const after = await t.gql(QueuePageDocument, { first: 50 }, { token: w.agents.full.token });
    const names = new Set(after.data!.tickets.edges.filter((e) => e.node.department.id === dept.id).map((e) => e.node.department.name));
    expect([...names]).toEqual([renamed]);
    expect((await rename(dept.name)).data!.updateDepartment.userErrors).toEqual([]);
    const back = await t.gql(QueuePageDocument, { first: 50 }, { token: w.agents.full.token });
    expect(back.data!.tickets.edges.find((e) => e.node.department.id === dept.id)!.node.department.name).toBe(dept.name);
  });

  it('counts only when totalCount is selected, for ticket lists and every other connection', async () => {
    const counts = (list: string[]) => foregroundSql(list).filter((q) => /count\(/i.test(q));
    const token = w.agents.full.token;
    const withCount = await t.sqlDuring(() => t.gql('{ tickets(first: 10) { totalCount edges { node { id } } } }', {}, { token }));
    const without = await t.sqlDuring(() => t.gql('{ tickets(first: 10) { edges { node { id } } } }', {}, { token }));
    expect(counts(withCount)).toHaveLength(1);
    expect(counts(without)).toEqual([]);
    expect(reads(without)).toBe(reads(withCount) - 1);
    const admin = await t.adminToken();
    let total: unknown;
    const agents = await t.sqlDuring(async () => {
      total = (await t.gql<{ agents: { totalCount: number } }, unknown>('{ agents(first: 2) { totalCount } }', {}, { token: admin })).data?.agents.totalCount;
    });
    expect(total).toBe(await t.em().count(Agent, {}));
    expect(counts(agents)).toHaveLength(1);
    expect(counts(await t.sqlDuring(() => t.gql('{ agents(first: 2) { edges { node { id } } } }', {}, { token: admin })))).toEqual([]);
  });

  it('pages through every visible ticket exactly once, in each order', async () => {
    for (const orderBy of [
      { field: 'CREATED_AT', direction: 'DESC' },
      { field: 'PRIORITY', direction: 'DESC' },
      { field: 'DUE_AT', direction: 'ASC' },
      { field: 'NUMBER', direction: 'ASC' },
      { field: 'LAST_MESSAGE_AT', direction: 'DESC' },
      { field: 'UPDATED_AT', direction: 'ASC' },
    ] as const) {
      const seen: string[] = [];
      const sortKeys: number[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const res: Awaited<ReturnType<typeof page>> = await page(after, orderBy);
        if (!res.data) throw new Error(orderBy.field + ' ' + JSON.stringify(res.errors).slice(0, 300));
        const tickets = res.data.tickets;
        for (const e of tickets.edges) {
          seen.push(e.node.id);
          if (orderBy.field === 'PRIORITY') sortKeys.push(e.node.priority.urgency);
        }
        if (!tickets.pageInfo.hasNextPage) break;
        after = tickets.pageInfo.endCursor;
      }
      expect(new Set(seen).size, orderBy.field).toBe(55);
      expect(seen.length, orderBy.field).toBe(55);
      if (orderBy.field === 'PRIORITY') expect(sortKeys).toEqual([...sortKeys].sort((a, b) => b - a));
    }
  });

  it('filters by search fields, combined with AND', async () => {
    const q = async (search: Record<string, unknown>) => (await t.gql(QueuePageDocument, { first: 100, search }, { token: w.agents.full.token })).data!.tickets;
    expect((await q({ text: 'printer' })).totalCount).toBe(11);
    expect((await q({ text: opened[3]!.number })).edges.map((e) => e.node.id)).toEqual([opened[3]!.id]);
    expect((await q({ isAssigned: true })).totalCount).toBe(28);
    expect((await q({ isAssigned: false })).totalCount).toBe(27);
    expect((await q({ teamIds: [w.teamId] })).totalCount).toBe(14);
    expect((await q({ assigneeIds: [w.agents.full.id], priorityIds: [w.priorities.Low!] })).totalCount).toBe(14);
    expect((await q({ ownerEmail: 'CUSTOMER0@customer.test' })).totalCount).toBe(8);
    expect((await q({ states: ['CLOSED'] })).totalCount).toBe(0);
    expect((await q({ departmentIds: ['not-an-id'] })).totalCount).toBe(0);
    await t.gql(UpdateTicketDocument, { input: { ticketId: opened[0]!.id, dueAt: new Date(Date.now() - 1000).toISOString() } }, { token: w.agents.full.token });
    expect((await q({ isOverdue: true })).edges.map((e) => e.node.id)).toEqual([opened[0]!.id]);
    expect((await q({ isOverdue: false })).totalCount).toBe(54);
  });

  it('hides BCC collaborators from other end users but shows them to agents', async () => {
    const agentView = await t.gql(QueuePageDocument, { first: 100, search: { text: 'Case 00' } }, { token: w.agents.full.token });
    expect(agentView.data!.tickets.edges[0]!.node.collaborators.map((c) => c.role).sort()).toEqual(['BCC', 'CC']);
  });

  it('treats a SQL-looking search as plain text', async () => {
    const res = await t.gql(QueuePageDocument, { first: 5, search: { text: "'; drop table ticket; --" } }, { token: w.agents.full.token });
    expect(res.data!.tickets.totalCount).toBe(0);
    expect((await t.gql(QueuePageDocument, { first: 1 }, { token: w.agents.full.token })).data!.tickets.totalCount).toBe(55);
  });

  it('refuses a cursor from another ordering or a forged one', async () => {
    const page = await t.gql(QueuePageDocument, { first: 2, orderBy: { field: 'PRIORITY', direction: 'ASC' } }, { token: w.agents.full.token });
    const cursor = page.data!.tickets.pageInfo.endCursor!;
    const res = await t.gql(QueuePageDocument, { first: 2, after: cursor, orderBy: { field: 'CREATED_AT', direction: 'ASC' } }, { token: w.agents.full.token });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const forged = Buffer.from(JSON.stringify(['1; drop table ticket', 1])).toString('base64url');
    const res2 = await t.gql(QueuePageDocument, { first: 2, after: forged, orderBy: { field: 'PRIORITY', direction: 'ASC' } }, { token: w.agents.full.token });
    expect(res2.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
