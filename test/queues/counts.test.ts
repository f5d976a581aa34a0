import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactQueueCounts } from '../../src/modules/queues/queue-counters';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';
import { countsByCountStar, countsThroughApi, seeded } from './support';

// Queue counts are summed over counters the ticket triggers keep (issue 13):
// after any mix of changes they must equal a plain count(*) of the same
// predicate, for every principal, whether or not the deltas were folded yet.
let t: TestServer;
let w: World;
let principals: { name: string; id: string; token: string }[];

const ops = {
  open: 'mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id } userErrors { code } } }',
  assign: 'mutation($input: AssignTicketInput!) { assignTicket(input: $input) { userErrors { code } } }',
  transfer: 'mutation($input: TransferTicketInput!) { transferTicket(input: $input) { userErrors { code } } }',
  reply: 'mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { userErrors { code } } }',
  note: 'mutation($input: AddNoteInput!) { addNote(input: $input) { userErrors { code } } }',
  status: 'mutation($input: SetTicketStatusInput!) { setTicketStatus(input: $input) { userErrors { code } } }',
  message: 'mutation($input: PostMessageInput!) { postMessage(input: $input) { userErrors { code } } }',
  update: 'mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { userErrors { code } } }',
  answered: 'mutation($input: MarkTicketAnsweredInput!) { markTicketAnswered(input: $input) { userErrors { code } } }',
  addCollaborators: 'mutation($input: AddCollaboratorsInput!) { addCollaborators(input: $input) { ticket { collaborators { id } } userErrors { code } } }',
  removeCollaborator: 'mutation($input: RemoveCollaboratorInput!) { removeCollaborator(input: $input) { userErrors { code } } }',
  updateAgent: 'mutation($input: UpdateAgentInput!) { updateAgent(input: $input) { userErrors { code } } }',
  createQueue: 'mutation($input: CreateQueueInput!) { createQueue(input: $input) { queue { id } userErrors { code field } } }',
  updateQueue: 'mutation($input: UpdateQueueInput!) { updateQueue(input: $input) { userErrors { code field } } }',
};

beforeAll(async () => {
  t = await startTestServer({ DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0' });
  w = await buildWorld(t);
  principals = [
    { name: 'admin', ...w.agents.admin },
    { name: 'department agent', ...w.agents.full },
    { name: 'other department agent', ...w.agents.other },
    { name: 'assigned-only agent', ...w.agents.assignedOnly },
    { name: 'team member', ...w.agents.teamMember },
  ];
});

afterAll(async () => {
  await t?.close();
});

async function expectExact(when: string): Promise<void> {
  for (const p of principals) {
    const api = await countsThroughApi(t, p.token);
    const plain = await countsByCountStar(t.em(), p.id);
    expect({ who: p.name, when, counts: api }).toEqual({ who: p.name, when, counts: plain });
  }
}

describe('queue counts', () => {
  it('equal a plain count(*) of the same predicate for every principal after a seeded concurrent mix of changes', async () => {
    const rnd = seeded(1313);
    const admin = w.agents.admin.token;
    const sharedIds: string[] = [];
    // custom queues over every counted fact, and two the counters cannot serve (counted on the tickets)
    const criteria = [
      [{ field: 'PRIORITY', operator: 'IN', values: [w.priorities.High!, w.priorities.Emergency!] }],
      [{ field: 'SOURCE', operator: 'IN', values: ['PHONE', 'EMAIL'] }, { field: 'ANSWERED', operator: 'IS_FALSE' }],
      [{ field: 'STATUS', operator: 'NOT_IN', values: [w.statuses.Open!] }],
      [{ field: 'TEAM', operator: 'IS_SET' }, { field: 'STATE', operator: 'IN', values: ['OPEN'] }],
      [{ field: 'OVERDUE', operator: 'IS_TRUE' }, { field: 'DEPARTMENT', operator: 'IN', values: [w.supportId] }],
      [{ field: 'OVERDUE', operator: 'IS_FALSE' }, { field: 'ASSIGNEE', operator: 'IS_NOT_SET' }],
      [{ field: 'SUBJECT', operator: 'CONTAINS', values: ['7'] }],
      [{ field: 'CREATED_AT', operator: 'AFTER', values: ['2020-01-01T00:00:00Z'] }, { field: 'HELP_TOPIC', operator: 'IS_NOT_SET' }],
    ];
    for (const [i, c] of criteria.entries()) {
      const res = await t.gql<{ createQueue: { queue: { id: string } | null; userErrors: unknown[] } }, unknown>(
        ops.createQueue,
        { input: { name: `Custom ${i}`, criteria: c, shared: true } },
        { token: admin },
      );
      expect(res.data?.createQueue.userErrors).toEqual([]);
      sharedIds.push(res.data!.createQueue.queue!.id);
    }
    // a personal queue of the department agent
    await t.gql(ops.createQueue, { input: { name: 'Mine high', criteria: [{ field: 'PRIORITY', operator: 'IN', values: [w.priorities.High!] }] } }, { token: w.agents.full.token });

    const tickets: string[] = [];
    const collaborators: string[] = [];
    const agents = [w.agents.full, w.agents.other, w.agents.assignedOnly, w.agents.teamMember];
    const departments = [w.supportId, w.salesId];
    const statuses = Object.values(w.statuses);
    const priorities = Object.values(w.priorities);
    const sources = ['WEB', 'EMAIL', 'PHONE', 'API', 'OTHER'];
    const openOne = async (token: string) => {
      const res = await t.gql<{ openTicket: { ticket: { id: string } | null } }, unknown>(
        ops.open,
        {
          input: {
            subject: `Mix ${rnd.int(100)}`,
            body: 'x',
            owner: { email: w.users.owner.email },
            departmentId: rnd.pick(departments),
            priorityId: rnd.pick(priorities),
            source: rnd.pick(sources),
          },
        },
        { token },
      );
      if (res.data?.openTicket.ticket) tickets.push(res.data.openTicket.ticket.id);
    };
    for (let i = 0; i < 12; i++) await openOne(admin);

    // One step of the mix; refusals (a lock, a closed ticket, a missing permission) are part of it.
    const step = async (): Promise<void> => {
      const ticketId = rnd.pick(tickets);
      const by = rnd.pick([admin, admin, w.agents.full.token, w.agents.teamMember.token]);
      switch (rnd.int(14)) {
        case 0:
          return openOne(rnd.pick([admin, w.agents.full.token]));
        case 1:
          await t.gql(ops.assign, { input: { ticketId, agentId: rnd.pick(agents).id } }, { token: by });
          return;
        case 2:
          await t.gql(ops.assign, { input: { ticketId, teamId: w.teamId } }, { token: by });
          return;
        case 3:
          await t.gql(ops.transfer, { input: { ticketId, departmentId: rnd.pick(departments) } }, { token: by });
          return;
        case 4:
          await t.gql(ops.reply, { input: { ticketId, body: 'reply', ...(rnd.int(3) === 0 ? { statusId: rnd.pick(statuses) } : {}) } }, { token: by });
          return;
        case 5:
          await t.gql(ops.note, { input: { ticketId, body: 'note' } }, { token: by });
          return;
        case 6: {
          const some = Array.from({ length: 1 + rnd.int(4) }, () => rnd.pick(tickets));
          await t.gql(ops.status, { input: { ticketIds: [...new Set(some)], statusId: rnd.pick([w.statuses.Closed!, w.statuses.Resolved!, w.statuses.Open!]) } }, { token: admin });
          return;
        }
        case 7:
          // the owner writes: reopens a closed ticket, clears answered
          await t.gql(ops.message, { input: { ticketId, body: 'customer again' } }, { token: w.users.owner.token });
          return;
        case 8: {
          const res = await t.gql<{ addCollaborators: { ticket: { collaborators: { id: string }[] } | null } }, unknown>(
            ops.addCollaborators,
            { input: { ticketId, people: [{ email: rnd.pick([w.users.collaborator.email, w.users.stranger.email]) }] } },
            { token: admin },
          );
          collaborators.push(...(res.data?.addCollaborators.ticket?.collaborators.map((c) => c.id) ?? []));
          return;
        }
        case 9:
          if (collaborators.length) await t.gql(ops.removeCollaborator, { input: { collaboratorId: rnd.pick(collaborators) } }, { token: admin });
          return;
        case 10: {
          // a due date an hour ago (overdue at once) or far ahead
          const dueAt = new Date(Date.now() + (rnd.int(2) === 0 ? -3_600_000 : 86_400_000)).toISOString();
          await t.gql(ops.update, { input: { ticketId, dueAt, priorityId: rnd.pick(priorities) } }, { token: admin });
          return;
        }
        case 11:
          await t.gql(ops.answered, { input: { ticketId, answered: rnd.int(2) === 0 } }, { token: admin });
          return;
        case 12: {
          // agent access: extra departments, teams, assigned-only
          const which = rnd.int(3);
          const input =
            which === 0 ? { agentId: w.agents.other.id, departmentAccess: rnd.int(2) ? [{ departmentId: w.supportId, roleId: w.roles['All Access']! }] : [] }
            : which === 1 ? { agentId: w.agents.teamMember.id, teamIds: rnd.int(2) ? [w.teamId] : [] }
            : { agentId: w.agents.assignedOnly.id, assignedOnly: rnd.int(2) === 0 };
          await t.gql(ops.updateAgent, { input }, { token: admin });
          return;
        }
        default: {
          const queueId = rnd.pick(sharedIds);
          const c = rnd.pick(criteria.slice(0, 6));
          await t.gql(ops.updateQueue, { input: { queueId, criteria: c } }, { token: admin });
          return;
        }
      }
    };
    const clients = 4;
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: clients }, async () => {
        for (let i = 0; i < 15; i++) await step();
      }));
      // with the deltas as they are, then folded
      await expectExact(`round ${round}, before compaction`);
      await compactQueueCounts(t.em());
      await expectExact(`round ${round}, after compaction`);
    }
    // The concurrent clients draw from one random sequence in whatever order they run, so which tickets end up
    // overdue varies: one open ticket is made overdue last, and the counts must still be exact.
    const open = await t.gql<{ tickets: { edges: { node: { id: string } }[] } }, unknown>(
      '{ tickets(first: 1, search: { states: [OPEN], isOverdue: false }) { edges { node { id } } } }',
      {},
      { token: admin },
    );
    const last = open.data!.tickets.edges[0]?.node.id;
    if (last) {
      await t.gql(ops.update, { input: { ticketId: last, dueAt: new Date(Date.now() - 3_600_000).toISOString() } }, { token: admin });
      await expectExact('after one more ticket became overdue');
    }
    const api = await countsThroughApi(t, w.agents.admin.token);
    // the mix really moved tickets around
    expect(api.open).toBeGreaterThan(0);
    expect(api.closed).toBeGreaterThan(0);
    expect(api['open.overdue']).toBeGreaterThan(0);
    expect(api.mine! + api.unassigned!).toBeGreaterThan(0);
  }, 240_000);

  it("follow an agent's departments, role, teams and assigned-only at once", async () => {
    const admin = w.agents.admin.token;
    const agent = w.agents.other;
    // a Support ticket assigned to the team, one in Sales
    for (const departmentId of [w.supportId, w.salesId]) {
      const ticket = await newTicket(t, admin, { subject: 'Access', owner: { email: w.users.owner.email }, departmentId });
      if (departmentId === w.supportId) await t.gql(ops.assign, { input: { ticketId: ticket.id, teamId: w.teamId } }, { token: admin });
    }
    const check = async (when: string) => {
      const api = await countsThroughApi(t, agent.token);
      expect({ when, api }).toEqual({ when, api: await countsByCountStar(t.em(), agent.id) });
      return api;
    };
    await t.gql(ops.updateAgent, { input: { agentId: agent.id, departmentAccess: [], teamIds: [], assignedOnly: false } }, { token: admin });
    const before = await check('Sales only');
    await t.gql(ops.updateAgent, { input: { agentId: agent.id, departmentAccess: [{ departmentId: w.supportId, roleId: w.roles['Reply Only']! }] } }, { token: admin });
    const withSupport = await check('with Support');
    expect(withSupport.open).toBeGreaterThan(before.open!);
    await t.gql(ops.updateAgent, { input: { agentId: agent.id, roleId: w.roles['View Only'] ?? w.roles['Reply Only']! } }, { token: admin });
    await check('another role');
    await t.gql(ops.updateAgent, { input: { agentId: agent.id, departmentAccess: [], teamIds: [w.teamId] } }, { token: admin });
    const team = await check('in the team');
    expect(team['mine.teams']).toBeGreaterThan(0);
    await t.gql(ops.updateAgent, { input: { agentId: agent.id, assignedOnly: true } }, { token: admin });
    const assignedOnly = await check('assigned only');
    expect(assignedOnly.open).toBe(assignedOnly.mine);
    await t.gql(ops.updateAgent, { input: { agentId: agent.id, teamIds: [], assignedOnly: false } }, { token: admin });
    expect(await check('back to Sales only')).toEqual(await countsByCountStar(t.em(), agent.id));
  });
});
