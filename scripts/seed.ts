/**
 * Seeds a DeskQL database: `npm run seed -- --demo`.
 *
 * Reads the same configuration as the server (DATABASE_URL or DESKQL_DATA_DIR,
 * DESKQL_ADMIN_*), migrates and bootstraps, so it works on a fresh data folder
 * too. `--demo` adds a small demo help desk through the directory service — the
 * same rules as the GraphQL mutations — and skips whatever already exists (by
 * unique name or email), so running it again changes nothing.
 *
 * Exit codes: 0 done; 1 invalid configuration or a refused/failed step;
 * 2 wrong usage (or an option that is not available yet).
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AgentViewer, Context } from '../src/common/context';
import { DomainError } from '../src/common/errors';
import { toGlobalId } from '../src/common/global-id';
import { createLogger } from '../src/common/logger';
import { loadConfig, type Config } from '../src/config';
import { bootstrap, DEFAULT_ROLES } from '../src/db/bootstrap';
import { migrate, openDatabase, type Database } from '../src/db/orm';
import { Agent } from '../src/modules/directory/agent.entity';
import { Department } from '../src/modules/directory/department.entity';
import { createAgent } from '../src/modules/directory/agent.service';
import { createDepartment, createTeam, updateTeam } from '../src/modules/directory/directory.service';
import { createEndUser, createOrganization } from '../src/modules/directory/end-user.service';
import { EndUser } from '../src/modules/directory/end-user.entity';
import { Organization } from '../src/modules/directory/organization.entity';
import { Role } from '../src/modules/directory/role.entity';
import { Team } from '../src/modules/directory/team.entity';
import { createServices } from '../src/server/app';
import { MAX_SEEDED, seedTickets } from './seed-tickets';

export const USAGE = 'Usage: npm run seed -- [--demo] [--tickets N] [--help]';

const HELP = `${USAGE}

  (no option)   migrate the database and create the first admin if there is none
  --demo        also add a small demo help desk (departments, teams, agents,
                organizations, end users); safe to run again
  --tickets N   also add N tickets for scale testing, by bulk SQL (after the demo
                desk, which they use): 25% open, up to 20,000 end users, entries,
                events, collaborators; the queue counters are checked, then
                VACUUM ANALYZE. Running it again adds N more.
  --help        show this help

The database is the server's: DATABASE_URL, or the embedded one in DESKQL_DATA_DIR.
`;

/** The demo accounts' password: public on purpose, never use it on a real desk. */
export const DEMO_PASSWORD = 'demo-password-123';
export const DEMO_DOMAIN = 'demo.deskql.test';

// ---- Arguments ---------------------------------------------------------------

export interface SeedArgs {
  help: boolean;
  demo: boolean;
  /** `--tickets N`: how many scale-test tickets to add; null when not asked for. */
  tickets: number | null;
}

export class UsageError extends Error {}

export function parseSeedArgs(argv: string[]): SeedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        demo: { type: 'boolean' },
        tickets: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // node:util names the offending option, e.g. "Unknown option '--bogus'".
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const { values } = parsed;
  let tickets: number | null = null;
  if (values.tickets !== undefined) {
    if (!/^[0-9]{1,7}$/.test(values.tickets) || Number(values.tickets) < 1 || Number(values.tickets) > MAX_SEEDED) {
      throw new UsageError(`--tickets needs a whole number from 1 to ${MAX_SEEDED}, not "${values.tickets}"`);
    }
    tickets = Number(values.tickets);
  }
  return { help: values.help ?? false, demo: values.demo ?? false, tickets };
}

// ---- The demo help desk --------------------------------------------------------

type RoleName = (typeof DEFAULT_ROLES)[number]['name'];

interface DemoAgent {
  name: string;
  local: string;
  role: RoleName;
  department: string;
  teams?: string[];
  assignedOnly?: boolean;
  access?: { department: string; role: RoleName }[];
  note?: string;
}

interface DemoEndUser {
  name: string;
  local: string;
  organization: string | null;
}

/** The default department (bootstrap's "Support") is referred to by this name. */
const SUPPORT = 'Support';

const DEPARTMENTS: { name: string; parent?: string }[] = [
  { name: 'Sales' },
  { name: 'Billing', parent: 'Sales' },
  { name: 'IT' },
];

const TEAMS: { name: string; lead?: string }[] = [
  { name: 'Tier 2', lead: 'bob' },
  { name: 'Night shift', lead: 'frank' },
];

const AGENTS: DemoAgent[] = [
  { name: 'Alice Anders', local: 'alice', role: 'All Access', department: SUPPORT, teams: ['Tier 2'] },
  { name: 'Bob Brooks', local: 'bob', role: 'Expanded Access', department: SUPPORT, teams: ['Tier 2'] },
  { name: 'Carol Chen', local: 'carol', role: 'Limited Access', department: 'Sales' },
  { name: 'Dave Diaz', local: 'dave', role: 'Reply Only', department: 'Billing', teams: ['Night shift'] },
  { name: 'Erin Evans', local: 'erin', role: 'View Only', department: 'IT' },
  {
    name: 'Frank Fischer',
    local: 'frank',
    role: 'Limited Access',
    department: SUPPORT,
    teams: ['Night shift'],
    assignedOnly: true,
    note: 'assigned tickets only',
  },
  {
    name: 'Grace Green',
    local: 'grace',
    role: 'Expanded Access',
    department: 'Sales',
    access: [
      { department: 'Billing', role: 'Reply Only' },
      { department: 'IT', role: 'View Only' },
    ],
    note: 'also Billing (Reply Only) and IT (View Only)',
  },
];

const ORGANIZATIONS: { name: string; sharesTickets: boolean }[] = [
  { name: 'Acme Corp', sharesTickets: true },
  { name: 'Globex', sharesTickets: false },
];

const END_USERS: DemoEndUser[] = [
  { name: 'Priya Patel', local: 'priya', organization: 'Acme Corp' },
  { name: 'Quinn Quade', local: 'quinn', organization: 'Acme Corp' },
  { name: 'Raj Rao', local: 'raj', organization: 'Globex' },
  { name: 'Sam Sato', local: 'sam', organization: null },
];

export const demoEmail = (local: string) => `${local}@${DEMO_DOMAIN}`;

/** A refused or failed step, named so the message says what the seed was doing. */
export class SeedError extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'SeedError';
  }
}

interface Seeder {
  /** A fresh context per command, as each GraphQL request gets one. */
  ctx(): Context;
  em(): EntityManager;
  out(line: string): void;
}

async function step<T>(label: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new SeedError(label, error);
  }
}

/** Finds by a unique key, or creates through the service. Returns the id and whether it was created. */
async function ensure<T extends { id: number }>(
  s: Seeder,
  label: string,
  find: (em: EntityManager) => Promise<T | null>,
  create: (ctx: Context) => Promise<T>,
): Promise<{ id: number; created: boolean }> {
  const existing = await find(s.em());
  if (existing) {
    s.out(`  exists   ${label}`);
    return { id: existing.id, created: false };
  }
  const made = await step(`creating ${label}`, () => create(s.ctx()));
  s.out(`  created  ${label}`);
  return { id: made.id, created: true };
}

export interface DemoLogin {
  email: string;
  kind: 'Agent' | 'End user';
  detail: string;
}

export async function seedDemo(s: Seeder): Promise<{ logins: DemoLogin[]; changes: number }> {
  let changes = 0;
  const count = (r: { id: number; created: boolean }) => {
    if (r.created) changes++;
    return r.id;
  };

  const roles = new Map<string, string>();
  for (const { name } of DEFAULT_ROLES) {
    const role = await s.em().findOne(Role, { name });
    if (!role) throw new SeedError(`finding role "${name}"`, new Error('the demo needs the default roles; was it renamed or deleted?'));
    roles.set(name, toGlobalId('Role', role.id));
  }
  const roleId = (name: string) => roles.get(name)!;

  s.out('Departments');
  const departments = new Map<string, string>();
  const support = await s.em().findOne(Department, { isDefault: true });
  if (!support) throw new SeedError('finding the default department', new Error('there is none'));
  s.out(`  exists   department "${support.name}" (default)`);
  departments.set(SUPPORT, toGlobalId('Department', support.id));
  for (const d of DEPARTMENTS) {
    const id = count(
      await ensure(
        s,
        `department "${d.name}"${d.parent ? ` under "${d.parent}"` : ''}`,
        (em) => em.findOne(Department, { name: d.name }),
        (ctx) => createDepartment(ctx, { name: d.name, parentId: d.parent ? departments.get(d.parent)! : null }),
      ),
    );
    departments.set(d.name, toGlobalId('Department', id));
  }
  const departmentId = (name: string) => departments.get(name)!;

  s.out('Teams');
  const teams = new Map<string, string>();
  for (const t of TEAMS) {
    const id = count(await ensure(s, `team "${t.name}"`, (em) => em.findOne(Team, { name: t.name }), (ctx) => createTeam(ctx, { name: t.name })));
    teams.set(t.name, toGlobalId('Team', id));
  }

  s.out('Agents');
  const agents = new Map<string, string>();
  for (const a of AGENTS) {
    const email = demoEmail(a.local);
    const id = count(
      await ensure(
        s,
        `agent ${email} (${a.role})`,
        (em) => em.findOne(Agent, { email }),
        (ctx) =>
          createAgent(ctx, {
            name: a.name,
            email,
            password: DEMO_PASSWORD,
            primaryDepartmentId: departmentId(a.department),
            roleId: roleId(a.role),
            departmentAccess: (a.access ?? []).map((x) => ({ departmentId: departmentId(x.department), roleId: roleId(x.role) })),
            teamIds: (a.teams ?? []).map((t) => teams.get(t)!),
            assignedOnly: a.assignedOnly ?? false,
          }),
      ),
    );
    agents.set(a.local, toGlobalId('Agent', id));
  }

  // Team leads need the agents; set only where a team has none, so an admin's choice stays.
  for (const t of TEAMS) {
    if (!t.lead) continue;
    const team = await s.em().findOneOrFail(Team, { name: t.name });
    if (team.lead) continue;
    await step(`setting the lead of team "${t.name}"`, () => updateTeam(s.ctx(), { teamId: teams.get(t.name)!, leadId: agents.get(t.lead!)! }));
    s.out(`  updated  team "${t.name}": lead ${demoEmail(t.lead)}`);
    changes++;
  }

  s.out('Organizations');
  const organizations = new Map<string, string>();
  for (const o of ORGANIZATIONS) {
    const id = count(
      await ensure(
        s,
        `organization "${o.name}"${o.sharesTickets ? ' (shares tickets)' : ''}`,
        (em) => em.findOne(Organization, { name: o.name }),
        (ctx) => createOrganization(ctx, { name: o.name, sharesTickets: o.sharesTickets }),
      ),
    );
    organizations.set(o.name, toGlobalId('Organization', id));
  }

  s.out('End users');
  for (const u of END_USERS) {
    const email = demoEmail(u.local);
    count(
      await ensure(
        s,
        `end user ${email}${u.organization ? ` (${u.organization})` : ''}`,
        (em) => em.findOne(EndUser, { email }),
        (ctx) =>
          createEndUser(ctx, {
            name: u.name,
            email,
            password: DEMO_PASSWORD,
            organizationId: u.organization ? organizations.get(u.organization)! : null,
          }),
      ),
    );
  }

  const logins: DemoLogin[] = [
    ...AGENTS.map((a) => ({
      email: demoEmail(a.local),
      kind: 'Agent' as const,
      detail: `${a.role} in ${a.department === SUPPORT ? support.name : a.department}${a.note ? `; ${a.note}` : ''}`,
    })),
    ...END_USERS.map((u) => {
      const org = ORGANIZATIONS.find((o) => o.name === u.organization);
      return {
        email: demoEmail(u.local),
        kind: 'End user' as const,
        detail: org ? `${org.name}${org.sharesTickets ? ' (shares tickets)' : ''}` : 'no organization',
      };
    }),
  ];
  return { logins, changes };
}

export function loginTable(logins: DemoLogin[]): string {
  const rows = [
    '| Email | Kind | Role / organization | Password |',
    '| --- | --- | --- | --- |',
    ...logins.map((l) => `| ${l.email} | ${l.kind} | ${l.detail} | \`${DEMO_PASSWORD}\` |`),
  ];
  return rows.join('\n');
}

// ---- Running it --------------------------------------------------------------------

async function systemViewer(em: EntityManager, config: Config): Promise<AgentViewer> {
  const admin =
    (await em.findOne(Agent, { email: config.adminEmail, isAdmin: true, isActive: true })) ??
    (await em.findOne(Agent, { isAdmin: true, isActive: true }, { orderBy: { id: 'asc' } }));
  if (!admin) throw new SeedError('finding an administrator to act as', new Error('there is no active admin agent'));
  return { kind: 'agent', agent: admin, tokenId: 0, via: 'session' };
}

async function run(args: SeedArgs, config: Config): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded database in ${config.dataDir}`;
  out(`Seeding ${where}`);
  const log = createLogger(config.logLevel);
  let db: Database | null = null;
  try {
    db = await openDatabase(config);
    const orm = db.orm;
    await step('migrating', () => migrate(orm, config.databaseUrl));
    const boot = await step('bootstrapping', () =>
      bootstrap(orm.em.fork(), { email: config.adminEmail, password: config.adminPassword }),
    );
    if (boot.admin) {
      // The server prints this only on the start that creates the admin; here that is the seed.
      out(
        `\n  First admin created.\n    email:    ${boot.admin.email}\n    password: ${boot.admin.password ?? '(from DESKQL_ADMIN_PASSWORD)'}\n`,
      );
    }
    if (!args.demo && args.tickets === null) {
      out('Database ready. Pass --demo to add the demo help desk.');
      return;
    }
    const viewer = await systemViewer(orm.em.fork(), config);
    const services = createServices(config);
    const seeder: Seeder = {
      ctx: () => ({ em: orm.em.fork(), viewer, config, log, ip: 'seed', memo: new Map(), services }),
      em: () => orm.em.fork(),
      out,
    };
    const { logins, changes } = await seedDemo(seeder);
    out(changes ? `\nDemo help desk ready (${changes} changes made).` : '\nDemo help desk already present; nothing to do.');
    out(`\nDemo logins (all with the password ${DEMO_PASSWORD}):\n`);
    out(loginTable(logins));
    out('');
    if (args.tickets !== null) {
      out(`Seeding ${args.tickets} tickets`);
      const r = await step('seeding tickets', () => seedTickets(orm.em.fork(), args.tickets!, out));
      out(`\n${r.tickets} tickets seeded (numbers from ${r.firstNumber}, ${r.endUsers} seeded end users) in ${(r.ms / 1000).toFixed(1)} s.`);
    }
  } finally {
    if (db) await db.close();
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof SeedError) {
    const cause = error.cause;
    if (cause instanceof DomainError) {
      const reasons = cause.errors.map((e) => `  - ${e.code}${e.field ? ` (${e.field.join('.')})` : ''}: ${e.message}`);
      return `Seeding failed while ${error.step}; it was refused:\n${reasons.join('\n')}\n`;
    }
    const detail = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
    return `Seeding failed while ${error.step}:\n${detail}\n`;
  }
  return `Seeding failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
}

export async function main(argv: string[]): Promise<number> {
  let args: SeedArgs;
  try {
    args = parseSeedArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const result = loadConfig(process.env);
  if (!result.ok) {
    process.stderr.write(`Cannot seed: the configuration is invalid.\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  try {
    await run(args, result.config);
    return 0;
  } catch (error) {
    process.stderr.write(describeFailure(error));
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(describeFailure(error));
      process.exit(1);
    },
  );
}
