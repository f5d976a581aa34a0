import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialBox } from '../../src/modules/email/credentials';
import { Mailbox } from '../../src/modules/email/mailbox.entity';
import { startTestServer, type TestServer } from '../support/server';
import { buildWorld, type World } from '../support/world';

// Mailboxes are administered by admins only; the IMAP password is stored sealed and never returned.
let t: TestServer;
let w: World;

const FIELDS = 'id address name department { name } helpTopic { name } priority { name } imap { host port tls user hasPassword folder archiveFolder }';
const CREATE = `mutation($input: CreateMailboxInput!) { createMailbox(input: $input) { mailbox { ${FIELDS} } userErrors { field code message } } }`;
const UPDATE = `mutation($input: UpdateMailboxInput!) { updateMailbox(input: $input) { mailbox { ${FIELDS} } userErrors { field code message } } }`;
const DELETE = 'mutation($input: DeleteInput!) { deleteMailbox(input: $input) { deletedId userErrors { field code message } } }';
const LIST = `{ mailboxes { ${FIELDS} } }`;

type Box = { id: string; address: string; imap: { host: string; port: number; hasPassword: boolean } | null };
type CreateResult = { createMailbox: { mailbox: Box | null; userErrors: { field: string[] | null; code: string }[] } };

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
});
afterAll(() => t?.close());

async function create(input: Record<string, unknown>, token = w.agents.admin.token) {
  const res = await t.gql<CreateResult, unknown>(CREATE, { input }, { token });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.createMailbox;
}

describe('mailboxes', () => {
  it('an admin creates one with IMAP settings; the password is sealed and never returned', async () => {
    const res = await create({
      address: 'Support@Desk.TEST',
      name: 'Support desk',
      departmentId: w.salesId,
      priorityId: w.priorities.High,
      imap: { host: '127.0.0.1', port: 1143, tls: 'NONE', user: 'support', password: 's3cret-imap-pass', archiveFolder: 'Processed' },
    });
    expect(res.userErrors).toEqual([]);
    expect(res.mailbox).toMatchObject({
      address: 'support@desk.test',
      name: 'Support desk',
      department: { name: 'Sales' },
      priority: { name: 'High' },
      imap: { host: '127.0.0.1', port: 1143, tls: 'NONE', user: 'support', hasPassword: true, folder: 'INBOX', archiveFolder: 'Processed' },
    });
    const row = await t.em().findOneOrFail(Mailbox, { address: 'support@desk.test' }, { populate: ['imapPasswordSealed'] });
    expect(row.imapPasswordSealed).not.toContain('s3cret');
    expect((await CredentialBox.load(t.em())).open(row.imapPasswordSealed!)).toBe('s3cret-imap-pass');
    // no field of the schema carries the password
    const introspect = await t.gql<{ __type: { fields: { name: string }[] } }, unknown>('{ __type(name: "ImapSettings") { fields { name } } }', {}, { token: w.agents.admin.token });
    expect(introspect.data!.__type.fields.map((f) => f.name)).not.toContain('password');

    // an update without a password keeps the stored one
    const upd = await t.gql<{ updateMailbox: CreateResult['createMailbox'] }, unknown>(
      UPDATE,
      { input: { mailboxId: res.mailbox!.id, imap: { host: 'imap.local', tls: 'TLS', user: 'support' } } },
      { token: w.agents.admin.token },
    );
    expect(upd.data!.updateMailbox.userErrors).toEqual([]);
    expect(upd.data!.updateMailbox.mailbox!.imap).toMatchObject({ host: 'imap.local', port: 993 });
    const again = await t.em().findOneOrFail(Mailbox, { address: 'support@desk.test' }, { populate: ['imapPasswordSealed'] });
    expect((await CredentialBox.load(t.em())).open(again.imapPasswordSealed!)).toBe('s3cret-imap-pass');
  });

  it('reports every bad input at once and writes nothing', async () => {
    const before = await t.em().count(Mailbox, {});
    const res = await create({
      address: 'not an address',
      name: 'Line\r\nBreak',
      departmentId: 'nope',
      imap: { host: 'h', port: 70000, user: 'u', folder: 'INBOX', archiveFolder: 'INBOX' },
    });
    expect(res.mailbox).toBeNull();
    expect(res.userErrors.map((e) => [e.code, e.field?.join('.')]).sort()).toEqual(
      [
        ['BAD_USER_INPUT', 'address'],
        ['BAD_USER_INPUT', 'imap.archiveFolder'],
        ['BAD_USER_INPUT', 'imap.password'],
        ['BAD_USER_INPUT', 'imap.port'],
        ['BAD_USER_INPUT', 'name'],
        ['NOT_FOUND', 'departmentId'],
      ].sort(),
    );
    const dup = await create({ address: 'support@desk.test' });
    expect(dup.userErrors).toEqual([{ field: ['address'], code: 'BAD_USER_INPUT', message: 'address is already taken' }]);
    expect(await t.em().count(Mailbox, {})).toBe(before);
  });

  it('agents, end users and anonymous callers may not read or change mailboxes', async () => {
    const before = await t.em().count(Mailbox, {});
    for (const token of [w.agents.full.token, w.agents.other.token, w.users.owner.token]) {
      const res = await create({ address: 'x@desk.test' }, token);
      expect(res).toEqual({ mailbox: null, userErrors: [{ field: null, code: 'FORBIDDEN', message: 'Only administrators may do this' }] });
      const list = await t.gql(LIST, {}, { token });
      expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const [box] = (await t.gql<{ mailboxes: Box[] }, unknown>(LIST, {}, { token: w.agents.admin.token })).data!.mailboxes;
    const del = await t.gql<{ deleteMailbox: { userErrors: { code: string }[] } }, unknown>(DELETE, { input: { id: box!.id } }, { token: w.agents.full.token });
    expect(del.data!.deleteMailbox.userErrors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    const upd = await t.gql<{ updateMailbox: { userErrors: { code: string }[] } }, unknown>(UPDATE, { input: { mailboxId: box!.id, name: 'x' } }, { token: w.users.owner.token });
    expect(upd.data!.updateMailbox.userErrors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    const anon = await t.gql(LIST, {}, { token: null });
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // the node is invisible to non-admins
    const node = await t.gql<{ node: unknown }, unknown>('query($id: ID!) { node(id: $id) { id } }', { id: box!.id }, { token: w.agents.full.token });
    expect(node.data!.node).toBeNull();
    expect(await t.em().count(Mailbox, {})).toBe(before);
  });

  it('an admin deletes one', async () => {
    const res = await create({ address: 'gone@desk.test' });
    const del = await t.gql<{ deleteMailbox: { deletedId: string; userErrors: unknown[] } }, unknown>(DELETE, { input: { id: res.mailbox!.id } }, { token: w.agents.admin.token });
    expect(del.data!.deleteMailbox).toEqual({ deletedId: res.mailbox!.id, userErrors: [] });
    expect(await t.em().count(Mailbox, { address: 'gone@desk.test' })).toBe(0);
  });
});
