import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/modules/directory/agent.entity';
import { Department } from '../../src/modules/directory/department.entity';
import {
  AgentsPageDocument,
  CreateAgentDocument,
  CreateDepartmentDocument,
  CreateRoleDocument,
  CreateTeamDocument,
  DirectoryDocument,
  NodeDocument,
  UpdateDepartmentDocument,
  ViewerDocument,
} from '../__generated__/graphql';
import { startTestServer, type TestServer } from '../support/server';

let t: TestServer;
let admin: string;

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.adminToken();
});
afterAll(() => t?.close());

async function makeDepartment(name: string, parentId?: string) {
  const res = await t.gql(CreateDepartmentDocument, { input: { name, parentId: parentId ?? null } }, { token: admin });
  expect(res.data?.createDepartment.userErrors).toEqual([]);
  return res.data!.createDepartment.department!;
}

describe('directory', () => {
  it('shows the first-start reference data and the admin as viewer', async () => {
    const me = await t.gql(ViewerDocument, {}, { token: admin });
    expect(me.data?.viewer).toMatchObject({ __typename: 'Agent', name: 'Administrator', email: 'admin@example.com', isAdmin: true });
    const dir = await t.gql(DirectoryDocument, {}, { token: admin });
    expect(dir.data?.departments.map((d) => d.name)).toContain('Support');
    expect(dir.data?.roles.map((r) => r.name)).toEqual(['All Access', 'Expanded Access', 'Limited Access', 'Reply Only', 'View Only']);
    expect(dir.data?.permissionKeys).toContain('ticket.markanswered');
  });

  it('nests departments and refuses a cycle', async () => {
    const parent = await makeDepartment('Sales');
    const child = await makeDepartment('Sales EMEA', parent.id);
    expect(child.parent).toEqual({ id: parent.id, name: 'Sales' });
    const res = await t.gql(UpdateDepartmentDocument, { input: { departmentId: parent.id, parentId: child.id } }, { token: admin });
    expect(res.data?.updateDepartment).toEqual({
      department: null,
      userErrors: [{ field: ['parentId'], code: 'BAD_USER_INPUT', message: expect.stringContaining('under itself') }],
    });
    const dir = await t.gql(DirectoryDocument, {}, { token: admin });
    const sales = dir.data!.departments.find((d) => d.id === parent.id)!;
    expect(sales.parent).toBeNull();
    expect(sales.children.map((c) => c.name)).toEqual(['Sales EMEA']);
  });

  it('refuses renaming to a taken name as bad input (not a unique-index CONFLICT)', async () => {
    const dept = await makeDepartment('Renamed later');
    const res = await t.gql(UpdateDepartmentDocument, { input: { departmentId: dept.id, name: 'Support' } }, { token: admin });
    expect(res.data?.updateDepartment).toEqual({ department: null, userErrors: [{ field: ['name'], code: 'BAD_USER_INPUT', message: 'name is already taken' }] });
  });

  it('creates an agent with extra department access and teams', async () => {
    const dept = await makeDepartment('Billing');
    const other = await makeDepartment('Returns');
    const role = await t.gql(CreateRoleDocument, { input: { name: 'Billing clerk', permissions: ['ticket.reply', 'ticket.close'] } }, { token: admin });
    expect(role.data?.createRole.role?.permissions).toEqual(['ticket.reply', 'ticket.close']);
    const team = await t.gql(CreateTeamDocument, { input: { name: 'Night shift' } }, { token: admin });
    const res = await t.gql(
      CreateAgentDocument,
      {
        input: {
          name: 'Bea Biller',
          email: 'Bea@Example.com',
          password: 'a long enough password',
          primaryDepartmentId: dept.id,
          roleId: role.data!.createRole.role!.id,
          departmentAccess: [{ departmentId: other.id, roleId: role.data!.createRole.role!.id }],
          teamIds: [team.data!.createTeam.team!.id],
        },
      },
      { token: admin },
    );
    expect(res.data?.createAgent.userErrors).toEqual([]);
    expect(res.data?.createAgent.agent).toMatchObject({
      name: 'Bea Biller',
      email: 'bea@example.com',
      username: 'bea',
      isAdmin: false,
      isActive: true,
      primaryDepartment: { id: dept.id },
      departmentAccess: [{ department: { id: other.id } }],
      teams: [{ name: 'Night shift' }],
    });
    const token = await t.login('bea@example.com', 'a long enough password');
    const me = await t.gql(ViewerDocument, {}, { token });
    expect(me.data?.viewer).toMatchObject({ name: 'Bea Biller', isAdmin: false, role: { name: 'Billing clerk' } });
  });

  it('pages agents with keyset cursors', async () => {
    const first = await t.gql(AgentsPageDocument, { first: 1 }, { token: admin });
    const page = first.data!.agents;
    expect(page.edges).toHaveLength(1);
    expect(page.totalCount).toBeGreaterThanOrEqual(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const second = await t.gql(AgentsPageDocument, { first: 1, after: page.pageInfo.endCursor }, { token: admin });
    expect(second.data!.agents.edges[0]!.node.id).not.toBe(page.edges[0]!.node.id);
    expect(second.data!.agents.pageInfo.hasPreviousPage).toBe(true);
    const count = await t.em().count(Agent, {});
    expect(page.totalCount).toBe(count);
  });

  it('fetches objects by global id with node', async () => {
    const dept = await t.em().findOneOrFail(Department, { name: 'Support' });
    const dir = await t.gql(DirectoryDocument, {}, { token: admin });
    const id = dir.data!.departments.find((d) => d.name === 'Support')!.id;
    const res = await t.gql(NodeDocument, { id }, { token: admin });
    expect(res.data?.node).toEqual({ __typename: 'Department', id, name: dept.name });
  });
});
