import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attachment, AttachmentContent } from '../../src/modules/attachments/attachment.entity';
import { CannedResponse } from '../../src/modules/canned/canned-response.entity';
import {
  CannedDeleteDocument,
  CannedListDocument,
  CannedNodeDocument,
  CannedUpdateDocument,
  CreateAgentDocument,
  CreateDepartmentDocument,
  DeleteDepartmentDocument,
  type CreateCannedResponseInput,
} from '../__generated__/graphql';
import { createCanned, tryCreateCanned } from '../support/canned';
import { startTestServer, type TestServer } from '../support/server';
import { download, PDF, TEXT, uploadOk } from '../support/uploads';
import { buildWorld, PASSWORD, type World } from '../support/world';

// Managing canned responses (SPEC §1 `canned.manage`, §5): who may, what is stored, what is listed.
let t: TestServer;
let w: World;
/** Reply Only in Support (primary), Expanded Access (with canned.manage) in Sales. */
let split: { id: string; token: string };

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
  const res = await t.gql(
    CreateAgentDocument,
    {
      input: {
        name: 'Sam Split',
        email: 'sam@desk.test',
        password: PASSWORD,
        primaryDepartmentId: w.supportId,
        roleId: w.roles['Reply Only']!,
        departmentAccess: [{ departmentId: w.salesId, roleId: w.roles['Expanded Access']! }],
      },
    },
    { token: w.agents.admin.token },
  );
  expect(res.data?.createAgent.userErrors).toEqual([]);
  split = { id: res.data!.createAgent.agent!.id, token: await t.login('sam@desk.test', PASSWORD) };
});
afterAll(() => t?.close());

/** Everything a refused command could have changed. */
const snapshot = async () => ({
  canned: (await t.em().find(CannedResponse, {}, { orderBy: { id: 'asc' } })).map((c) => ({ ...c, department: c.department?.id ?? null })),
  attachments: (await t.em().find(Attachment, {}, { orderBy: { id: 'asc' } })).map((a) => [a.id, a.entry?.id ?? null, a.cannedResponse?.id ?? null]),
  contents: await t.em().count(AttachmentContent, {}),
});

const FORBIDDEN_DEPT = [{ field: null, code: 'FORBIDDEN', message: 'Your role may not manage canned responses in this department' }];
const FORBIDDEN_ALL = [{ field: null, code: 'FORBIDDEN', message: 'Only administrators manage canned responses for all departments' }];

describe('canned.manage', () => {
  it('lets administrators and agents with canned.manage in the department create, change and delete', async () => {
    const all = await createCanned(t, w.agents.admin.token, { title: 'Greeting', body: '<p>Hello %{recipient.name}</p>' });
    expect(all).toMatchObject({ title: 'Greeting', body: '<p>Hello %{recipient.name}</p>', isEnabled: true, department: null, attachments: [], viewerCanManage: true });

    const mine = await createCanned(t, w.agents.full.token, { title: 'Support hello', body: '<p>Support</p>', departmentId: w.supportId });
    expect(mine).toMatchObject({ department: { id: w.supportId, name: 'Support' }, viewerCanManage: true });
    // an extra department's role counts there
    const sales = await createCanned(t, split.token, { title: 'Sales hello', body: '<p>Sales</p>', departmentId: w.salesId });
    expect(sales.department?.name).toBe('Sales');

    const updated = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: mine.id, title: 'Support hi', body: '<p>Hi <b>there</b></p>', isEnabled: false } }, { token: w.agents.full.token });
    expect(updated.data?.updateCannedResponse.userErrors).toEqual([]);
    expect(updated.data?.updateCannedResponse.cannedResponse).toMatchObject({ id: mine.id, title: 'Support hi', body: '<p>Hi <b>there</b></p>', isEnabled: false, department: { id: w.supportId } });
    // moving to another department needs canned.manage there too (Fiona has it only in Support; the admin everywhere)
    const moved = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: mine.id, departmentId: w.salesId } }, { token: w.agents.admin.token });
    expect(moved.data?.updateCannedResponse.cannedResponse?.department?.id).toBe(w.salesId);
    const back = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: mine.id, departmentId: w.supportId } }, { token: split.token });
    expect(back.data?.updateCannedResponse.userErrors).toEqual(FORBIDDEN_DEPT);

    const del = await t.gql(CannedDeleteDocument, { input: { id: sales.id } }, { token: split.token });
    expect(del.data?.deleteCannedResponse).toEqual({ deletedId: sales.id, userErrors: [] });
    expect((await t.gql(CannedNodeDocument, { id: sales.id }, { token: w.agents.admin.token })).data?.node).toBeNull();
  });

  it('refuses agents without canned.manage there with FORBIDDEN, writing nothing', async () => {
    const support = await createCanned(t, w.agents.admin.token, { title: 'Support template', body: '<p>Support</p>', departmentId: w.supportId });
    const sales = await createCanned(t, w.agents.admin.token, { title: 'Sales template', body: '<p>Sales</p>', departmentId: w.salesId });
    const everywhere = await createCanned(t, w.agents.admin.token, { title: 'Everywhere template', body: '<p>All</p>' });
    const before = await snapshot();

    // Rory's role (Reply Only) lacks canned.manage; Sam's primary role is the same one
    for (const token of [w.agents.replyOnly.token, split.token]) {
      expect((await tryCreateCanned(t, token, { title: 'Nope', body: '<p>x</p>', departmentId: w.supportId })).data?.createCannedResponse).toEqual({ cannedResponse: null, userErrors: FORBIDDEN_DEPT });
      const update = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: support.id, title: 'Changed' } }, { token });
      expect(update.data?.updateCannedResponse).toEqual({ cannedResponse: null, userErrors: FORBIDDEN_DEPT });
      const del = await t.gql(CannedDeleteDocument, { input: { id: support.id } }, { token });
      expect(del.data?.deleteCannedResponse).toEqual({ deletedId: null, userErrors: FORBIDDEN_DEPT });
    }
    // Fiona manages Support only: not Sales, not the all-departments ones
    expect((await tryCreateCanned(t, w.agents.full.token, { title: 'Nope', body: '<p>x</p>', departmentId: w.salesId })).data?.createCannedResponse.userErrors).toEqual(FORBIDDEN_DEPT);
    expect((await tryCreateCanned(t, w.agents.full.token, { title: 'Nope', body: '<p>x</p>' })).data?.createCannedResponse.userErrors).toEqual(FORBIDDEN_ALL);
    expect((await tryCreateCanned(t, w.agents.full.token, { title: 'Nope', body: '<p>x</p>', departmentId: null })).data?.createCannedResponse.userErrors).toEqual(FORBIDDEN_ALL);
    const salesEdit = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: sales.id, isEnabled: false } }, { token: w.agents.full.token });
    expect(salesEdit.data?.updateCannedResponse.userErrors).toEqual(FORBIDDEN_DEPT);
    const allEdit = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: everywhere.id, body: '<p>changed</p>' } }, { token: w.agents.full.token });
    expect(allEdit.data?.updateCannedResponse.userErrors).toEqual(FORBIDDEN_ALL);
    const widen = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: support.id, departmentId: null } }, { token: w.agents.full.token });
    expect(widen.data?.updateCannedResponse.userErrors).toEqual(FORBIDDEN_ALL);
    const away = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: support.id, departmentId: w.salesId } }, { token: w.agents.full.token });
    expect(away.data?.updateCannedResponse.userErrors).toEqual(FORBIDDEN_DEPT);
    expect((await t.gql(CannedDeleteDocument, { input: { id: everywhere.id } }, { token: w.agents.full.token })).data?.deleteCannedResponse.userErrors).toEqual(FORBIDDEN_ALL);
    // a refused agent's upload stays theirs, unbound
    const upload = await uploadOk(t, w.agents.replyOnly.token, TEXT, 'rory.txt');
    const withFile = await tryCreateCanned(t, w.agents.replyOnly.token, { title: 'Nope', body: '<p>x</p>', departmentId: w.supportId, attachmentIds: [upload.id] });
    expect(withFile.data?.createCannedResponse.userErrors).toEqual(FORBIDDEN_DEPT);
    const after = await snapshot();
    expect(after.canned).toEqual(before.canned);
    expect(after.attachments.slice(0, -1)).toEqual(before.attachments);
    expect(after.attachments.at(-1)).toEqual([expect.any(Number), null, null]);

    // end users are refused by the access rule
    const owner = await tryCreateCanned(t, w.users.owner.token, { title: 'Nope', body: '<p>x</p>', departmentId: w.supportId });
    expect(owner.data?.createCannedResponse).toEqual({ cannedResponse: null, userErrors: [{ field: null, code: 'FORBIDDEN', message: 'You are not allowed to do this' }] });
    expect((await snapshot()).canned).toEqual(before.canned);
  });

  it('answers NOT_FOUND for a disabled response the agent does not manage, and for bad ids', async () => {
    const hidden = await createCanned(t, w.agents.admin.token, { title: 'Hidden Sales', body: '<p>x</p>', departmentId: w.salesId, isEnabled: false });
    const before = await snapshot();
    for (const cannedResponseId of [hidden.id, w.salesId, 'garbage']) {
      const res = await t.gql(CannedUpdateDocument, { input: { cannedResponseId, title: 'Peek' } }, { token: w.agents.full.token });
      expect(res.data?.updateCannedResponse.userErrors).toEqual([{ field: ['cannedResponseId'], code: 'NOT_FOUND', message: 'Canned response not found' }]);
    }
    expect((await t.gql(CannedDeleteDocument, { input: { id: hidden.id } }, { token: w.agents.full.token })).data?.deleteCannedResponse.userErrors).toEqual([
      { field: ['id'], code: 'NOT_FOUND', message: 'Canned response not found' },
    ]);
    const badDept = await tryCreateCanned(t, w.agents.admin.token, { title: 'Where?', body: '<p>x</p>', departmentId: w.teamId });
    expect(badDept.data?.createCannedResponse.userErrors).toEqual([{ field: ['departmentId'], code: 'NOT_FOUND', message: 'Department not found' }]);
    expect(await snapshot()).toEqual(before);
    // node(id:): a disabled response is visible to those who manage it only
    expect((await t.gql(CannedNodeDocument, { id: hidden.id }, { token: w.agents.full.token })).data?.node).toBeNull();
    expect((await t.gql(CannedNodeDocument, { id: hidden.id }, { token: split.token })).data?.node).toEqual({ __typename: 'CannedResponse', id: hidden.id, title: 'Hidden Sales', isEnabled: false });
    const enabled = await createCanned(t, w.agents.admin.token, { title: 'Visible', body: '<p>x</p>', departmentId: w.salesId });
    expect((await t.gql(CannedNodeDocument, { id: enabled.id }, { token: w.agents.replyOnly.token })).data?.node).toMatchObject({ title: 'Visible' });
    expect((await t.gql(CannedNodeDocument, { id: enabled.id }, { token: w.users.owner.token })).data?.node).toBeNull();
  });
});

describe('what is stored', () => {
  it('refuses an empty, blank or multi-line title and an empty body, all at once, writing nothing', async () => {
    const before = await snapshot();
    const cases: [CreateCannedResponseInput, { field: string[]; code: string; message: string }[]][] = [
      [{ title: '', body: '' }, [
        { field: ['title'], code: 'BAD_USER_INPUT', message: 'title must not be empty' },
        { field: ['body'], code: 'BAD_USER_INPUT', message: 'body must not be empty' },
      ]],
      [{ title: '   ', body: '<p> </p>' }, [
        { field: ['title'], code: 'BAD_USER_INPUT', message: 'title must not be empty' },
        { field: ['body'], code: 'BAD_USER_INPUT', message: 'body must not be empty' },
      ]],
      [{ title: 'Scripts only', body: '<script>alert(1)</script><img src=x onerror=alert(1)>' }, [{ field: ['body'], code: 'BAD_USER_INPUT', message: 'body must not be empty' }]],
      [{ title: 'Two\nlines', body: '<p>x</p>' }, [{ field: ['title'], code: 'BAD_USER_INPUT', message: 'title must not contain control characters or line breaks' }]],
      [{ title: 'x'.repeat(201), body: '<p>x</p>' }, [{ field: ['title'], code: 'BAD_USER_INPUT', message: 'title must be at most 200 characters' }]],
      [{ title: 'Huge', body: 'x'.repeat(256_001) }, [{ field: ['body'], code: 'BAD_USER_INPUT', message: 'body must be at most 256000 characters' }]],
    ];
    for (const [input, errors] of cases) {
      const res = await tryCreateCanned(t, w.agents.full.token, { ...input, departmentId: w.supportId });
      expect(res.data?.createCannedResponse, JSON.stringify(input).slice(0, 80)).toEqual({ cannedResponse: null, userErrors: errors });
    }
    const target = await createCanned(t, w.agents.full.token, { title: 'Valid', body: '<p>x</p>', departmentId: w.supportId });
    const snap = await snapshot();
    const bad = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: target.id, title: ' ', body: '<b></b>', isEnabled: false } }, { token: w.agents.full.token });
    expect(bad.data?.updateCannedResponse.userErrors.map((e) => e.field?.join('.'))).toEqual(['title', 'body']);
    expect(await snapshot()).toEqual(snap);
    expect((await snapshot()).canned.length).toBe(before.canned.length + 1);
  });

  it('stores script in a body as nothing and script in a title as plain text', async () => {
    const res = await createCanned(t, w.agents.full.token, {
      title: '<script>alert("title")</script>',
      body: '<p onclick="alert(1)">Hi</p><script>alert(2)</script><img src=x onerror=alert(3)><a href="javascript:alert(4)">x</a><iframe src="https://evil.test"></iframe><svg onload=alert(5)></svg>',
      departmentId: w.supportId,
    });
    expect(res.body).toBe('<p>Hi</p><a rel="noopener noreferrer nofollow" target="_blank">x</a>');
    // a title is text (String, never HTML): kept as typed, for clients to escape like any subject or name
    expect(res.title).toBe('<script>alert("title")</script>');
    const stored = await t.em().findOneOrFail(CannedResponse, { title: '<script>alert("title")</script>' });
    expect(stored.body).not.toMatch(/<script|onerror|onclick|javascript:|<iframe|<svg/i);
    const updated = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: res.id, body: '<p>ok</p><img src="cid:abc" onerror="x()">' } }, { token: w.agents.full.token });
    expect(updated.data?.updateCannedResponse.cannedResponse?.body).toBe('<p>ok</p><img src="/attachments/abc" />');
  });

  it("binds the agent's own unused uploads, replaces the set on update, and deletes what was dropped", async () => {
    const pdf = await uploadOk(t, w.agents.full.token, PDF, 'guide.pdf');
    const txt = await uploadOk(t, w.agents.full.token, TEXT, 'notes.txt');
    const someoneElses = await uploadOk(t, w.agents.replyOnly.token, TEXT, 'rory.txt');
    const before = await snapshot();
    const refused = await tryCreateCanned(t, w.agents.full.token, { title: 'Files', body: '<p>x</p>', departmentId: w.supportId, attachmentIds: [pdf.id, someoneElses.id, pdf.id, 'garbage'] });
    expect(refused.data?.createCannedResponse.userErrors).toEqual([
      { field: ['attachmentIds', '1'], code: 'NOT_FOUND', message: 'Attachment not found' },
      { field: ['attachmentIds', '2'], code: 'NOT_FOUND', message: 'Attachment not found' },
      { field: ['attachmentIds', '3'], code: 'NOT_FOUND', message: 'Attachment not found' },
    ]);
    expect(await snapshot()).toEqual(before);

    const canned = await createCanned(t, w.agents.full.token, { title: 'Files', body: '<p>x</p>', departmentId: w.supportId, attachmentIds: [pdf.id, txt.id] });
    expect(canned.attachments.map((a) => a.id)).toEqual([pdf.id, txt.id]);
    // now the canned response's: no other canned response takes them
    const taken = await tryCreateCanned(t, w.agents.full.token, { title: 'Steal', body: '<p>x</p>', departmentId: w.supportId, attachmentIds: [txt.id] });
    expect(taken.data?.createCannedResponse.userErrors).toEqual([{ field: ['attachmentIds', '0'], code: 'NOT_FOUND', message: 'Attachment not found' }]);

    const more = await uploadOk(t, w.agents.full.token, TEXT, 'more.txt');
    const contents = await t.em().count(AttachmentContent, {});
    const replaced = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: canned.id, attachmentIds: [txt.id, more.id] } }, { token: w.agents.full.token });
    expect(replaced.data?.updateCannedResponse.userErrors).toEqual([]);
    expect(replaced.data?.updateCannedResponse.cannedResponse?.attachments.map((a) => a.filename)).toEqual(['notes.txt', 'more.txt']);
    expect(await t.em().count(AttachmentContent, {})).toBe(contents - 1);
    expect((await download(t, w.agents.full.token, pdf.id)).status).toBe(404);
    expect((await download(t, w.agents.replyOnly.token, more.id)).status).toBe(200);

    // omitted: unchanged; empty: none
    const renamed = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: canned.id, title: 'Renamed' } }, { token: w.agents.full.token });
    expect(renamed.data?.updateCannedResponse.cannedResponse?.attachments).toHaveLength(2);
    const cleared = await t.gql(CannedUpdateDocument, { input: { cannedResponseId: canned.id, attachmentIds: [] } }, { token: w.agents.full.token });
    expect(cleared.data?.updateCannedResponse.cannedResponse?.attachments).toEqual([]);
    expect(await t.em().count(AttachmentContent, {})).toBe(contents - 3);
  });

  it('keeps a department that still has canned responses', async () => {
    const dept = (await t.gql(CreateDepartmentDocument, { input: { name: 'Short-lived' } }, { token: w.agents.admin.token })).data!.createDepartment.department!;
    const canned = await createCanned(t, w.agents.admin.token, { title: 'Short-lived template', body: '<p>x</p>', departmentId: dept.id });
    const refused = await t.gql(DeleteDepartmentDocument, { input: { id: dept.id } }, { token: w.agents.admin.token });
    expect(refused.data?.deleteDepartment.userErrors).toEqual([{ field: null, code: 'CONFLICT', message: 'The object is still in use' }]);
    await t.gql(CannedDeleteDocument, { input: { id: canned.id } }, { token: w.agents.admin.token });
    expect((await t.gql(DeleteDepartmentDocument, { input: { id: dept.id } }, { token: w.agents.admin.token })).data?.deleteDepartment.userErrors).toEqual([]);
  });
});

describe('cannedResponses', () => {
  it("lists the enabled ones of the asked department and all departments; by default the agent's departments", async () => {
    const dept = (await t.gql(CreateDepartmentDocument, { input: { name: 'Listing' } }, { token: w.agents.admin.token })).data!.createDepartment.department!;
    const ids = {
      all: (await createCanned(t, w.agents.admin.token, { title: 'A all departments', body: '<p>x</p>' })).id,
      allOff: (await createCanned(t, w.agents.admin.token, { title: 'B all off', body: '<p>x</p>', isEnabled: false })).id,
      support: (await createCanned(t, w.agents.admin.token, { title: 'C support', body: '<p>x</p>', departmentId: w.supportId })).id,
      supportOff: (await createCanned(t, w.agents.admin.token, { title: 'D support off', body: '<p>x</p>', departmentId: w.supportId, isEnabled: false })).id,
      sales: (await createCanned(t, w.agents.admin.token, { title: 'E sales', body: '<p>x</p>', departmentId: w.salesId })).id,
      salesOff: (await createCanned(t, w.agents.admin.token, { title: 'F sales off', body: '<p>x</p>', departmentId: w.salesId, isEnabled: false })).id,
      listing: (await createCanned(t, w.agents.admin.token, { title: 'G listing', body: '<p>x</p>', departmentId: dept.id })).id,
    };
    const mine = new Set(Object.values(ids));
    // the earlier tests' responses are left out of the comparison
    const list = async (token: string, vars: { departmentId?: string | null; includeDisabled?: boolean } = {}) =>
      (await t.gql(CannedListDocument, vars, { token })).data!.cannedResponses.filter((c) => mine.has(c.id)).map((c) => [c.id, c.viewerCanManage]);
    const { all, allOff, support, supportOff, sales, salesOff, listing } = ids;

    // Fiona (Support, canned.manage there)
    expect(await list(w.agents.full.token)).toEqual([[all, false], [support, true]]);
    expect(await list(w.agents.full.token, { departmentId: w.supportId })).toEqual([[all, false], [support, true]]);
    expect(await list(w.agents.full.token, { departmentId: w.salesId })).toEqual([[all, false], [sales, false]]);
    expect(await list(w.agents.full.token, { includeDisabled: true })).toEqual([[all, false], [support, true], [supportOff, true]]);
    // Rory (Support, no canned.manage): never the disabled ones
    expect(await list(w.agents.replyOnly.token, { includeDisabled: true })).toEqual([[all, false], [support, false]]);
    // Sam: Support and Sales, managing Sales
    expect(await list(split.token, { includeDisabled: true })).toEqual([[all, false], [support, false], [sales, true], [salesOff, true]]);
    // admins: every department
    expect(await list(w.agents.admin.token)).toEqual([[all, true], [support, true], [sales, true], [listing, true]]);
    expect(await list(w.agents.admin.token, { includeDisabled: true })).toEqual([[all, true], [allOff, true], [support, true], [supportOff, true], [sales, true], [salesOff, true], [listing, true]]);
    expect(await list(w.agents.admin.token, { departmentId: dept.id })).toEqual([[all, true], [listing, true]]);
    // an id that is not a department's: the all-departments ones only
    expect(await list(w.agents.admin.token, { departmentId: w.teamId })).toEqual([[all, true]]);
    // end users: refused
    const owner = await t.gql(CannedListDocument, {}, { token: w.users.owner.token });
    expect(owner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
