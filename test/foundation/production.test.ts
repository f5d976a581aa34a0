import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, wsResult, type TestServer } from '../support/server';

// Production mode: internal errors are masked on HTTP and WebSocket alike,
// introspection and GraphiQL are off.
let t: TestServer;
let admin: string;

beforeAll(async () => {
  t = await startTestServer({ NODE_ENV: 'production' });
  admin = await t.adminToken();
});
afterAll(() => t?.close());

/**
 * A real internal failure: the table behind `mailboxes` disappears for the
 * duration of `run` (one the viewer's authentication does not read: the
 * token's statement reads agents, roles, teams and department access).
 */
async function withBrokenMailboxes<T>(run: () => Promise<T>): Promise<T> {
  const conn = t.server.db.orm.em.getConnection();
  await conn.execute('alter table "mailbox" rename to "mailbox_hidden_by_test"');
  try {
    return await run();
  } finally {
    await conn.execute('alter table "mailbox_hidden_by_test" rename to "mailbox"');
  }
}

const MASKED = { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };

describe('production mode', () => {
  it('masks an internal error over HTTP: no SQL, no stack, just the code and path', async () => {
    const res = await withBrokenMailboxes(() => t.gql('{ viewer { name } mailboxes { address } }', {}, { token: admin }));
    expect(res.status).toBe(200);
    expect(res.data).toBeNull();
    expect(res.errors).toEqual([{ ...MASKED, locations: [{ line: 1, column: 19 }], path: ['mailboxes'] }]);
    expect(JSON.stringify(res)).not.toMatch(/mailbox_hidden|select|relation|stack/i);
  });

  it('masks an internal error over WebSocket the same way', async () => {
    const client = t.ws({ authorization: `Bearer ${admin}` });
    await wsResult(client, '{ viewer { name } }');
    const res = await withBrokenMailboxes(() => wsResult(client, '{ mailboxes { address } }'));
    expect(res).toEqual({ data: null, errors: [{ ...MASKED, locations: [{ line: 1, column: 3 }], path: ['mailboxes'] }] });
  });

  it('masks a failure while authenticating the viewer: a 500 with the masked error, nothing of the SQL', async () => {
    const conn = t.server.db.orm.em.getConnection();
    await conn.execute('alter table "role" rename to "role_hidden_by_test"');
    let res: { status: number; body: string };
    try {
      const r = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ query: '{ viewer { name } }' }) });
      res = { status: r.status, body: await r.text() };
    } finally {
      await conn.execute('alter table "role_hidden_by_test" rename to "role"');
    }
    expect(res.status).toBe(500);
    expect((JSON.parse(res.body) as { errors: unknown }).errors).toEqual([MASKED]);
    expect(res.body).not.toMatch(/role_hidden|select|relation|stack/i);
    // and the same token works again once the table is back
    expect((await t.gql('{ viewer { name } }', {}, { token: admin })).data).toEqual({ viewer: { name: expect.any(String) } });
  });

  it('keeps client errors readable, without stack traces', async () => {
    const res = await t.gql('{ agents(first: 500) { totalCount } }', {}, { token: admin });
    expect(res.errors).toEqual([
      { message: '"first" must be between 0 and 100; got 500', locations: [{ line: 1, column: 3 }], path: ['agents'], extensions: { code: 'BAD_USER_INPUT' } },
    ]);
  });

  it('turns introspection, field suggestions and GraphiQL off', async () => {
    const res = await t.gql('{ __schema { types { name } } }', {}, { token: admin });
    expect(res.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await t.gql('{ viewr { name } }', {}, { token: admin });
    expect(typo.errors?.[0]?.message).not.toContain('Did you mean');
    const page = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('graphiql');
  });
});
