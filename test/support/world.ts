import { expect } from 'vitest';
import {
  CreateAgentDocument,
  CreateDepartmentDocument,
  CreateEndUserDocument,
  CreateTeamDocument,
  DirectoryDocument,
} from '../__generated__/graphql';
import type { TestServer } from './server';

export const PASSWORD = 'world-password-123';

export interface World {
  supportId: string;
  salesId: string;
  teamId: string;
  roles: Record<string, string>;
  statuses: Record<string, string>;
  priorities: Record<string, string>;
  agents: Record<'admin' | 'full' | 'replyOnly' | 'other' | 'assignedOnly' | 'teamMember', { id: string; token: string }>;
  users: Record<'owner' | 'collaborator' | 'former' | 'stranger', { id: string; email: string; token: string }>;
}

/**
 * A small help desk built through the real API: two departments, a team, an
 * agent of each kind the permission rules distinguish, and end users.
 */
export async function buildWorld(t: TestServer): Promise<World> {
  const admin = await t.adminToken();
  const dir = (await t.gql(DirectoryDocument, {}, { token: admin })).data!;
  const roles = Object.fromEntries(dir.roles.map((r) => [r.name, r.id]));
  const supportId = dir.departments.find((d) => d.name === 'Support')!.id;
  const sales = await t.gql(CreateDepartmentDocument, { input: { name: 'Sales' } }, { token: admin });
  const salesId = sales.data!.createDepartment.department!.id;
  const ref = await t.gql<{ ticketStatuses: { id: string; name: string }[]; priorities: { id: string; name: string }[] }, unknown>(
    '{ ticketStatuses { id name } priorities { id name } }',
    {},
    { token: admin },
  );
  const statuses = Object.fromEntries(ref.data!.ticketStatuses.map((s) => [s.name, s.id]));
  const priorities = Object.fromEntries(ref.data!.priorities.map((p) => [p.name, p.id]));

  const agent = async (name: string, email: string, dept: string, role: string, extra: { assignedOnly?: boolean } = {}) => {
    const res = await t.gql(
      CreateAgentDocument,
      { input: { name, email, password: PASSWORD, primaryDepartmentId: dept, roleId: roles[role]!, assignedOnly: extra.assignedOnly ?? false } },
      { token: admin },
    );
    expect(res.data?.createAgent.userErrors).toEqual([]);
    return { id: res.data!.createAgent.agent!.id, token: await t.login(email, PASSWORD) };
  };
  const full = await agent('Fiona Full', 'fiona@desk.test', supportId, 'All Access');
  const replyOnly = await agent('Rory Reply', 'rory@desk.test', supportId, 'Reply Only');
  const other = await agent('Olga Other', 'olga@desk.test', salesId, 'All Access');
  const assignedOnly = await agent('Asa Assigned', 'asa@desk.test', supportId, 'All Access', { assignedOnly: true });
  const teamMember = await agent('Tara Team', 'tara@desk.test', salesId, 'All Access');
  const team = await t.gql(CreateTeamDocument, { input: { name: 'Escalations', memberIds: [teamMember.id] } }, { token: admin });
  const me = await t.gql<{ viewer: { id: string } }, unknown>('{ viewer { id } }', {}, { token: admin });

  const user = async (name: string, email: string) => {
    const res = await t.gql(CreateEndUserDocument, { input: { name, email, password: PASSWORD } }, { token: admin });
    expect(res.data?.createEndUser.userErrors).toEqual([]);
    return { id: res.data!.createEndUser.endUser!.id, email, token: await t.login(email, PASSWORD) };
  };
  return {
    supportId,
    salesId,
    teamId: team.data!.createTeam.team!.id,
    roles,
    statuses,
    priorities,
    agents: { admin: { id: me.data!.viewer.id, token: admin }, full, replyOnly, other, assignedOnly, teamMember },
    users: {
      owner: await user('Owen Owner', 'owen@customer.test'),
      collaborator: await user('Cora Collab', 'cora@customer.test'),
      former: await user('Dana Former', 'dana@customer.test'),
      stranger: await user('Eve Else', 'eve@customer.test'),
    },
  };
}
