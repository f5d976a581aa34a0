/**
 * Desk-sized reads (issue 13): every goal's SQL floor beside DeskQL's figure,
 * in one run, against a real server process (`src/main.ts` on a free port)
 * over HTTP and graphql-ws: `npm run bench:queues -- --tickets N`.
 *
 *   npm run bench:queues -- --tickets 100000                  # embedded database (a temp folder, removed after)
 *   npm run bench:queues -- --tickets 1000000 --database-url postgresql://u:p@127.0.0.1:5432/postgres
 *                                                             # PostgreSQL: its own database there, dropped after
 *                                                             # (DATABASE_URL is the default for --database-url)
 *   --reuse          keep the seeded database (deskql_bench_queues_N, or $TMPDIR/deskql-bench-queues-N)
 *                    and use it again next time if it holds exactly N seeded tickets
 *   options: --samples 50 (per p50/p99) --clients 16 --requests 800 (at --clients)
 *            --server-cpu-prof DIR (the server runs with --cpu-prof)
 *
 * The database is filled by `npm run seed -- --tickets N` (the demo desk, then
 * N tickets by bulk SQL, ending with VACUUM ANALYZE; a reused database gets
 * one of its own). The floors are plain SQL on the same data in the same run:
 * through `pg` on PostgreSQL, each just before its goal with the server up and
 * idle; through PGlite in this process on the embedded database, before the
 * server starts (PGlite has one process). Each line prints the goal, the
 * floor, DeskQL's figure, their ratio and PASS or MISS against the goal
 * (issue 13), then a note: p99, the server's CPU time per request (from
 * /proc: steadier than wall time on a loaded machine) and, on PostgreSQL with
 * pg_stat_statements, its statements per request and their time in the
 * database. The script asserts nothing and exits 0 unless something failed (an
 * unexpected GraphQL error, the server exiting); 2 for wrong usage.
 *
 * The department agent is the demo desk's Carol Chen (Limited Access in Sales,
 * no teams: she sees Sales' tickets and those assigned to her).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { spawnBenchServer } from './bench-server';

const ROOT = path.resolve(__dirname, '..');
const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'bench-admin-password';
/** The demo desk's (scripts/seed.ts): Limited Access in Sales, no teams. */
const AGENT_EMAIL = 'carol@demo.deskql.test';
const DEMO_PASSWORD = 'demo-password-123';
const SEARCH_TEXT = 'ticket 4242';

const USAGE =
  'Usage: npm run bench:queues -- [--tickets N] [--database-url URL] [--reuse] [--samples K] [--clients C] [--requests R] [--server-cpu-prof DIR]';

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: {
        tickets: { type: 'string', default: '100000' },
        'database-url': { type: 'string' },
        reuse: { type: 'boolean', default: false },
        samples: { type: 'string', default: '50' },
        clients: { type: 'string', default: '16' },
        requests: { type: 'string', default: '800' },
        'server-cpu-prof': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, v: string, min: number) => {
    if (!/^\d+$/.test(v) || Number(v) < min) {
      console.error(`--${name} needs a whole number ≥ ${min}, not "${v}"\n${USAGE}`);
      process.exit(2);
    }
    return Number(v);
  };
  return {
    tickets: int('tickets', values.tickets, 1),
    databaseUrl: values['database-url'] ?? process.env.DATABASE_URL ?? '',
    reuse: values.reuse,
    samples: int('samples', values.samples, 2),
    clients: int('clients', values.clients, 1),
    requests: int('requests', values.requests, 1),
    cpuProf: values['server-cpu-prof'] ?? '',
  };
}

const opt = options();
const N = opt.tickets;

// ---- small helpers -------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

async function times(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const ms = (x: number | null) => (x === null ? '—' : x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);

interface Row {
  id: string;
  what: string;
  goal: string;
  floor: string;
  ours: string;
  ratio: string;
  pass: boolean | null;
  note?: string;
}

const rows: Row[] = [];
function row(r: Row): void {
  rows.push(r);
  const verdict = r.pass === null ? 'n/a ' : r.pass ? 'PASS' : 'MISS';
  console.log(
    `${r.id.padEnd(3)} ${r.what.padEnd(58)} ${r.goal.padEnd(22)} ${r.floor.padStart(11)} ${r.ours.padStart(11)} ${r.ratio.padStart(7)}  ${verdict}` +
      (r.note ? `\n    ${r.note}` : ''),
  );
}
const ratio = (ours: number, floor: number) => (floor > 0 ? `${(ours / floor).toFixed(1)}x` : '—');

// ---- SQL: pg on PostgreSQL, PGlite in this process on the embedded database -----------

interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function pgSql(url: string): Promise<Sql> {
  const c = new Client({ connectionString: url });
  await c.connect();
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await c.query(text, params)).rows as T[],
    close: () => c.end(),
  };
}

async function pgliteSql(dataDir: string): Promise<Sql> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const db = new PGlite(path.join(dataDir, 'db'), { extensions: { pg_trgm } });
  await db.waitReady;
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await db.query<T>(text, params)).rows,
    close: () => db.close(),
  };
}

async function seededCount(sql: Sql): Promise<number> {
  try {
    const [r] = await sql.query<{ n: number }>(`select count(*)::int as n from ticket where number ~ '^[0-9]{7}$'`);
    return Number(r?.n ?? 0);
  } catch {
    return -1; // no ticket table: not a DeskQL database yet
  }
}

// ---- the database -------------------------------------------------------------------

interface Target {
  kind: 'PostgreSQL' | 'embedded';
  label: string;
  /** The server's and the seed's environment. */
  env: Record<string, string>;
  /** PostgreSQL only: the bench database's URL. */
  url: string | null;
  dataDir: string | null;
  reused: boolean;
  dispose(): Promise<void>;
}

async function prepareTarget(): Promise<Target> {
  if (opt.databaseUrl) {
    const name = opt.reuse ? `deskql_bench_queues_${N}` : `deskql_bench_queues_${randomBytes(4).toString('hex')}`;
    const url = new URL(opt.databaseUrl);
    url.pathname = `/${name}`;
    const admin = new Client({ connectionString: opt.databaseUrl });
    await admin.connect();
    let reused = false;
    try {
      const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount! > 0;
      if (exists && opt.reuse) {
        const sql = await pgSql(url.toString());
        const have = await seededCount(sql);
        await sql.close();
        reused = have === N;
        if (!reused) console.log(`database ${name} holds ${have < 0 ? 'no DeskQL schema' : `${have} seeded tickets`}, not ${N}: making it again`);
      }
      if (!reused) {
        if (exists) await admin.query(`drop database "${name}" with (force)`);
        await admin.query(`create database "${name}"`);
      }
    } finally {
      await admin.end();
    }
    return {
      kind: 'PostgreSQL',
      label: `PostgreSQL (${url.host}, database ${name}${opt.reuse ? ', kept' : ', dropped after'})`,
      env: { DATABASE_URL: url.toString() },
      url: url.toString(),
      dataDir: null,
      reused,
      dispose: async () => {
        if (opt.reuse) return;
        const c = new Client({ connectionString: opt.databaseUrl });
        await c.connect();
        await c.query(`drop database if exists "${name}" with (force)`);
        await c.end();
      },
    };
  }
  let dir: string;
  let reused = false;
  if (opt.reuse) {
    dir = path.join(os.tmpdir(), `deskql-bench-queues-${N}`);
    if (fs.existsSync(path.join(dir, 'db'))) {
      const sql = await pgliteSql(dir);
      const have = await seededCount(sql);
      await sql.close();
      reused = have === N;
      if (!reused) {
        console.log(`${dir} holds ${have < 0 ? 'no DeskQL schema' : `${have} seeded tickets`}, not ${N}: making it again`);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    fs.mkdirSync(dir, { recursive: true });
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-bench-queues-'));
  }
  return {
    kind: 'embedded',
    label: `embedded PGlite (${dir}${opt.reuse ? ', kept' : ', removed after'})`,
    env: { DESKQL_DATA_DIR: dir },
    url: null,
    dataDir: dir,
    reused,
    dispose: async () => {
      if (!opt.reuse) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function childEnv(target: Target, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.DESKQL_DATA_DIR;
  return { ...env, DESKQL_ADMIN_EMAIL: ADMIN_EMAIL, DESKQL_ADMIN_PASSWORD: ADMIN_PASSWORD, ...target.env, ...extra };
}

/** `npm run seed -- --tickets N` in a child process; its progress lines are echoed. */
async function seed(target: Target): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'scripts/seed.ts', '--tickets', String(N)], {
    cwd: ROOT,
    env: childEnv(target, { DESKQL_LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const l of lines) if (/^(Seeding \d+ tickets| {2}(tickets|reference|queue counters|vacuum)|\d+ tickets seeded)/.test(l)) console.log(`  seed: ${l.trim()}`);
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`the seed exited with ${code}:\n${out}`);
  return (performance.now() - t0) / 1000;
}

// ---- the server ---------------------------------------------------------------------

interface Server {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

async function startServer(target: Target): Promise<Server> {
  const server = await spawnBenchServer(childEnv(target, { NODE_ENV: 'production', DESKQL_LOG_LEVEL: 'info' }), { root: ROOT, cpuProfDir: opt.cpuProf });
  const httpUrl = new URL('/graphql', server.url).toString();
  return { child: server.child, url: httpUrl, wsUrl: httpUrl.replace(/^http/, 'ws'), stop: server.stop };
}

interface Gql<T> {
  data: T;
  errors?: { message: string; extensions?: { code?: string; cost?: unknown } }[];
  extensions?: { cost?: { requested: number; limit: number } };
}

let SERVER_URL = '';

async function post<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Gql<T>> {
  const res = await fetch(SERVER_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql<T>;
}

/** A request that must succeed. */
async function gql<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const body = await post<T>(query, variables, token);
  if (body.errors?.length) throw new Error(`${query.slice(0, 120)}…: ${JSON.stringify(body.errors).slice(0, 2000)}`);
  return body.data;
}

async function login(email: string, password: string): Promise<string> {
  const r = await gql<{ login: { token: string | null; userErrors: { message: string }[] } }>(`mutation($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { token userErrors { message } } }`, {
    email,
    password,
  });
  if (!r.login.token) throw new Error(`login ${email}: ${JSON.stringify(r.login.userErrors)}`);
  return r.login.token;
}

// ---- who is asking, as SQL facts ---------------------------------------------------------

interface Who {
  label: string;
  email: string;
  id: number;
  isAdmin: boolean;
  assignedOnly: boolean;
  departments: number[];
  teams: number[];
}

async function who(sql: Sql, label: string, email: string): Promise<Who> {
  const [a] = await sql.query<{ id: number; is_admin: boolean; assigned_only: boolean; dept: number }>(
    'select id, is_admin, assigned_only, primary_department_id as dept from agent where email = $1',
    [email],
  );
  if (!a) throw new Error(`no agent ${email} (the demo desk is seeded with the tickets)`);
  const extra = await sql.query<{ d: number }>('select department_id as d from department_access where agent_id = $1', [a.id]);
  const teams = await sql.query<{ t: number }>('select team_id as t from team_member where agent_id = $1', [a.id]);
  return {
    label,
    email,
    id: Number(a.id),
    isAdmin: a.is_admin,
    assignedOnly: a.assigned_only,
    departments: [Number(a.dept), ...extra.map((r) => Number(r.d))],
    teams: teams.map((r) => Number(r.t)),
  };
}

const inList = (xs: number[]) => (xs.length ? `in (${xs.join(', ')})` : 'in (null)');

/** The visibility of ticket.policy.ts as SQL, on a ticket row `t` or a counter row `x` (unset ids are 0 there). */
function visSql(w: Who, a: string): string {
  if (w.isAdmin) return 'true';
  const parts = [`${a}.assignee_id = ${w.id}`];
  if (w.teams.length) parts.push(`${a}.team_id ${inList(w.teams)}`);
  if (!w.assignedOnly) parts.push(`${a}.department_id ${inList(w.departments)}`);
  return `(${parts.join(' or ')})`;
}

/** The system queues (system-queues.ts) as plain SQL on tickets `t` and on counter rows `x`. */
function queueSql(w: Who): { key: string; ticket: string; counter: string; pending?: boolean }[] {
  const mine = w.teams.length ? `(assignee_id = ${w.id} or team_id ${inList(w.teams)})` : `assignee_id = ${w.id}`;
  const teams = w.teams.length ? `team_id ${inList(w.teams)}` : 'false';
  return [
    { key: 'open', ticket: `state = 'OPEN'`, counter: `state = 'OPEN'` },
    { key: 'open.unanswered', ticket: `state = 'OPEN' and not is_answered`, counter: `state = 'OPEN' and not is_answered` },
    { key: 'open.answered', ticket: `state = 'OPEN' and is_answered`, counter: `state = 'OPEN' and is_answered` },
    // Counters: the stamped overdue fact, plus (below) the OPEN tickets past due and not stamped yet.
    { key: 'open.overdue', ticket: `state = 'OPEN' and due_at <= now()`, counter: `overdue`, pending: true },
    { key: 'mine', ticket: `state = 'OPEN' and ${mine}`, counter: `state = 'OPEN' and ${mine}` },
    { key: 'mine.agent', ticket: `state = 'OPEN' and assignee_id = ${w.id}`, counter: `state = 'OPEN' and assignee_id = ${w.id}` },
    { key: 'mine.teams', ticket: `state = 'OPEN' and ${teams}`, counter: `state = 'OPEN' and ${teams}` },
    { key: 'unassigned', ticket: `state = 'OPEN' and assignee_id is null and team_id is null`, counter: `state = 'OPEN' and assignee_id = 0 and team_id = 0` },
    { key: 'closed', ticket: `state = 'CLOSED'`, counter: `state = 'CLOSED'` },
  ];
}

/** Floor A: one statement over the counter tables (grouped ∪ deltas) and the due-but-unstamped range — the fast path. */
async function countersFloor(sql: Sql, w: Who): Promise<Record<string, number>> {
  const qs = queueSql(w);
  const cols = 'state, department_id, assignee_id, team_id, is_answered, overdue, n';
  const sums = qs
    .map((q, i) => `coalesce(sum(n) filter (where ${q.counter}), 0)::int${q.pending ? ` + (select count(*)::int from pending)` : ''} as c${i}`)
    .join(', ');
  const [r] = await sql.query<Record<string, number>>(
    // The pending ids come from the partial index on (due_at, id) of OPEN tickets not stamped overdue; written as a plain
    // filter with the visibility, the planner reads every overdue OPEN ticket of the viewer's instead (0.3 s at 1M).
    `with pending as (select 1 from ticket t where t.id = any(array(select p.id from ticket p where p.state = 'OPEN' and p.due_at <= now() and p.overdue_notified_for is distinct from p.due_at)) and ${visSql(w, 't')})
     select ${sums} from (select ${cols} from queue_count_core union all select ${cols} from queue_count_delta) x where ${visSql(w, 'x')}`,
  );
  return Object.fromEntries(qs.map((q, i) => [q.key, Number(r![`c${i}`])]));
}

/** Floor B: a plain count(*) of each queue, one statement each (what counting on read costs). */
async function countStarFloor(sql: Sql, w: Who): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const q of queueSql(w)) {
    const [r] = await sql.query<{ n: number }>(`select count(*)::int as n from ticket t where ${visSql(w, 't')} and ${q.ticket}`);
    out[q.key] = Number(r!.n);
  }
  return out;
}

// ---- documents ---------------------------------------------------------------------------

const QUEUES = '{ queues { key count children { key count } } }';
const PAGE_FIELDS =
  'number subject isOverdue isAnswered dueAt status { name } priority { name } department { name } owner { name email } assignee { name } team { name } collaborators { user { name } }';
const QUEUE_PAGE = `query($id: ID!, $first: Int!) { queue(id: $id) { tickets(first: $first) { edges { node { ${PAGE_FIELDS} } } pageInfo { endCursor hasNextPage } } } }`;
const LIST = (total: boolean) => `{ tickets(first: 50) { ${total ? 'totalCount ' : ''}edges { node { number subject } } pageInfo { endCursor hasNextPage } } }`;
const CLOSED_PAGE = `query($after: String) { tickets(first: 100, after: $after, search: { states: [CLOSED] }) { edges { node { number subject } } pageInfo { endCursor hasNextPage } } }`;
const SEARCH = `query($text: String!) { tickets(search: { text: $text }) { edges { node { number subject } } } }`;
const SUBSCRIBE = 'subscription { queueUpdates { change count queue { key } } }';
const ABUSIVE: { what: string; query: string }[] = [
  {
    what: 'connections nested 100×100×100',
    query:
      '{ tickets(first: 100) { edges { node { events(first: 100) { edges { node { ticket { thread(first: 100) { edges { node { id bodyText } } } } } } } } } } }',
  },
  // A real resolver (aliases of __typename are allowed: graphql-armor's allowList), 3 tokens each: under the 5,000-token parser limit.
  { what: '1000 aliases (a0: permissionKeys …)', query: `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: permissionKeys`).join(' ')} }` },
  { what: 'nesting 40 deep (queue children)', query: `{ queues { ${'children { '.repeat(40)}key${' }'.repeat(40)} } }` },
];

// ---- the SQL floor of the 50-ticket page: a keyset query plus batched relation lookups --------------

interface PageRow {
  id: number;
  number: string;
  subject: string;
  state: string;
  is_answered: boolean;
  due_at: Date | string | null;
  created_at: Date | string;
  status_id: number;
  priority_id: number;
  department_id: number;
  owner_id: number;
  assignee_id: number | null;
  team_id: number | null;
}

async function pageFloor(sql: Sql, where: string, first: number): Promise<unknown[]> {
  const tickets = await sql.query<PageRow>(
    `select id, number, subject, state, is_answered, due_at, created_at, status_id, priority_id, department_id, owner_id, assignee_id, team_id
     from ticket t where ${where} order by created_at desc, id desc limit ${first + 1}`,
  );
  const page = tickets.slice(0, first);
  const uniq = (f: (r: PageRow) => number | null) => [...new Set(page.map(f).filter((x): x is number => x !== null))];
  const byId = async (table: string, cols: string, ids: number[]) =>
    new Map((ids.length ? await sql.query<{ id: number }>(`select id, ${cols} from ${table} where id = any($1::int[])`, [ids]) : []).map((r) => [r.id, r]));
  const status = await byId('ticket_status', 'name', uniq((r) => r.status_id));
  const priority = await byId('priority', 'name', uniq((r) => r.priority_id));
  const department = await byId('department', 'name', uniq((r) => r.department_id));
  const owner = await byId('end_user', 'name, email', uniq((r) => r.owner_id));
  const assignee = await byId('agent', 'name', uniq((r) => r.assignee_id));
  const team = await byId('team', 'name', uniq((r) => r.team_id));
  const collaborators = page.length
    ? await sql.query<{ ticket_id: number; name: string }>(
        `select c.ticket_id, u.name from collaborator c join end_user u on u.id = c.user_id where c.ticket_id = any($1::int[]) order by c.id`,
        [page.map((r) => r.id)],
      )
    : [];
  const now = Date.now();
  return page.map((r) => ({
    number: r.number,
    subject: r.subject,
    isOverdue: r.state === 'OPEN' && r.due_at !== null && new Date(r.due_at).getTime() <= now,
    isAnswered: r.is_answered,
    dueAt: r.due_at === null ? null : new Date(r.due_at).toISOString(),
    status: status.get(r.status_id),
    priority: priority.get(r.priority_id),
    department: department.get(r.department_id),
    owner: owner.get(r.owner_id),
    assignee: r.assignee_id === null ? null : assignee.get(r.assignee_id),
    team: r.team_id === null ? null : team.get(r.team_id),
    collaborators: collaborators.filter((c) => c.ticket_id === r.id).map((c) => ({ user: { name: c.name } })),
  }));
}

async function keysetFloor(sql: Sql, bound: { created_at: unknown; id: number } | null): Promise<unknown[]> {
  return sql.query(
    `select id, number, subject, created_at from ticket t where state = 'CLOSED'${bound ? ' and (created_at, id) < ($1::timestamptz, $2::int)' : ''}
     order by created_at desc, id desc limit 101`,
    bound ? [bound.created_at, bound.id] : [],
  );
}

const SEARCH_FLOOR = `select id, number, subject from ticket t where subject ilike $1 order by created_at desc, id desc limit 26`;

// ---- the floors ---------------------------------------------------------------------------

interface Floors {
  counters: Record<string, { p50: number; p99: number; counts: Record<string, number> }>;
  countStar: Record<string, { p50: number; counts: Record<string, number> }>;
  listPage: number;
  listCount: number;
  page50: number;
  closed1: number;
  closedP: number;
  closedPage: number;
  search: number;
}

type FloorPart = 'counts' | 'list' | 'page' | 'closed' | 'search';
const FLOOR_PARTS: FloorPart[] = ['counts', 'list', 'page', 'closed', 'search'];

/** Measures one goal's floors into `f` (each part just before its goal on PostgreSQL; all before the server on PGlite). */
async function measureFloor(sql: Sql, whos: Who[], part: FloorPart, f: Floors): Promise<void> {
  const S = opt.samples;
  // Slow at 1M (a count(*) scans): fewer samples.
  const slow = Math.max(2, Math.min(S, N >= 200_000 ? 3 : 10));
  switch (part) {
    case 'counts':
      for (const w of whos) {
        await countersFloor(sql, w);
        let counts: Record<string, number> = {};
        const t = await times(S, async () => (counts = await countersFloor(sql, w)));
        f.counters[w.label] = { p50: pct(t, 50), p99: pct(t, 99), counts };
        let star: Record<string, number> = {};
        const s = await times(slow, async () => (star = await countStarFloor(sql, w)));
        f.countStar[w.label] = { p50: pct(s, 50), counts: star };
      }
      return;
    case 'list': {
      const list = `select id, number, subject from ticket t order by created_at desc, id desc limit 51`;
      await sql.query(list);
      f.listPage = pct(await times(S, () => sql.query(list)), 50);
      f.listCount = pct(await times(slow, () => sql.query('select count(*)::int as n from ticket t')), 50);
      return;
    }
    case 'page':
      await pageFloor(sql, `state = 'OPEN'`, 50);
      f.page50 = pct(await times(S, () => pageFloor(sql, `state = 'OPEN'`, 50)), 50);
      return;
    case 'closed': {
      const [{ closed } = { closed: 0 }] = await sql.query<{ closed: number }>(`select count(*)::int as closed from ticket where state = 'CLOSED'`);
      // Page 200, or the last full page of a smaller desk.
      f.closedPage = Math.max(1, Math.min(200, Math.floor(Number(closed) / 100)));
      const [bound] =
        f.closedPage > 1
          ? await sql.query<{ created_at: unknown; id: number }>(
              `select created_at, id from ticket where state = 'CLOSED' order by created_at desc, id desc offset ${(f.closedPage - 1) * 100 - 1} limit 1`,
            )
          : [];
      await keysetFloor(sql, null);
      f.closed1 = pct(await times(S, () => keysetFloor(sql, null)), 50);
      f.closedP = pct(await times(S, () => keysetFloor(sql, bound ?? null)), 50);
      return;
    }
    case 'search':
      await sql.query(SEARCH_FLOOR, [`%${SEARCH_TEXT}%`]);
      f.search = pct(await times(S, () => sql.query(SEARCH_FLOOR, [`%${SEARCH_TEXT}%`])), 50);
      return;
  }
}

/**
 * The server's SQL statements, from pg_stat_statements (PostgreSQL with the
 * module preloaded; null elsewhere): all of them (background work such as
 * the count compactor's one statement a second included), and those like
 * the count(*) a list's totalCount runs.
 */
class Statements {
  private constructor(private readonly sql: Sql | null) {}
  static async open(url: string | null): Promise<Statements> {
    if (!url) return new Statements(null);
    const sql = await pgSql(url);
    try {
      await sql.query('create extension if not exists pg_stat_statements');
      await sql.query('select count(*) from pg_stat_statements');
      return new Statements(sql);
    } catch {
      await sql.close();
      return new Statements(null);
    }
  }
  get available(): boolean {
    return this.sql !== null;
  }
  /** Cumulative totals for this database (differences of two reads: no reset, which would disturb others' figures). */
  async read(): Promise<{ all: number; countStar: number; execMs: number } | null> {
    if (!this.sql) return null;
    const [r] = await this.sql.query<{ all: string; counts: string; exec: string }>(
      `select coalesce(sum(calls), 0) as all,
              coalesce(sum(calls) filter (where query ilike 'select count(*)::int as count from "ticket"%'), 0) as counts,
              coalesce(sum(total_exec_time), 0) as exec
       from pg_stat_statements
       where dbid = (select oid from pg_database where datname = current_database()) and query not ilike '%pg_stat_statements%'`,
    );
    return { all: Number(r!.all), countStar: Number(r!.counts), execMs: Number(r!.exec) };
  }
  async close(): Promise<void> {
    await this.sql?.close();
  }
}

let statements: Statements | null = null;
let serverPid = 0;

/** CPU time (user + system, ms) the server process has used; null where /proc is not available. */
function serverCpuMs(): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

interface Batch {
  t: number[];
  /** Server CPU per request, ms (steadier than wall time on a loaded machine). */
  cpu: number | null;
  /** Statements per request and their execution time per request, ms (PostgreSQL). */
  stmts: { all: number; countStar: number; execMs: number } | null;
}

/** Requests one after another, with the server's CPU time and statements per request. */
async function batch(n: number, fn: () => Promise<unknown>): Promise<Batch> {
  const st0 = (await statements?.read()) ?? null;
  const cpu0 = serverCpuMs();
  const t = await times(n, fn);
  const cpu1 = serverCpuMs();
  const st1 = (await statements?.read()) ?? null;
  return {
    t,
    cpu: cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / n : null,
    // (The reads themselves are left out: they name pg_stat_statements.)
    stmts: st0 && st1 && { all: (st1.all - st0.all) / n, countStar: st1.countStar - st0.countStar, execMs: (st1.execMs - st0.execMs) / n },
  };
}

const costs = (b: Batch) =>
  [b.cpu !== null ? `server CPU ${b.cpu.toFixed(1)} ms/request` : '', b.stmts ? `${b.stmts.all.toFixed(1)} statements/request (${b.stmts.execMs.toFixed(2)} ms in PostgreSQL)` : '']
    .filter(Boolean)
    .join(', ');

// ---- the run ------------------------------------------------------------------------------

interface QueueNode {
  key: string | null;
  count: number;
  children?: QueueNode[];
}
const flatten = (qs: QueueNode[]): Record<string, number> =>
  Object.fromEntries(qs.flatMap((q): [string, number][] => [[q.key ?? '(custom)', q.count], ...(q.children ?? []).map((c): [string, number] => [c.key ?? '(custom)', c.count])]));

async function main(): Promise<void> {
  const started = performance.now();
  const target = await prepareTarget();
  let server: Server | null = null;
  let sql: Sql | null = null;
  const stopAll = () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  };
  process.on('exit', stopAll);
  try {
    console.log(`bench:queues — N = ${N} tickets, ${target.label}`);
    console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${load()} (1, 5, 15 min)`);
    if (target.reused) console.log(`seed: reused (the database holds ${N} seeded tickets)`);
    else {
      const s = await seed(target);
      console.log(`seed: npm run seed -- --tickets ${N}: ${s.toFixed(1)} s (including the demo desk, migrations and its VACUUM ANALYZE)`);
    }
    const open = () => (target.url ? pgSql(target.url) : pgliteSql(target.dataDir!));
    sql = await open();
    let t0 = performance.now();
    if (target.reused) {
      // The seed ends with one; a reused database gets its own (earlier runs' changes, autovacuum's lag).
      await sql.query('vacuum analyze');
      console.log(`vacuum analyze: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const [facts] = await sql.query<{ total: number; open: number; closed: number }>(
      `select count(*)::int as total, (count(*) filter (where state = 'OPEN'))::int as open, (count(*) filter (where state = 'CLOSED'))::int as closed from ticket`,
    );
    console.log(`tickets in the database: ${facts!.total} (${facts!.open} open, ${facts!.closed} closed)`);
    const whos = [await who(sql, 'admin', ADMIN_EMAIL), await who(sql, 'department agent', AGENT_EMAIL)];
    const dept = whos[1]!;
    console.log(`department agent: ${AGENT_EMAIL} (agent ${dept.id}, departments ${dept.departments.join(', ')}, teams ${dept.teams.join(', ') || 'none'})`);

    // The embedded database has one process: its floors are measured now, before the server opens it.
    // On PostgreSQL each goal's floor is measured just before the goal, with the server up and idle.
    const floors = { counters: {}, countStar: {} } as Floors;
    const measured = new Set<FloorPart>();
    const floorFor = async (part: FloorPart) => {
      if (sql && !measured.has(part)) await measureFloor(sql, whos, part, floors);
      measured.add(part);
    };
    if (target.kind === 'embedded') {
      console.log('measuring the SQL floors (PGlite in this process; the server is not running yet)…');
      for (const part of FLOOR_PARTS) await floorFor(part);
      await sql.close();
      sql = null;
    }
    t0 = performance.now();
    const srv = await startServer(target);
    server = srv;
    serverPid = srv.child.pid!;
    SERVER_URL = srv.url;
    console.log(`server: ${srv.url} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (pid ${srv.child.pid})`);
    statements = await Statements.open(target.url);
    const tokens: Record<string, string> = { admin: await login(ADMIN_EMAIL, ADMIN_PASSWORD), 'department agent': await login(AGENT_EMAIL, DEMO_PASSWORD) };
    const S = opt.samples;

    console.log('');
    console.log(
      `${'#'.padEnd(3)} ${'what (p50 unless said; HTTP, real server process)'.padEnd(58)} ${'goal'.padEnd(22)} ${'SQL floor'.padStart(11)} ${'DeskQL'.padStart(11)} ${'ratio'.padStart(7)}  result`,
    );

    // 1. queue counts
    await floorFor('counts');
    for (const [i, w] of whos.entries()) {
      let got: QueueNode[] = [];
      await gql(QUEUES, {}, tokens[w.label]);
      const b = await batch(S, async () => (got = (await gql<{ queues: QueueNode[] }>(QUEUES, {}, tokens[w.label])).queues));
      const t = b.t;
      const ours = flatten(got);
      const fl = floors.counters[w.label]!;
      const star = floors.countStar[w.label]!;
      const off = Object.keys(star.counts).filter((k) => ours[k] !== star.counts[k]);
      const offCounters = Object.keys(fl.counts).filter((k) => fl.counts[k] !== star.counts[k]);
      row({
        id: `1${'ab'[i]}`,
        what: `queues { key count children { key count } }, ${w.label}`,
        goal: '≤ 10 ms',
        floor: ms(fl.p50),
        ours: ms(pct(t, 50)),
        ratio: ratio(pct(t, 50), fl.p50),
        pass: pct(t, 50) <= 10,
        note:
          `p99 ${ms(pct(t, 99))} (floor p99 ${ms(fl.p99)}); ${costs(b)}; floor = one statement over the counter tables (queue_count_core ∪ queue_count_delta, plus the due-but-unstamped range); ` +
          `plain count(*) of the ${Object.keys(star.counts).length} queues: ${ms(star.p50)}; ` +
          (off.length ? `DeskQL ≠ count(*) for ${off.map((k) => `${k} ${ours[k]} vs ${star.counts[k]}`).join(', ')}` : 'every count = count(*)') +
          (offCounters.length ? `; counter floor ≠ count(*) for ${offCounters.join(', ')}` : ''),
      });
    }

    // 2. totalCount only when selected
    await floorFor('list');
    {
      const tok = tokens.admin;
      await gql(LIST(false), {}, tok);
      await gql(LIST(true), {}, tok);
      const bWithout = await batch(S, () => gql(LIST(false), {}, tok));
      const without = pct(bWithout.t, 50);
      const countsRun = bWithout.stmts?.countStar ?? null;
      const slow = Math.max(2, Math.min(S, N >= 200_000 ? 10 : S));
      const bWith = await batch(slow, () => gql(LIST(true), {}, tok));
      const withTotal = pct(bWith.t, 50);
      // Decisive where pg_stat_statements sees the statements: no count(*) ran without totalCount (and one per request with it).
      // Elsewhere by time: the page without it is faster by at least half the count floor (+10% for noise).
      // Too cheap a count to see by time (small N): no verdict.
      const visible = floors.listCount >= Math.max(2, 0.2 * without);
      const pass =
        countsRun !== null ? countsRun === 0 && bWith.stmts!.countStar >= slow : visible ? without <= withTotal - 0.5 * floors.listCount + 0.1 * without : null;
      row({
        id: '2a',
        what: 'tickets(first: 50) { edges { node { number subject } } }, admin',
        goal: 'no count',
        floor: ms(floors.listPage),
        ours: ms(without),
        ratio: ratio(without, floors.listPage),
        pass,
        note:
          `${costs(bWithout)}; ` +
          (countsRun === null
            ? visible
              ? 'PASS when without ≤ with (2b) − ½ count floor (+10%)'
              : `the count floor (${ms(floors.listCount)}) is too small beside the request to tell by time: no verdict`
            : `pg_stat_statements saw ${countsRun} count(*) on ticket in the ${S} requests without totalCount, ${bWith.stmts!.countStar} in the ${slow} with it (PASS: 0 and one each)`),
      });
      row({
        id: '2b',
        what: '  the same with totalCount',
        goal: 'counts',
        floor: ms(floors.listPage + floors.listCount),
        ours: ms(withTotal),
        ratio: ratio(withTotal, floors.listPage + floors.listCount),
        pass: null,
        note: `${costs(bWith)}; floor = the page query + select count(*) from ticket (${ms(floors.listCount)})`,
      });
    }

    // 3. query cost
    const { queues: ids } = await gql<{ queues: { id: string; key: string | null }[] }>('{ queues { id key } }', {}, tokens.admin);
    const openId = ids.find((q) => q.key === 'open')!.id;
    {
      const r100 = await post(QUEUE_PAGE, { id: openId, first: 100 }, tokens.admin);
      const r50 = await post(QUEUE_PAGE, { id: openId, first: 50 }, tokens.admin);
      const cost = (r: Gql<unknown>) => (r.extensions?.cost ? `${r.extensions.cost.requested} of ${r.extensions.cost.limit}` : 'not reported');
      row({
        id: '3a',
        what: 'the 100-ticket page, full selection (4): accepted, cost',
        goal: 'accepted',
        floor: '',
        ours: r100.errors?.length ? String(r100.errors[0]!.extensions?.code) : 'accepted',
        ratio: '',
        pass: !r100.errors?.length && Boolean(r100.extensions?.cost),
        note: `extensions.cost: first 100: ${cost(r100)}; first 50: ${cost(r50)}${r100.errors?.length ? `; ${r100.errors[0]!.message}` : ''}`,
      });
      const trivial = '{ __typename }';
      await post(trivial);
      const bTrivial = await batch(S, () => post(trivial, {}, tokens.admin));
      const floor = pct(bTrivial.t, 50);
      console.log(`    ({ __typename } over HTTP, the refusals' floor: p50 ${ms(floor)}, ${costs(bTrivial)})`);
      for (const [i, a] of ABUSIVE.entries()) {
        let last: Gql<unknown> | null = null;
        await post(a.query, {}, tokens.admin);
        const b = await batch(S, async () => (last = await post(a.query, {}, tokens.admin)));
        const t = b.t;
        const r = last as Gql<unknown> | null;
        const code = r?.errors?.[0]?.extensions?.code ?? (r?.errors?.length ? 'error' : 'ACCEPTED');
        const refused = Boolean(r?.errors?.length) && !r?.data;
        row({
          id: `3${'bcd'[i]}`,
          what: `refused: ${a.what}`,
          goal: '≤ 5 ms, refused',
          floor: ms(floor),
          ours: ms(pct(t, 50)),
          ratio: ratio(pct(t, 50), floor),
          pass: refused && pct(t, 50) <= 5,
          note: `${code}: ${(r?.errors?.[0]?.message ?? '').slice(0, 110)}; floor = { __typename } over HTTP; p99 ${ms(pct(t, 99))}; ${costs(b)}`,
        });
      }
    }

    // 4. the 50-ticket page
    await floorFor('page');
    {
      const tok = tokens.admin;
      const first = await gql<{ queue: { tickets: { edges: unknown[] } } }>(QUEUE_PAGE, { id: openId, first: 50 }, tok);
      const got = first.queue.tickets.edges.length;
      for (let i = 0; i < 5; i++) await gql(QUEUE_PAGE, { id: openId, first: 50 }, tok);
      const bOne = await batch(S, () => gql(QUEUE_PAGE, { id: openId, first: 50 }, tok));
      const one = bOne.t;
      row({
        id: '4a',
        what: `queue(open).tickets(first: 50) + relations, 1 client`,
        goal: '≤ 4x floor',
        floor: ms(floors.page50),
        ours: ms(pct(one, 50)),
        ratio: ratio(pct(one, 50), floors.page50),
        pass: pct(one, 50) <= 4 * floors.page50,
        note: `${got} tickets a page; p99 ${ms(pct(one, 99))}; ${costs(bOne)}; floor = the keyset query (state = 'OPEN', created_at desc, id desc) + 7 batched lookups (status, priority, department, owner, assignee, team, collaborators with their users), one pg connection`,
      });
      const C = opt.clients;
      const latencies: number[] = [];
      let next = 0;
      const run = (count: number) =>
        Promise.all(
          Array.from({ length: C }, async () => {
            while (next < count) {
              next++;
              const t = performance.now();
              await gql(QUEUE_PAGE, { id: openId, first: 50 }, tok);
              latencies.push(performance.now() - t);
            }
          }),
        );
      // warm-up: long enough for the server's JIT to settle on the page's code
      await run(Math.max(2 * C, 400));
      latencies.length = 0;
      next = 0;
      const cpu0 = serverCpuMs();
      const client0 = process.cpuUsage();
      const wall0 = performance.now();
      await run(opt.requests);
      const wall = (performance.now() - wall0) / 1000;
      const perSecond = opt.requests / wall;
      const cpu1 = serverCpuMs();
      const client = process.cpuUsage(client0);
      const clientMs = (client.user + client.system) / 1000 / opt.requests;
      const cpuShare = cpu0 !== null && cpu1 !== null ? `; server CPU ${((cpu1 - cpu0) / opt.requests).toFixed(1)} ms/request, ${((cpu1 - cpu0) / 10 / wall).toFixed(0)}% of one CPU` : '';
      row({
        id: '4b',
        what: `  the same, ${C} clients: requests/s`,
        goal: '≥ 300/s',
        floor: '',
        ours: `${perSecond.toFixed(0)}/s`,
        ratio: '',
        pass: perSecond >= 300,
        note: `${opt.requests} requests; p50 ${ms(pct(latencies, 50))}, p99 ${ms(pct(latencies, 99))}${cpuShare}; the bench client (${clientMs.toFixed(1)} ms of CPU a request) and PostgreSQL share the machine's CPUs with the server`,
      });
    }

    // 5. keyset paging of closed tickets
    await floorFor('closed');
    {
      const tok = tokens.admin;
      const want = floors.closedPage;
      const cursors: (string | null)[] = [null];
      for (let p = 1; p < want; p++) {
        const r = await gql<{ tickets: { pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(CLOSED_PAGE, { after: cursors.at(-1) }, tok);
        if (!r.tickets.pageInfo.hasNextPage) break;
        cursors.push(r.tickets.pageInfo.endCursor);
      }
      const last = cursors.length;
      const b1 = await batch(S, () => gql(CLOSED_PAGE, { after: null }, tok));
      const bN = await batch(S, () => gql(CLOSED_PAGE, { after: cursors[last - 1] }, tok));
      const page1 = pct(b1.t, 50);
      const pageN = pct(bN.t, 50);
      row({
        id: '5a',
        what: 'tickets(first: 100, search: { states: [CLOSED] }), page 1',
        goal: '≤ 20 ms',
        floor: ms(floors.closed1),
        ours: ms(page1),
        ratio: ratio(page1, floors.closed1),
        pass: page1 <= 20,
        note: `${costs(b1)}; floor = the keyset query (state = CLOSED, created_at desc, id desc, limit 101)`,
      });
      row({
        id: '5b',
        what: `  the same, page ${last}${last < 200 ? ` (the last full one: ${facts!.closed} closed)` : ''}`,
        goal: '≤ 20 ms, ≤ 2x page 1',
        floor: ms(floors.closedP),
        ours: ms(pageN),
        ratio: ratio(pageN, floors.closedP),
        pass: pageN <= 20 && pageN <= 2 * page1,
        note: `page ${last} / page 1 = ${(pageN / page1).toFixed(2)}; ${costs(bN)}`,
      });
    }

    // 6. subject search
    await floorFor('search');
    {
      const tok = tokens.admin;
      const r = await gql<{ tickets: { edges: unknown[] } }>(SEARCH, { text: SEARCH_TEXT }, tok);
      const b = await batch(S, () => gql(SEARCH, { text: SEARCH_TEXT }, tok));
      const t = b.t;
      row({
        id: '6',
        what: `tickets(search: { text: "${SEARCH_TEXT}" }), admin`,
        goal: '≤ 50 ms',
        floor: ms(floors.search),
        ours: ms(pct(t, 50)),
        ratio: ratio(pct(t, 50), floors.search),
        pass: pct(t, 50) <= 50,
        note: `${r.tickets.edges.length} tickets on the page; p99 ${ms(pct(t, 99))}; ${costs(b)}; floor = subject ilike '%${SEARCH_TEXT}%' order by created_at desc, id desc limit 26`,
      });
    }

    // 7. queueUpdates: subscribe until the first update
    {
      const tok = tokens.admin;
      const unassigned = await gql<{ tickets: { edges: { node: { id: string; number: string } }[] } }>(
        `{ tickets(first: 1, search: { states: [OPEN], isAssigned: false }) { edges { node { id number } } } }`,
        {},
        tok,
      );
      const ticketId = unassigned.tickets.edges[0]?.node.id;
      if (!ticketId) throw new Error('no unassigned open ticket to claim and release');
      let claimed = false;
      const toggle = async () => {
        const m = claimed ? 'releaseTicket' : 'claimTicket';
        const r = await gql<Record<string, { userErrors: unknown[] }>>(`mutation($id: ID!) { ${m}(input: { ticketId: $id }) { userErrors { code message } } }`, { id: ticketId }, tok);
        if (r[m]!.userErrors.length) throw new Error(`${m}: ${JSON.stringify(r[m]!.userErrors)}`);
        claimed = !claimed;
      };
      const connect = async (): Promise<WsClient> => {
        const c = createClient({ url: srv.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, keepAlive: 0, connectionParams: { authorization: `Bearer ${tok}` } });
        await new Promise<void>((resolve, reject) => {
          const offOk = c.on('connected', () => (offOk(), offBad(), resolve()));
          const offBad = c.on('closed', (e) => (offOk(), offBad(), reject(new Error(`socket closed ${(e as { code?: number })?.code}`))));
        });
        return c;
      };
      const K = Math.max(2, Math.min(S, 15));
      // DeskQL: connected socket → subscribe (all queues) → changes go out back to back → the first update.
      const firstUpdate: number[] = [];
      let mutations = 0;
      for (let k = 0; k < K; k++) {
        const c = await connect();
        let arrived = false;
        const t = performance.now();
        const update = new Promise<number>((resolve, reject) => {
          c.subscribe(
            { query: SUBSCRIBE },
            {
              next: (v) => {
                if (v.errors) reject(new Error(JSON.stringify(v.errors)));
                else if (!arrived) {
                  arrived = true;
                  resolve(performance.now() - t);
                }
              },
              error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
              complete: () => undefined,
            },
          );
        });
        const writer = (async () => {
          while (!arrived) {
            await toggle();
            mutations++;
          }
        })();
        const timeout = sleep(30_000).then(() => {
          throw new Error('no queueUpdates update in 30 s');
        });
        firstUpdate.push(await Promise.race([update, timeout]));
        await writer;
        await c.dispose();
        await sleep(300);
      }
      // Floor: an open subscription — one change, its update (after the 250 ms coalescing window).
      const c = await connect();
      const waiters: ((at: number) => void)[] = [];
      c.subscribe({ query: SUBSCRIBE }, { next: () => waiters.shift()?.(performance.now()), error: () => undefined, complete: () => undefined });
      await sleep(200);
      await toggle(); // a first one, so the subscription is surely live
      await sleep(400);
      waiters.length = 0;
      const openLatency: number[] = [];
      for (let k = 0; k < K; k++) {
        const t = performance.now();
        const got = new Promise<number>((resolve) => waiters.push(resolve));
        await toggle();
        openLatency.push((await Promise.race([got, sleep(10_000).then(() => Number.NaN)])) - t);
        await sleep(400);
        waiters.length = 0;
      }
      await c.dispose();
      if (claimed) await toggle();
      const floor = pct(openLatency, 50);
      row({
        id: '7',
        what: 'queueUpdates (all queues): subscribe → first update, admin',
        goal: '≤ 100 ms',
        floor: ms(floor),
        ours: ms(pct(firstUpdate, 50)),
        ratio: ratio(pct(firstUpdate, 50), floor),
        pass: pct(firstUpdate, 50) <= 100,
        note:
          `${K} subscriptions, p99 ${ms(pct(firstUpdate, 99))}, ${(mutations / K).toFixed(1)} claim/release mutations each (sent back to back from the subscribe on, until the update); ` +
          `floor = on an open subscription, from sending one such mutation to its update (p50; what any update costs, without subscribing)`,
      });
    }

    const passed = rows.filter((r) => r.pass === true).length;
    const missed = rows.filter((r) => r.pass === false);
    console.log('');
    console.log(`${passed} PASS, ${missed.length} MISS${missed.length ? ` (${missed.map((r) => r.id).join(', ')})` : ''}; ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
    console.log(`load average at the end ${load()}`);
  } finally {
    await statements?.close();
    await sql?.close();
    await server?.stop();
    await target.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
