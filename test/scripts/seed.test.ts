import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/modules/directory/agent.entity';
import { Department } from '../../src/modules/directory/department.entity';
import { EndUser } from '../../src/modules/directory/end-user.entity';
import { Organization } from '../../src/modules/directory/organization.entity';
import { Team } from '../../src/modules/directory/team.entity';
import { testDatabase, type TestDatabase } from '../support/database';
import { runScript, shown as show } from '../support/scripts';
import { ADMIN_EMAIL, startTestServer, type TestServer } from '../support/server';

// `npm run seed -- --demo` as a newcomer runs it: the real script in a child
// process, on a fresh database, then the real server on that same data.
/** The seed script, run to completion (the PGlite folder is free again when this resolves). */
const runSeed = (args: string[], env: Record<string, string> = {}) => runScript('seed.ts', args, { env: { DESKQL_ADMIN_EMAIL: ADMIN_EMAIL, ...env }, timeoutMs: 50_000 });
const DEMO_PASSWORD = 'demo-password-123';

describe('seed script arguments', () => {
  it('refuses an unknown flag with a usage line', async () => {
    const run = await runSeed(['--bogus'], { DESKQL_DATA_DIR: ':memory:' });
    expect(run.code, show(run)).toBe(2);
    expect(run.stderr).toContain("'--bogus'");
    expect(run.stderr).toMatch(/^Usage: npm run seed -- .*--demo/m);
    expect(run.stdout).toBe('');
  });

  // Refused before the database is opened: the usage line, exit 2, nothing printed to stdout (so nothing seeded).
  for (const [label, args, message] of [
    ['a non-number', ['--tickets', 'many'], '--tickets needs a whole number from 1 to 9000000, not "many"'],
    ['a fraction', ['--tickets', '2.5'], '--tickets needs a whole number from 1 to 9000000, not "2.5"'],
    ['zero', ['--tickets', '0'], '--tickets needs a whole number from 1 to 9000000, not "0"'],
    ['a negative number', ['--tickets=-5'], '--tickets needs a whole number from 1 to 9000000, not "-5"'],
    ['too many', ['--tickets', '9000001'], 'not "9000001"'],
    ['a missing value', ['--tickets'], "Option '--tickets <value>' argument missing"],
  ] as const) {
    it(`refuses --tickets with ${label}`, async () => {
      const run = await runSeed([...args], { DESKQL_DATA_DIR: ':memory:' });
      expect(run.code, show(run)).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).toContain('Usage: npm run seed --');
      expect(run.stdout).toBe('');
    });
  }

  it('reports an invalid configuration and exits 1', async () => {
    const run = await runSeed(['--demo'], { DESKQL_DATA_DIR: ':memory:', PORT: 'not-a-port' });
    expect(run.code, show(run)).toBe(1);
    expect(run.stderr).toContain('PORT: must be a whole number');
  });
});

describe('npm run seed -- --demo', () => {
  // Embedded PGlite in a fresh folder, or a fresh database on the DATABASE_URL server.
  let dataDir: string | null = null;
  let db: TestDatabase | null = null;
  let env: Record<string, string>;
  let t: TestServer | null = null;
  let adminPassword = '';

  beforeAll(async () => {
    if (process.env.DATABASE_URL) {
      db = await testDatabase();
      env = db.env;
    } else {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-seed-'));
      env = { DESKQL_DATA_DIR: dataDir };
    }
  });

  afterAll(async () => {
    // startTestServer made (and its close() drops) a database of its own, which our env
    // overrode and so went unused; the seeded database is ours to drop, after the server
    // has closed its connections to it (or, on PGlite, let go of the folder).
    try {
      await t?.close();
    } finally {
      await db?.drop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('creates the first admin and the demo desk on a fresh database', { timeout: 60_000 }, async () => {
    const run = await runSeed(['--demo'], env);
    expect(run.code, show(run)).toBe(0);
    // No DESKQL_ADMIN_PASSWORD: the seed made the admin, so it must print the generated password.
    expect(run.stdout).toContain(`email:    ${ADMIN_EMAIL}`);
    adminPassword = /password: (\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(adminPassword).toMatch(/^\S{10,}$/);
    for (const line of ['created  department "Billing" under "Sales"', 'created  team "Night shift"', 'created  agent grace@demo.deskql.test', 'created  end user sam@demo.deskql.test']) {
      expect(run.stdout).toContain(line);
    }
    expect(run.stdout).toContain('| Email | Kind | Role / organization | Password |');
    expect(run.stdout).toContain(`| alice@demo.deskql.test | Agent | All Access in Support | \`${DEMO_PASSWORD}\` |`);
    expect(run.stderr).toBe('');
  });

  it('changes nothing when run again', { timeout: 60_000 }, async () => {
    const run = await runSeed(['--demo'], env);
    expect(run.code, show(run)).toBe(0);
    expect(run.stdout).not.toContain('First admin created');
    expect(run.stdout).not.toMatch(/^\s+(created|updated) /m);
    expect(run.stdout).toContain('exists   agent alice@demo.deskql.test');
    expect(run.stdout).toContain('nothing to do');
    expect(run.stdout).toContain('| sam@demo.deskql.test | End user | no organization |');
  });

  it('serves the demo desk: counts, structure and logins', { timeout: 60_000 }, async () => {
    expect(adminPassword, 'the first run must have passed').not.toBe('');
    // The seed processes have exited (runSeed waits for 'close'), so the server may open the PGlite folder.
    t = await startTestServer(env);

    const em = t.em();
    expect(await em.count(Agent, {})).toBe(1 + 7);
    expect(await em.count(EndUser, {})).toBe(4);
    expect(await em.count(Department, {})).toBe(4);
    expect(await em.count(Team, {})).toBe(2);
    expect(await em.count(Organization, {})).toBe(2);

    const admin = await t.login(ADMIN_EMAIL, adminPassword);
    type Directory = {
      departments: unknown[];
      teams: { name: string; lead: { email: string } | null; members: { email: string }[] }[];
      organizations: { edges: { node: unknown }[] };
    };
    const dir = await t.gql<Directory, unknown>(
      `{
        departments { name isDefault parent { name } }
        teams { name lead { email } members { email } }
        organizations { edges { node { name sharesTickets members { totalCount } } } }
      }`,
      {},
      { token: admin },
    );
    expect(dir.errors).toBeUndefined();
    expect(dir.data?.departments).toEqual([
      { name: 'Billing', isDefault: false, parent: { name: 'Sales' } },
      { name: 'IT', isDefault: false, parent: null },
      { name: 'Sales', isDefault: false, parent: null },
      { name: 'Support', isDefault: true, parent: null },
    ]);
    const teams = Object.fromEntries(
      dir.data!.teams.map((team) => [
        team.name,
        { lead: team.lead?.email, members: team.members.map((m) => m.email).sort() },
      ]),
    );
    expect(teams).toEqual({
      'Night shift': { lead: 'frank@demo.deskql.test', members: ['dave@demo.deskql.test', 'frank@demo.deskql.test'] },
      'Tier 2': { lead: 'bob@demo.deskql.test', members: ['alice@demo.deskql.test', 'bob@demo.deskql.test'] },
    });
    expect(dir.data?.organizations.edges.map((e) => e.node)).toEqual([
      { name: 'Acme Corp', sharesTickets: true, members: { totalCount: 2 } },
      { name: 'Globex', sharesTickets: false, members: { totalCount: 1 } },
    ]);

    const agentViewer = `{
      viewer {
        __typename name
        ... on Agent {
          email isAdmin assignedOnly role { name } primaryDepartment { name } teams { name }
          departmentAccess { department { name } role { name } }
        }
      }
    }`;
    const alice = await t.gql<{ viewer: unknown }, unknown>(agentViewer, {}, { token: await t.login('alice@demo.deskql.test', DEMO_PASSWORD) });
    expect(alice.data?.viewer).toEqual({
      __typename: 'Agent',
      name: 'Alice Anders',
      email: 'alice@demo.deskql.test',
      isAdmin: false,
      assignedOnly: false,
      role: { name: 'All Access' },
      primaryDepartment: { name: 'Support' },
      teams: [{ name: 'Tier 2' }],
      departmentAccess: [],
    });

    const grace = await t.gql<{ viewer: { departmentAccess: unknown[] } }, unknown>(agentViewer, {}, { token: await t.login('grace@demo.deskql.test', DEMO_PASSWORD) });
    expect(grace.data?.viewer).toMatchObject({ name: 'Grace Green', role: { name: 'Expanded Access' }, primaryDepartment: { name: 'Sales' } });
    expect(grace.data?.viewer.departmentAccess).toEqual(
      expect.arrayContaining([
        { department: { name: 'Billing' }, role: { name: 'Reply Only' } },
        { department: { name: 'IT' }, role: { name: 'View Only' } },
      ]),
    );
    expect(grace.data?.viewer.departmentAccess).toHaveLength(2);

    const frank = await t.gql<{ viewer: unknown }, unknown>(agentViewer, {}, { token: await t.login('frank@demo.deskql.test', DEMO_PASSWORD) });
    expect(frank.data?.viewer).toMatchObject({ name: 'Frank Fischer', assignedOnly: true, role: { name: 'Limited Access' } });

    for (const [email, role] of [
      ['bob@demo.deskql.test', 'Expanded Access'],
      ['carol@demo.deskql.test', 'Limited Access'],
      ['dave@demo.deskql.test', 'Reply Only'],
      ['erin@demo.deskql.test', 'View Only'],
    ] as const) {
      const res = await t.gql<{ viewer: unknown }, unknown>('{ viewer { ... on Agent { role { name } } } }', {}, { token: await t.login(email, DEMO_PASSWORD) });
      expect(res.data?.viewer, email).toEqual({ role: { name: role } });
    }

    const userViewer = '{ viewer { __typename name ... on EndUser { email organization { name sharesTickets } } } }';
    const priya = await t.gql<{ viewer: unknown }, unknown>(userViewer, {}, { token: await t.login('priya@demo.deskql.test', DEMO_PASSWORD) });
    expect(priya.data?.viewer).toEqual({
      __typename: 'EndUser',
      name: 'Priya Patel',
      email: 'priya@demo.deskql.test',
      organization: { name: 'Acme Corp', sharesTickets: true },
    });
    const sam = await t.gql<{ viewer: unknown }, unknown>(userViewer, {}, { token: await t.login('sam@demo.deskql.test', DEMO_PASSWORD) });
    expect(sam.data?.viewer).toMatchObject({ __typename: 'EndUser', name: 'Sam Sato', organization: null });
  });
});
