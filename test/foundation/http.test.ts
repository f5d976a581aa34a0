import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../src/common/global-id';
import { Agent } from '../../src/modules/directory/agent.entity';
import { Department } from '../../src/modules/directory/department.entity';
import {
  AgentsPageDocument,
  CreateAgentDocument,
  CreateDepartmentDocument,
  DeleteDepartmentDocument,
  DirectoryDocument,
  NodeDocument,
  NodesDocument,
  UpdateDepartmentDocument,
} from '../__generated__/graphql';
import { countRows } from '../support/rows';
import { startTestServer, type TestServer } from '../support/server';

let t: TestServer;
let admin: string;
let limited: string;
let supportId: string;
let roleId: string;

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.adminToken();
  const dir = await t.gql(DirectoryDocument, {}, { token: admin });
  supportId = dir.data!.departments.find((d) => d.name === 'Support')!.id;
  roleId = dir.data!.roles.find((r) => r.name === 'Limited Access')!.id;
  await t.gql(
    CreateAgentDocument,
    { input: { name: 'Lena Limited', email: 'lena@example.com', password: 'lena-password-1', primaryDepartmentId: supportId, roleId } },
    { token: admin },
  );
  limited = await t.login('lena@example.com', 'lena-password-1');
});
afterAll(() => t?.close());

const counts = () => countRows(t, { departments: Department, agents: Agent });

describe('HTTP basics', () => {
  it('answers /healthz with 200 once ready', async () => {
    const res = await fetch(t.url.replace('/graphql', '/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves GraphiQL to a browser on GET /graphql, from this server only', async () => {
    const res = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div id="graphiql">');
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(3);
    for (const src of sources) {
      expect(src.startsWith('/graphiql/')).toBe(true);
      expect((await fetch(new URL(src, t.url))).status).toBe(200);
    }
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('refuses a malformed JSON body with a JSON error and changes nothing', async () => {
    const before = await counts();
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: '{"query": "mutation { createDepartment(input: {name: \\"X\\"}) { department { id } } }"',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    expect(await counts()).toEqual(before);
  });

  it('refuses an unknown operation name and runs nothing', async () => {
    const before = await counts();
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        query: 'mutation Make { createDepartment(input: { name: "Ghost" }) { department { id } } } query Read { viewer { id } }',
        operationName: 'Delete',
      }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[]; data?: unknown };
    expect(res.status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors[0]).toMatchObject({ message: 'Unknown operation named "Delete".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
    expect(await counts()).toEqual(before);
  });

  it('refuses form-encoded and text/plain POSTs and GET mutations (CSRF)', async () => {
    const before = await counts();
    const query = 'mutation { createDepartment(input: { name: "Csrf" }) { department { id } } }';
    const form = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${admin}` },
      body: `query=${encodeURIComponent(query)}`,
    });
    const text = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query }),
    });
    const get = await fetch(`${t.url}?query=${encodeURIComponent(query)}`, {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    });
    expect([form.status, text.status, get.status]).toEqual([400, 400, 405]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a page size over 100 with BAD_USER_INPUT instead of clamping', async () => {
    const res = await t.gql(AgentsPageDocument, { first: 101 }, { token: admin });
    expect(res.data).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({ message: '"first" must be between 0 and 100; got 101', path: ['agents'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
    const ok = await t.gql(AgentsPageDocument, { first: 100 }, { token: admin });
    expect(ok.errors).toBeUndefined();
  });

  it('refuses a garbage cursor with BAD_USER_INPUT', async () => {
    const res = await t.gql(AgentsPageDocument, { first: 1, after: 'not-a-cursor' }, { token: admin });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects queries over the depth or alias limits with QUERY_TOO_COMPLEX', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: viewer { id }`).join(' ');
    const res = await t.gql(`{ ${aliases} }`, {}, { token: admin });
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    let deep = 'id';
    for (let i = 0; i < 7; i++) deep = `primaryDepartment { manager { ${deep} } }`;
    const deepRes = await t.gql(`{ viewer { ... on Agent { ${deep} } } }`, {}, { token: admin });
    expect(deepRes.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});

describe('global ids', () => {
  it('resolves a malformed, unknown or wrong-type id to null in queries', async () => {
    const agentKey = (await t.em().findOneOrFail(Agent, { email: 'lena@example.com' })).id;
    const wrongType = toGlobalId('Department', agentKey + 1000);
    const res = await t.gql(NodesDocument, { ids: ['%%%', 'bm9wZQ', toGlobalId('Nope', 1), wrongType, supportId] }, { token: admin });
    expect(res.data?.nodes).toEqual([null, null, null, null, { __typename: 'Department', id: supportId }]);
    expect((await t.gql(NodeDocument, { id: 'garbage' }, { token: admin })).data).toEqual({ node: null });
  });

  it('answers NOT_FOUND on the field in mutations, and changes nothing', async () => {
    const agentId = toGlobalId('Agent', (await t.em().findOneOrFail(Agent, { email: 'lena@example.com' })).id);
    const before = await t.em().findOneOrFail(Department, { name: 'Support' });
    for (const departmentId of ['garbage', agentId]) {
      const res = await t.gql(UpdateDepartmentDocument, { input: { departmentId, name: 'Renamed' } }, { token: admin });
      expect(res.data?.updateDepartment).toEqual({ department: null, userErrors: [{ field: ['departmentId'], code: 'NOT_FOUND', message: 'Department not found' }] });
    }
    const wrongParent = await t.gql(CreateDepartmentDocument, { input: { name: 'Orphan', parentId: agentId } }, { token: admin });
    expect(wrongParent.data?.createDepartment.userErrors).toEqual([{ field: ['parentId'], code: 'NOT_FOUND', message: 'Department not found' }]);
    expect((await t.em().findOneOrFail(Department, { name: 'Support' })).name).toBe(before.name);
    expect(await t.em().count(Department, { name: 'Orphan' })).toBe(0);
  });
});

describe('admin mutations', () => {
  it('are FORBIDDEN to a non-admin agent, and nothing is written', async () => {
    const before = await counts();
    const create = await t.gql(CreateDepartmentDocument, { input: { name: 'Shadow IT' } }, { token: limited });
    expect(create.status).toBe(200);
    expect(create.data?.createDepartment).toEqual({ department: null, userErrors: [{ field: null, code: 'FORBIDDEN', message: 'Only administrators may do this' }] });
    const agent = await t.gql(
      CreateAgentDocument,
      { input: { name: 'Mallory', email: 'mallory@example.com', password: 'mallory-pass-1', primaryDepartmentId: supportId, roleId, isAdmin: true } },
      { token: limited },
    );
    expect(agent.data?.createAgent.userErrors[0]?.code).toBe('FORBIDDEN');
    const del = await t.gql(DeleteDepartmentDocument, { input: { id: supportId } }, { token: limited });
    expect(del.data?.deleteDepartment).toEqual({ deletedId: null, userErrors: [{ field: null, code: 'FORBIDDEN', message: 'Only administrators may do this' }] });
    expect(await counts()).toEqual(before);
  });

  it('need a login: anonymous callers get UNAUTHENTICATED', async () => {
    const before = await counts();
    const res = await t.gql(CreateDepartmentDocument, { input: { name: 'Anon' } });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await counts()).toEqual(before);
  });

  it('report a duplicate agent email as BAD_USER_INPUT on the field, and write nothing', async () => {
    const before = await counts();
    const res = await t.gql(
      CreateAgentDocument,
      { input: { name: 'Lena Two', email: ' LENA@example.com ', password: 'lena-password-2', primaryDepartmentId: supportId, roleId } },
      { token: admin },
    );
    expect(res.data?.createAgent).toEqual({
      agent: null,
      userErrors: [
        { field: ['email'], code: 'BAD_USER_INPUT', message: 'email is already taken' },
        { field: ['username'], code: 'BAD_USER_INPUT', message: 'username is already taken' },
      ],
    });
    expect(await counts()).toEqual(before);
  });

  it('report every input problem at once', async () => {
    const res = await t.gql(
      CreateAgentDocument,
      { input: { name: ' ', email: 'not-an-email', password: 'short', primaryDepartmentId: 'x', roleId: supportId } },
      { token: admin },
    );
    expect(res.data?.createAgent.userErrors.map((e) => [e.field?.join('.'), e.code])).toEqual([
      ['name', 'BAD_USER_INPUT'],
      ['email', 'BAD_USER_INPUT'],
      ['password', 'BAD_USER_INPUT'],
      ['primaryDepartmentId', 'NOT_FOUND'],
      ['roleId', 'NOT_FOUND'],
    ]);
  });

  it('refuse names with line breaks (they would reach email headers) and keep markup as plain text', async () => {
    const res = await t.gql(CreateDepartmentDocument, { input: { name: 'Sales\r\nBcc: all@example.com' } }, { token: admin });
    expect(res.data?.createDepartment.userErrors).toEqual([
      { field: ['name'], code: 'BAD_USER_INPUT', message: 'name must not contain control characters or line breaks' },
    ]);
    const xss = '<img src=x onerror=alert(1)>';
    const ok = await t.gql(CreateDepartmentDocument, { input: { name: xss } }, { token: admin });
    // Names are plain text: stored and returned verbatim as a JSON string, never as HTML.
    expect(ok.data?.createDepartment.department?.name).toBe(xss);
  });

  it('refuse to delete the default department', async () => {
    const res = await t.gql(DeleteDepartmentDocument, { input: { id: supportId } }, { token: admin });
    expect(res.data?.deleteDepartment.userErrors).toEqual([{ field: ['id'], code: 'CONFLICT', message: 'The default department cannot be deleted' }]);
  });
});
