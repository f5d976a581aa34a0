/**
 * Intake throughput with 0 and 50 active ticket filters, against a real
 * server process (`src/main.ts` on a free port): `npm run bench:intake`.
 * Prints tickets/s, latency percentiles, the server's CPU time per ticket
 * (steadier than wall time on a shared machine) and, on PostgreSQL, the SQL
 * statements per ticket (pg_stat_statements) beside the raw write floor
 * measured in the same run and database (plain `pg`, one transaction of
 * three INSERTs per ticket); asserts nothing. Then the commands agents use
 * most, on the tickets opened (issue 10 goal 3): `replyToTicket` with a
 * `statusId`, `addNote`, `assignTicket` (to another agent, so an alert is
 * written) and `setTicketStatus` closing 50 tickets at once, each with its CPU
 * and statements per command.
 *
 *   npm run bench:intake                                   # embedded database (a fresh temp folder)
 *   npm run bench:intake -- --database-url postgresql://u:p@127.0.0.1:5432/postgres
 *                                                          # PostgreSQL: makes its own database there, drops it after
 *   options: --tickets 300 --concurrency 8 --rounds 2 --server-cpu-prof DIR (the server runs with --cpu-prof)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { benchGql as gql, benchOption as option, spawnBenchServer, type BenchServer } from './bench-server';

const ROOT = path.resolve(__dirname, '..');
const PASSWORD = 'bench-admin-password';

const databaseUrl = option('database-url', '');
const TICKETS = Number(option('tickets', '300'));
const CONCURRENCY = Number(option('concurrency', '8'));
const ROUNDS = Number(option('rounds', '2'));
const CPU_PROF = option('server-cpu-prof', '');

function startServer(env: Record<string, string>): Promise<BenchServer> {
  return spawnBenchServer(
    { ...process.env, NODE_ENV: 'production', DESKQL_LOG_LEVEL: 'info', DESKQL_ADMIN_PASSWORD: PASSWORD, ...env },
    { root: ROOT, cpuProfDir: CPU_PROF, readyTimeoutMs: 60_000 },
  );
}

const CREATE_FILTER = `mutation($input: CreateTicketFilterInput!) { createTicketFilter(input: $input) { ticketFilter { id } userErrors { field message } } }`;
const UPDATE_FILTER = `mutation($input: UpdateTicketFilterInput!) { updateTicketFilter(input: $input) { userErrors { message } } }`;
const DRY_RUN = `query($input: TestTicketFiltersInput!) { testTicketFilters(input: $input) { filters { matched } } }`;
const OPEN = `mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id } userErrors { code message } } }`;
const REPLY = `mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { ticket { id } userErrors { code message } } }`;
const NOTE = `mutation($input: AddNoteInput!) { addNote(input: $input) { ticket { id } userErrors { code message } } }`;
const ASSIGN = `mutation($input: AssignTicketInput!) { assignTicket(input: $input) { ticket { id } userErrors { code message } } }`;
const BULK = `mutation($input: SetTicketStatusInput!) { setTicketStatus(input: $input) { tickets { id } userErrors { code message } } }`;

/** The tickets the intake runs opened: the agents' commands work on them, each on tickets of its own. */
const opened: string[] = [];

/** 50 filters of the kinds admins write: words, domains, regexes, any-of rules, source-limited ones; ten have regex rules. */
function filterInputs(ref: { salesId: string; teamId: string; high: string; emergency: string }) {
  return Array.from({ length: 50 }, (_, i) => {
    const base = { name: `Bench filter ${i}`, executionOrder: i };
    switch (i % 5) {
      case 0:
        return { ...base, rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: `keyword${i}` }], actions: { priorityId: ref.high } };
      case 1:
        return { ...base, rules: [{ field: 'EMAIL_DOMAIN', operator: 'EQUALS', value: `domain${i}.test` }], actions: { assignTeamId: ref.teamId } };
      case 2:
        return { ...base, rules: [{ field: 'BODY', operator: 'MATCHES', value: `\\border\\s+#?${i}\\b` }], actions: { departmentId: ref.salesId } };
      case 3:
        return {
          ...base,
          matchAll: false,
          rules: [
            { field: 'NAME', operator: 'STARTS_WITH', value: `vip${i}` },
            { field: 'SUBJECT', operator: 'ENDS_WITH', value: `urgent${i}` },
          ],
          actions: { priorityId: ref.emergency },
        };
      default:
        return {
          ...base,
          sources: ['EMAIL'],
          rules: [
            { field: 'SUBJECT', operator: 'NOT_MATCHES', value: '^(re|fwd?):' },
            { field: 'BODY', operator: 'CONTAINS', value: `refund ${i}` },
          ],
          actions: { addCollaborators: [{ email: `billing${i}@desk.test` }] },
        };
    }
  });
}

const LOREM =
  'Hello, I ordered a replacement part last week and it still has not arrived. The tracking page says it left the warehouse ' +
  'but nothing has moved since. Could you check what happened and let me know when I can expect it? Thanks in advance. ';

/** A ticket some filters match (`matching`), or one none does: the same sizes either way. */
function ticketInput(n: number, matching: boolean) {
  const k = n % 100;
  if (!matching) {
    return {
      subject: `Where is my parcel ${n}`,
      body: `<p>${LOREM.repeat(3)}</p><p>About parcel ${k}; a return maybe.</p>`,
      owner: { email: `customer${n % 500}@elsewhere${k}.test`, name: `Customer ${n % 500}` },
      source: 'EMAIL',
    };
  }
  return {
    subject: n % 7 === 0 ? `Order problem keyword${k}` : `Where is my order ${n}`,
    body: `<p>${LOREM.repeat(3)}</p><p>About order #${k}; refund ${k % 50} maybe.</p>`,
    owner: { email: `customer${n % 500}@domain${k}.test`, name: `Customer ${n % 500}` },
    source: 'EMAIL',
  };
}

/** CPU time (user + system, ms) the server process has used: unlike wall time, barely moved by other load on the machine. */
function cpuMs(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

interface Result {
  /** Server CPU per ticket, ms (null where /proc is not available). */
  cpu: number | null;
  /** SQL statements per ticket the server ran (pg_stat_statements, BEGIN/COMMIT and background work included; null without it). */
  statements?: number | null;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

let serverPid: number | undefined;

/**
 * Counts the statements the server runs, through pg_stat_statements (PostgreSQL
 * with the module preloaded; `create extension` in the bench database). Null
 * when it is not available: the figure is then left out.
 */
class StatementCounter {
  private constructor(private readonly client: Client | null) {}

  static async open(databaseUrl: string | null): Promise<StatementCounter> {
    if (!databaseUrl) return new StatementCounter(null);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query('create extension if not exists pg_stat_statements');
      await client.query('select count(*) from pg_stat_statements');
      return new StatementCounter(client);
    } catch {
      await client.end();
      return new StatementCounter(null);
    }
  }

  async reset(): Promise<void> {
    await this.client?.query('select pg_stat_statements_reset()');
  }

  /** Statements since the last reset in this database, but this counter's own. */
  async count(): Promise<number | null> {
    if (!this.client) return null;
    const { rows } = await this.client.query<{ n: string }>(
      `select coalesce(sum(calls), 0) as n from pg_stat_statements
       where dbid = (select oid from pg_database where datname = current_database())
         and query not ilike '%pg_stat_statements%'`,
    );
    return Number(rows[0]!.n);
  }

  async close(): Promise<void> {
    await this.client?.end();
  }
}

let statements: StatementCounter | null = null;

/** `count` openTicket calls (tickets offset…offset+count-1) by `concurrency` clients; the tickets opened are kept for the agents' commands. */
function run(url: string, token: string, count: number, concurrency: number, offset: number, matching = true): Promise<Result> {
  return measure(count, concurrency, async (i) => {
    const data = await gql<{ openTicket: { userErrors: unknown[]; ticket: { id: string } | null } }>(url, OPEN, { input: ticketInput(offset + i, matching) }, token);
    if (data.openTicket.userErrors.length) throw new Error(JSON.stringify(data.openTicket.userErrors));
    opened.push(data.openTicket.ticket!.id);
  });
}

/** `count` runs of `op` (given 0…count-1) by `concurrency` clients: throughput, latency, server CPU and statements per run. */
async function measure(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<Result> {
  const latencies: number[] = [];
  await statements?.reset();
  const cpu0 = cpuMs(serverPid);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  const cpu1 = cpuMs(serverPid);
  // Background work a command causes (the dispatcher's reads, the count compactor) settles within a second or so.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const ran = (await statements?.count()) ?? null;
  return { cpu: cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / count : null, statements: ran === null ? null : ran / count, perSecond: count / wall, p50: pct(50), p99: pct(99), max: latencies[latencies.length - 1]! };
}

/** A command that must go through: its payload's userErrors are empty. */
async function command(url: string, token: string, query: string, input: Record<string, unknown>): Promise<void> {
  const data = await gql<Record<string, { userErrors: unknown[] }>>(url, query, { input }, token);
  const payload = Object.values(data)[0]!;
  if (payload.userErrors.length) throw new Error(JSON.stringify(payload.userErrors));
}

/**
 * The raw write floor, in the same database: `concurrency` plain `pg`
 * connections, one transaction per ticket — INSERT the ticket, its first
 * thread entry and its event (5 statements with BEGIN/COMMIT). No lookups, no
 * rules, no HTTP: what the database itself costs for the rows a ticket needs.
 * The events get no `seq`, so the server's dispatcher never publishes them.
 */
async function writeFloor(url: string, count: number, concurrency: number, offset: number): Promise<Result> {
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  try {
    const ref = await clients[0]!.query<{ status: number; department: number; priority: number; owner: number }>(
      `select (select id from ticket_status where state = 'OPEN' and is_default) as status,
              (select id from department where is_default) as department,
              (select id from priority where is_default) as priority,
              (select min(id) from end_user) as owner`,
    );
    const { status, department, priority, owner } = ref.rows[0]!;
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        while (next < count) {
          const n = offset + next++;
          const t0 = performance.now();
          const { subject, body } = ticketInput(n, true);
          await c.query('begin');
          const t = await c.query<{ id: number }>(
            `insert into ticket (number, subject, status_id, state, priority_id, urgency, department_id, source, owner_id, is_answered, created_at, updated_at, version, reopen_count, sla_plan_inherited)
             values ($1, $2, $3, 'OPEN', $4, 2, $5, 'EMAIL', $6, false, now(), now(), 1, 0, true) returning id`,
            [`F${n}`, subject, status, priority, department, owner],
          );
          const ticketId = t.rows[0]!.id;
          await c.query(`insert into thread_entry (ticket_id, type, body, body_text, poster_user_id, created_at) values ($1, 'MESSAGE', $2, $3, $4, now())`, [
            ticketId,
            body,
            body.replace(/<[^>]+>/g, ' '),
            owner,
          ]);
          await c.query(`insert into ticket_event (ticket_id, kind, actor_user_id, created_at) values ($1, 'CREATED', $2, now())`, [ticketId, owner]);
          await c.query('commit');
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
    return { cpu: null, statements: 5, perSecond: count / wall, p50: pct(50), p99: pct(99), max: latencies[latencies.length - 1]! };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function main(): Promise<void> {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  let where: string;
  let benchDatabase: string | null = null;
  if (databaseUrl) {
    const name = `deskql_bench_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    await admin.end();
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    env = { DATABASE_URL: url.toString() };
    benchDatabase = url.toString();
    where = `PostgreSQL (${url.host}, database ${name})`;
    cleanup = async () => {
      const c = new Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-bench-'));
    env = { DESKQL_DATA_DIR: dir };
    where = `embedded PGlite (${dir})`;
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }

  const server = await startServer(env);
  serverPid = server.child.pid;
  statements = await StatementCounter.open(benchDatabase);
  try {
    const login = await gql<{ login: { token: string } }>(server.url, `mutation { login(input: { email: "admin@example.com", password: "${PASSWORD}" }) { token } }`);
    const token: string = login.login.token;
    const dir = await gql<{ priorities: { id: string; name: string }[] }>(server.url, '{ departments { id name } priorities { id name } }', {}, token);
    const sales = await gql<{ createDepartment: { department: { id: string } } }>(server.url, 'mutation { createDepartment(input: { name: "Sales" }) { department { id } } }', {}, token);
    const team = await gql<{ createTeam: { team: { id: string } } }>(server.url, 'mutation { createTeam(input: { name: "Escalations" }) { team { id } } }', {}, token);
    const prio = (name: string) => dir.priorities.find((p) => p.name === name)!.id;
    const ref = { salesId: sales.createDepartment.department.id, teamId: team.createTeam.team.id, high: prio('High'), emergency: prio('Emergency') };
    const ids: string[] = [];
    for (const input of filterInputs(ref)) {
      const res = await gql<{ createTicketFilter: { userErrors: unknown[]; ticketFilter: { id: string } } }>(server.url, CREATE_FILTER, { input }, token);
      if (res.createTicketFilter.userErrors.length) throw new Error(JSON.stringify(res.createTicketFilter.userErrors));
      ids.push(res.createTicketFilter.ticketFilter.id);
    }
    const setActive = async (isActive: boolean) => {
      for (const id of ids) await gql(server.url, UPDATE_FILTER, { input: { ticketFilterId: id, isActive } }, token);
    };

    // How many filters the matching tickets meet, by the dry run.
    await setActive(true);
    let matched = 0;
    for (let n = 0; n < 100; n++) {
      const { subject, body, owner } = ticketInput(n, true);
      const dry = await gql<{ testTicketFilters: { filters: unknown[] } }>(server.url, DRY_RUN, { input: { subject, body, email: owner.email, name: owner.name, source: 'EMAIL' } }, token);
      matched += dry.testTicketFilters.filters.length;
    }
    await setActive(false);

    console.log(`openTicket through HTTP, ${where}, node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`);
    console.log(`${TICKETS} tickets per run with ${CONCURRENCY} clients (half as many with 1), after 30 warm-up ones; ${ROUNDS} rounds`);
    console.log(`the 50 filters: 10 with a regex rule; "matching" tickets meet ${(matched / 100).toFixed(2)} of them on average (so as many FILTER_APPLIED events and their actions)`);
    let offset = 0;
    const floors: { one: Result[]; many: Result[] } = { one: [], many: [] };
    await run(server.url, token, 30, CONCURRENCY, offset); // warm-up
    offset += 30;
    const line = (label: string, r: Result, unit = 'tickets/s') =>
      console.log(
        `${label.padEnd(52)} ${r.perSecond.toFixed(1).padStart(6)} ${unit}  p50 ${r.p50.toFixed(0).padStart(5)} ms  p99 ${r.p99.toFixed(0).padStart(5)} ms  max ${r.max.toFixed(0).padStart(5)} ms` +
          (r.cpu !== null ? `  server CPU ${r.cpu.toFixed(1).padStart(5)} ms/${unit === 'tickets/s' ? 'ticket' : 'command'}` : '') +
          (r.statements != null ? `  ${r.statements.toFixed(1).padStart(5)} statements/${unit === 'tickets/s' ? 'ticket' : 'command'}` : ''),
      );
    const scenarios = [
      { label: ' 0 filters', filters: false, matching: true },
      { label: '50 filters, tickets matching none', filters: true, matching: false },
      { label: '50 filters, matching tickets', filters: true, matching: true },
    ];
    if (!benchDatabase) console.log('(the write floor and statements per ticket need PostgreSQL: --database-url)');
    if (benchDatabase && (await statements.count()) === null) console.log('(statements per ticket need pg_stat_statements in shared_preload_libraries)');
    for (let round = 1; round <= ROUNDS; round++) {
      if (benchDatabase) {
        for (const concurrency of [1, CONCURRENCY]) {
          const count = concurrency === 1 ? TICKETS : TICKETS * 4;
          const floor = await writeFloor(benchDatabase, count, concurrency, offset);
          offset += count;
          line(`round ${round}: write floor (pg, 3 INSERTs), ${concurrency} client${concurrency > 1 ? 's' : ''}`, floor);
          (concurrency === 1 ? floors.one : floors.many).push(floor);
        }
      }
      for (const scenario of scenarios) {
        await setActive(scenario.filters);
        for (const concurrency of [1, CONCURRENCY]) {
          const count = concurrency === 1 ? Math.ceil(TICKETS / 2) : TICKETS;
          const r = await run(server.url, token, count, concurrency, offset, scenario.matching);
          offset += count;
          const floor = (concurrency === 1 ? floors.one : floors.many).at(-1);
          line(`round ${round}: ${scenario.label}, ${concurrency} client${concurrency > 1 ? 's' : ''}`, r);
          if (floor) console.log(`${''.padEnd(52)} ${((100 * r.perSecond) / floor.perSecond).toFixed(1).padStart(6)} % of the floor's throughput, p50 ${(r.p50 / floor.p50).toFixed(1)}x the floor's`);
        }
      }
    }

    // The agents' commands (goal 3), each on tickets nobody has touched since intake.
    const refs = await gql<{ ticketStatuses: { id: string; name: string }[]; roles: { id: string; name: string }[]; departments: { id: string; name: string }[] }>(
      server.url,
      '{ ticketStatuses { id name } roles { id name } departments { id name } }',
      {},
      token,
    );
    const statusId = (name: string) => refs.ticketStatuses.find((x) => x.name === name)!.id;
    const agent = await gql<{ createAgent: { agent: { id: string } | null; userErrors: unknown[] } }>(
      server.url,
      'mutation($input: CreateAgentInput!) { createAgent(input: $input) { agent { id } userErrors { message } } }',
      {
        input: {
          name: 'Bench Agent',
          email: 'bench.agent@desk.test',
          password: PASSWORD,
          primaryDepartmentId: refs.departments[0]!.id,
          roleId: refs.roles[0]!.id,
          // the filters route some tickets to Sales: the agent may be assigned in every department
          departmentAccess: refs.departments.slice(1).map((d) => ({ departmentId: d.id, roleId: refs.roles[0]!.id })),
        },
      },
      token,
    );
    if (!agent.createAgent.agent) throw new Error(JSON.stringify(agent.createAgent.userErrors));
    const agentId = agent.createAgent.agent.id;
    let used = 0;
    const take = (n: number): string[] => {
      used += n;
      return opened.slice(used - n, used);
    };
    const BULK_SIZE = 50;
    const runs = (concurrency: number, perOp: number) => Math.max(concurrency * (perOp > 1 ? 1 : 2), Math.ceil((concurrency === 1 ? TICKETS / 4 : TICKETS / 2) / perOp));
    const commands = [
      { label: 'replyToTicket with statusId (Resolved)', perOp: 1, op: (ids: string[]) => command(server.url, token, REPLY, { ticketId: ids[0], body: '<p>Shipped today; tracking follows.</p>', statusId: statusId('Resolved') }) },
      { label: 'addNote', perOp: 1, op: (ids: string[]) => command(server.url, token, NOTE, { ticketId: ids[0], body: '<p>Called the carrier.</p>' }) },
      { label: 'assignTicket (to another agent)', perOp: 1, op: (ids: string[]) => command(server.url, token, ASSIGN, { ticketId: ids[0], agentId }) },
      { label: `setTicketStatus of ${BULK_SIZE} tickets (Closed)`, perOp: BULK_SIZE, op: (ids: string[]) => command(server.url, token, BULK, { ticketIds: ids, statusId: statusId('Closed') }) },
    ];
    const needed = commands.reduce((n, c) => n + [1, CONCURRENCY].reduce((m, k) => m + runs(k, c.perOp) * c.perOp, 0), 0);
    // more tickets to work on, unmeasured, when the intake runs opened too few
    if (opened.length < needed) await run(server.url, token, needed - opened.length, CONCURRENCY, offset);
    for (const c of commands) {
      for (const concurrency of [1, CONCURRENCY]) {
        const count = runs(concurrency, c.perOp);
        const ids = take(count * c.perOp);
        const r = await measure(count, concurrency, (i) => c.op(ids.slice(i * c.perOp, (i + 1) * c.perOp)));
        line(`${c.label}, ${concurrency} client${concurrency > 1 ? 's' : ''}`, r, 'commands/s');
        const floor = (concurrency === 1 ? floors.one : floors.many).at(-1);
        if (floor && c.perOp === 1) console.log(`${''.padEnd(52)} ${((100 * r.perSecond) / floor.perSecond).toFixed(1).padStart(6)} % of the write floor's transactions/s`);
      }
    }
    console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await statements?.close();
    await server.stop();
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
