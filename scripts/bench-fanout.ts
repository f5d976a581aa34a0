/**
 * Live fan-out benchmark (prints figures; not a test):
 *
 *   npm run bench:fanout -- --subscribers 1000 --changes 50
 *   node -r @swc-node/register scripts/bench-fanout.ts --subscribers 10000 --changes 10 --timeout-s 2400
 *   … --database-url postgres://user@127.0.0.1:5432/postgres --count-sql   (PostgreSQL; counts SQL per change)
 *
 * Other flags: --interval-ms (150), --client-processes (1, or 2 above 5,000
 * subscribers), --batch (sockets opened per step, 250), --warmups (5),
 * --timeout-s (900), --drain-timeout-s (600), --server-cpu-prof DIR (passes
 * --cpu-prof to the server).
 *
 * Starts a real DeskQL server as a child process (`src/main.ts`, embedded
 * database in a temporary DESKQL_DATA_DIR, or a fresh database created on the
 * PostgreSQL server of --database-url and dropped afterwards), logs in as the
 * bootstrap admin, and opens N graphql-ws clients (in 1–2 client child
 * processes) each subscribed to
 *
 *   queueUpdates(queueIds: [<open queue>]) { change count cursor ticket { id number } }
 *
 * Subscriptions are confirmed by warm-up changes that every client must
 * receive. Then M `openTicket` mutations go out over HTTP one at a time on a
 * fixed schedule (--interval-ms), and every (client, change) delivery is timed
 * from just before the mutation was sent to the moment the client's
 * graphql-ws `next` callback ran (wall clock: performance.timeOrigin +
 * performance.now(), comparable across processes on one machine).
 *
 * Everything stays on 127.0.0.1; every phase has a timeout; the whole run has
 * a hard deadline (--timeout-s). Exit codes: 0 all delivered, 1 deliveries
 * missing or subscriptions failed, 2 setup impossible (fd limit, server did
 * not start), 3 deadline hit.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Client as PgClient } from 'pg';
import { startFlags } from './bench-server';

const ROOT = path.resolve(__dirname, '..');
const ROLE_ENV = 'DESKQL_BENCH_ROLE';
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const SELECTION = '{ change count cursor ticket { id number subject status { name } } }';
const SUBSCRIPTION = `subscription Bench($queueIds: [ID!]) {
  queueUpdates(queueIds: $queueIds) ${SELECTION}
}`;

// ---- messages between the orchestrator and the client processes ------------------------

type Command =
  | { type: 'init'; wsUrl: string; authorization: string; queueId: string; capacity: number }
  | { type: 'open'; count: number; timeoutMs: number }
  | { type: 'status' }
  | { type: 'mark'; end: boolean }
  | { type: 'results'; ids: string[] }
  | { type: 'close'; timeoutMs: number };

interface Status {
  clients: number;
  connected: number;
  withAny: number;
  received: number;
  duplicates: number;
  subscriptionErrors: number;
  completed: number;
  closed: number;
  closeCodes: Record<string, number>;
  firstErrors: string[];
  perTicket: Record<string, number>;
}

interface ClientLoad {
  cpuMs: number;
  wallMs: number;
  eldP50: number;
  eldP99: number;
  eldMax: number;
  rssMb: number;
}

type Reply =
  | { type: 'ready' }
  | { type: 'opened'; ok: number; failed: number }
  | ({ type: 'status' } & Status)
  | { type: 'marked' }
  | { type: 'results'; times: Record<string, (number | null)[]>; load: ClientLoad }
  | { type: 'closed'; closed: number };

// ---- client process ---------------------------------------------------------------------

function clientMain(): void {
  let init: Extract<Command, { type: 'init' }> | null = null;
  const clients: Client[] = [];
  let anyCount = 0;
  const times = new Map<string, Float64Array>();
  const st = { received: 0, duplicates: 0, subscriptionErrors: 0, completed: 0, closed: 0, connected: 0 };
  const closeCodes: Record<string, number> = {};
  const firstErrors: string[] = [];
  const noteError = (e: unknown) => {
    if (firstErrors.length < 5) firstErrors.push(typeof e === 'string' ? e : e instanceof Error ? e.message : JSON.stringify(e));
  };
  const eld = monitorEventLoopDelay({ resolution: 10 });
  let mark = { cpu: process.cpuUsage(), at: now() };
  let load: ClientLoad | null = null;
  let anyFlags = new Uint8Array(0);

  const onNext = (idx: number, value: { data?: unknown; errors?: unknown }) => {
    const t = now();
    st.received++;
    if (value.errors) {
      st.subscriptionErrors++;
      noteError(value.errors);
    }
    const id = (value.data as { queueUpdates?: { ticket?: { id?: string } | null } } | undefined)?.queueUpdates?.ticket?.id;
    if (!id) return;
    let arr = times.get(id);
    if (!arr) {
      arr = new Float64Array(init!.capacity).fill(Number.NaN);
      times.set(id, arr);
    }
    if (Number.isNaN(arr[idx]!)) arr[idx] = t;
    else st.duplicates++;
    if (!anyFlags[idx]) {
      anyFlags[idx] = 1;
      anyCount++;
    }
  };

  const open = async (count: number, timeoutMs: number): Promise<{ ok: number; failed: number }> => {
    const cfg = init!;
    const batch: Promise<boolean>[] = [];
    const fresh: { c: Client; idx: number }[] = [];
    for (let j = 0; j < count; j++) {
      const idx = clients.length;
      const c = createClient({
        url: cfg.wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        keepAlive: 0,
        retryAttempts: 0,
        connectionParams: { authorization: cfg.authorization },
        onNonLazyError: (e) => noteError(e instanceof Error ? e.message : `socket closed ${(e as { code?: number })?.code ?? ''}`),
      });
      clients.push(c);
      fresh.push({ c, idx });
      c.on('closed', (ev) => {
        st.closed++;
        const code = String((ev as { code?: number })?.code ?? '?');
        closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      });
      batch.push(
        new Promise<boolean>((resolve) => {
          const offOk = c.on('connected', () => {
            offOk();
            offBad();
            st.connected++;
            resolve(true);
          });
          const offBad = c.on('closed', () => {
            offOk();
            offBad();
            resolve(false);
          });
        }),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const results = await Promise.race([
      Promise.all(batch),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs))),
    ]);
    clearTimeout(timer);
    // On a timeout every socket of the batch still gets its subscribe (graphql-ws sends it after the
    // ack); the warm-up then tells which subscriptions are live.
    let ok = 0;
    fresh.forEach(({ c, idx }, j) => {
      if (results && !results[j]) return;
      ok++;
      c.subscribe(
        { query: SUBSCRIPTION, variables: { queueIds: [cfg.queueId] } },
        {
          next: (v) => onNext(idx, v as { data?: unknown; errors?: unknown }),
          error: (e) => {
            st.subscriptionErrors++;
            noteError(e);
          },
          complete: () => {
            st.completed++;
          },
        },
      );
    });
    return { ok, failed: count - ok };
  };

  const send = (rid: number, reply: Reply) => process.send!({ rid, ...reply });

  process.on('message', (msg: Command & { rid: number }) => {
    void (async () => {
      switch (msg.type) {
        case 'init':
          init = msg;
          anyFlags = new Uint8Array(msg.capacity);
          send(msg.rid, { type: 'ready' });
          break;
        case 'open': {
          const r = await open(msg.count, msg.timeoutMs);
          send(msg.rid, { type: 'opened', ...r });
          break;
        }
        case 'status': {
          const perTicket: Record<string, number> = {};
          for (const [id, arr] of times) {
            let n = 0;
            for (let i = 0; i < arr.length; i++) if (!Number.isNaN(arr[i]!)) n++;
            perTicket[id] = n;
          }
          send(msg.rid, { type: 'status', clients: clients.length, withAny: anyCount, closeCodes, firstErrors, perTicket, ...st });
          break;
        }
        case 'mark':
          if (!msg.end) {
            eld.reset();
            eld.enable();
            mark = { cpu: process.cpuUsage(), at: now() };
          } else {
            eld.disable();
            const cpu = process.cpuUsage(mark.cpu);
            load = {
              cpuMs: (cpu.user + cpu.system) / 1000,
              wallMs: now() - mark.at,
              // The histogram includes the 10 ms sampling interval: report only the lag beyond it.
              eldP50: Math.max(0, eld.percentile(50) / 1e6 - 10),
              eldP99: Math.max(0, eld.percentile(99) / 1e6 - 10),
              eldMax: Math.max(0, eld.max / 1e6 - 10),
              rssMb: process.memoryUsage.rss() / 2 ** 20,
            };
          }
          send(msg.rid, { type: 'marked' });
          break;
        case 'results': {
          const out: Record<string, (number | null)[]> = {};
          for (const id of msg.ids) {
            const arr = times.get(id);
            out[id] = arr ? Array.from(arr.subarray(0, clients.length), (v) => (Number.isNaN(v) ? null : v)) : [];
          }
          send(msg.rid, { type: 'results', times: out, load: load! });
          break;
        }
        case 'close': {
          const open = clients.length - st.closed;
          const allClosed = new Promise<void>((resolve) => {
            const check = () => (st.closed >= clients.length ? resolve() : setTimeout(check, 50));
            check();
          });
          await Promise.all(clients.map((c) => c.dispose()));
          await Promise.race([allClosed, sleep(msg.timeoutMs)]);
          send(msg.rid, { type: 'closed', closed: open });
          setTimeout(() => process.exit(0), 50);
          break;
        }
      }
    })().catch((err: unknown) => {
      process.stderr.write(`bench client process failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
}

// ---- orchestrator -----------------------------------------------------------------------

interface Options {
  subscribers: number;
  changes: number;
  databaseUrl: string | undefined;
  intervalMs: number;
  clientProcesses: number;
  batch: number;
  warmups: number;
  timeoutS: number;
  serverCpuProf: string | undefined;
  countSql: boolean;
  drainTimeoutS: number;
  /** Run the baseline server and DeskQL one after the other and print both. */
  baseline: boolean;
  /** Which server this run measures (set by --baseline for its two child runs). */
  target: 'deskql' | 'baseline';
  jsonOut: string | undefined;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '1000' },
      changes: { type: 'string', default: '50' },
      'database-url': { type: 'string' },
      'interval-ms': { type: 'string', default: '150' },
      'client-processes': { type: 'string' },
      batch: { type: 'string', default: '250' },
      warmups: { type: 'string', default: '5' },
      'timeout-s': { type: 'string', default: '900' },
      'server-cpu-prof': { type: 'string' },
      'count-sql': { type: 'boolean', default: false },
      'drain-timeout-s': { type: 'string', default: '600' },
      baseline: { type: 'boolean', default: false },
      target: { type: 'string', default: 'deskql' },
      'json-out': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: node -r @swc-node/register scripts/bench-fanout.ts [--subscribers N=1000] [--changes M=50]\n' +
        '         [--database-url postgres://…] [--interval-ms 150] [--client-processes 1|2] [--batch 250]\n' +
        '         [--warmups 5] [--timeout-s 900] [--drain-timeout-s 600] [--server-cpu-prof DIR] [--count-sql (with --database-url)]\n' +
        '         [--baseline (also runs a bare graphql-ws server with the same selection from memory, and prints both)]\n',
    );
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      process.stderr.write(`--${name} must be a whole number from ${min} to ${max}\n`);
      process.exit(2);
    }
    return n;
  };
  const subscribers = int('subscribers', values.subscribers, 1, 50_000);
  const dbUrl = values['database-url'];
  if (dbUrl !== undefined && !/^postgres(ql)?:\/\//.test(dbUrl)) {
    process.stderr.write('--database-url must be a postgres:// or postgresql:// URL\n');
    process.exit(2);
  }
  return {
    subscribers,
    changes: int('changes', values.changes, 1, 10_000),
    databaseUrl: dbUrl,
    intervalMs: int('interval-ms', values['interval-ms'], 0, 60_000),
    clientProcesses: int('client-processes', values['client-processes'] ?? (subscribers > 5000 ? '2' : '1'), 1, 4),
    batch: int('batch', values.batch, 1, 5000),
    warmups: int('warmups', values.warmups, 1, 50),
    timeoutS: int('timeout-s', values['timeout-s'], 10, 7200),
    serverCpuProf: values['server-cpu-prof'] ? path.resolve(values['server-cpu-prof']) : undefined,
    countSql: values['count-sql'] && dbUrl !== undefined,
    drainTimeoutS: int('drain-timeout-s', values['drain-timeout-s'], 5, 7200),
    baseline: values.baseline,
    target: values.target === 'baseline' ? 'baseline' : 'deskql',
    jsonOut: values['json-out'],
  };
}

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${line}\n`);

function fdLimits(): { soft: number; hard: number } {
  const out = execFileSync('/bin/sh', ['-c', 'ulimit -Sn; ulimit -Hn']).toString().trim().split(/\s+/);
  const parse = (s: string | undefined) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
  return { soft: parse(out[0]), hard: parse(out[1]) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function procStatus(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? Number.NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

let clkTck = 100;
function procCpuMs(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clkTck;
  } catch {
    return Number.NaN;
  }
}

interface Worker {
  child: ChildProcess;
  capacity: number;
  opened: number;
  exited: Promise<number | null>;
}

let rid = 0;
const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

function ask<T extends Reply['type']>(w: Worker, cmd: Command, timeoutMs: number): Promise<Extract<Reply, { type: T }>> {
  const id = ++rid;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`client process ${w.child.pid} did not answer "${cmd.type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    pending.set(id, {
      resolve: (r) => {
        clearTimeout(timer);
        resolve(r as Extract<Reply, { type: T }>);
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    });
    w.child.send({ ...cmd, rid: id });
  });
}

const pct = (sorted: Float64Array, p: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
const median = (xs: number[]) => pct(Float64Array.from(xs).sort(), 50);
const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

async function orchestrate(): Promise<number> {
  const opt = options();
  const tStart = now();
  const load0 = os.loadavg();
  const phases: [string, number][] = [];
  let phaseAt = tStart;
  let phase = 'prepare';
  const enter = (name: string) => {
    const t = now();
    phases.push([phase, t - phaseAt]);
    phase = name;
    phaseAt = t;
  };
  try {
    clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    /* keep 100 */
  }

  // ---- file descriptors: one per socket on each side, plus headroom ----
  const N = opt.subscribers;
  const perClientProc = Math.ceil(N / opt.clientProcesses);
  const needServer = N + 512;
  const needClient = perClientProc + 512;
  // Node raises its own soft RLIMIT_NOFILE to the hard limit at startup (and children inherit it),
  // so the hard limit is what bounds the sockets of the server and of each client process.
  const { soft, hard } = fdLimits();
  const need = Math.max(needServer, needClient);
  if (Math.max(soft, hard) < need) {
    process.stderr.write(
      `bench-fanout: ${N} subscribers need about ${needServer} open files in the server process and ${needClient} in each of ` +
        `${opt.clientProcesses} client process(es), but the hard limit (ulimit -Hn) is ${hard}.\n` +
        `Raise it (e.g. \`ulimit -Hn ${need}\` as root, or LimitNOFILE / limits.conf), or run with fewer --subscribers ` +
        `or more --client-processes.\n`,
    );
    return 2;
  }

  // ---- database ----
  let dataDir: string | null = null;
  let benchDb: { base: string; name: string } | null = null;
  const serverEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(serverEnv)) if (k.startsWith('DESKQL_') || k === 'DATABASE_URL') delete serverEnv[k];
  delete serverEnv.NODE_OPTIONS;
  let dbLabel: string;
  const isBaseline = opt.target === 'baseline';
  if (isBaseline) {
    dbLabel = 'none: the baseline serves its updates from memory';
  } else if (opt.databaseUrl) {
    const name = `deskql_bench_${randomBytes(5).toString('hex')}`;
    const admin = new PgClient({ connectionString: opt.databaseUrl, connectionTimeoutMillis: 10_000 });
    await admin.connect();
    try {
      await admin.query(`create database "${name}"`);
    } finally {
      await admin.end();
    }
    benchDb = { base: opt.databaseUrl, name };
    const url = new URL(opt.databaseUrl);
    url.pathname = `/${name}`;
    serverEnv.DATABASE_URL = url.toString();
    dbLabel = `PostgreSQL, fresh database ${name} on ${url.hostname}:${url.port || 5432} (dropped afterwards)`;
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-bench-fanout-'));
    serverEnv.DESKQL_DATA_DIR = dataDir;
    dbLabel = `embedded PGlite in ${dataDir} (in the server process; removed afterwards)`;
  }

  const port = await freePort();
  const adminEmail = 'bench-admin@example.com';
  const adminPassword = `bench-${randomBytes(12).toString('hex')}`;
  Object.assign(serverEnv, {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DESKQL_ADMIN_EMAIL: adminEmail,
    DESKQL_ADMIN_PASSWORD: adminPassword,
    DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0',
    DESKQL_LOG_LEVEL: 'warn',
    DESKQL_SHUTDOWN_TIMEOUT_MS: '15000',
  });
  const base = `http://127.0.0.1:${port}`;
  const httpUrl = `${base}/graphql`;

  // ---- server process ----
  const entry = isBaseline ? 'scripts/bench-fanout-baseline.ts' : 'src/main.ts';
  // the same Node flags for DeskQL and the baseline: those `npm start` gives the server
  const nodeArgs = [...startFlags(ROOT), '-r', '@swc-node/register', ...(opt.serverCpuProf ? ['--cpu-prof', '--cpu-prof-dir', opt.serverCpuProf] : []), entry];
  const server = spawn(process.execPath, nodeArgs, { cwd: ROOT, env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let serverOut = '';
  const keep = (d: Buffer) => {
    serverOut = (serverOut + d.toString()).slice(-20_000);
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  // Set by the exit listener: `as` keeps TypeScript from narrowing it to null at the checks below.
  let serverExit = null as number | string | null;
  const serverExited = new Promise<void>((resolve) =>
    server.on('exit', (code, signal) => {
      serverExit = code ?? signal;
      resolve();
    }),
  );
  const serverPid = server.pid!;

  const workers: Worker[] = [];
  // Last resort if this process dies some other way (an exception, a closed output pipe): no orphans.
  process.on('exit', () => {
    if (serverExit === null) server.kill('SIGTERM');
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });
  let cleaned = false;
  const cleanup = async (reason: string) => {
    if (cleaned) return;
    cleaned = true;
    const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    if (alive.length) {
      log(`closing ${alive.length} client process(es) (${reason})`);
      await Promise.all(alive.map((w) => ask<'closed'>(w, { type: 'close', timeoutMs: 15_000 }, 30_000).catch(() => undefined)));
      await Promise.race([Promise.all(alive.map((w) => w.exited)), sleep(5_000)]);
      for (const w of alive) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    }
    if (serverExit === null) {
      log('SIGTERM to the server');
      server.kill('SIGTERM');
      await Promise.race([serverExited, sleep(30_000)]);
      if (serverExit === null) {
        log('server did not drain in 30 s: SIGKILL');
        server.kill('SIGKILL');
        await Promise.race([serverExited, sleep(5_000)]);
      }
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    if (benchDb) {
      const c = new PgClient({ connectionString: benchDb.base, connectionTimeoutMillis: 10_000 });
      try {
        await c.connect();
        await c.query(`drop database if exists "${benchDb.name}" with (force)`);
      } catch (err) {
        log(`could not drop ${benchDb.name}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        await c.end().catch(() => undefined);
      }
    }
  };

  const deadline = setTimeout(() => {
    log(`hard deadline of ${opt.timeoutS} s reached in phase "${phase}"`);
    void cleanup('deadline').finally(() => process.exit(3));
  }, opt.timeoutS * 1000);
  deadline.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      void cleanup(sig).finally(() => process.exit(130));
    });
  }

  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> => {
    const res = await fetch(httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      // A mutation may wait behind a whole fan-out on the embedded database.
      signal: AbortSignal.timeout(120_000),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    if (!body.data || body.errors) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
    return body.data;
  };
  const healthy = async (timeoutMs: number) => {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.status === 200;
  };

  try {
    // ---- wait for the server ----
    enter('server start');
    log(`starting the server (pid ${serverPid}) on ${base} — ${dbLabel}`);
    const startBy = now() + 120_000;
    for (;;) {
      if (serverExit !== null) throw Object.assign(new Error(`the server exited (${serverExit}) before it was ready:\n${serverOut}`), { exitCode: 2 });
      if (now() > startBy) throw Object.assign(new Error(`the server was not ready within 120 s:\n${serverOut}`), { exitCode: 2 });
      if (await healthy(2_000).catch(() => false)) break;
      await sleep(200);
    }

    // ---- what the bench needs, through the API ----
    enter('setup');
    const deskqlSetup = async () => {
      const login = await gql<{ login: { token: string | null; userErrors: unknown[] } }>(
        'mutation($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { token userErrors { code message } } }',
        { email: adminEmail, password: adminPassword },
      );
      const token = login.login.token;
      if (!token) throw new Error(`admin login failed: ${JSON.stringify(login.login.userErrors)}`);
      const queues = await gql<{ queues: { id: string; key: string | null; count: number }[] }>('{ queues { id key count } }', {}, token);
      const openQueue = queues.queues.find((q) => q.key === 'open');
      if (!openQueue) throw new Error(`no "open" queue among ${JSON.stringify(queues.queues.map((q) => q.key))}`);
      const openTicket = async (label: string) => {
        const r = await gql<{ openTicket: { ticket: { id: string; number: string } | null; userErrors: unknown[] } }>(
          'mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id number } userErrors { code message } } }',
          { input: { subject: `Fan-out bench ${label}`, body: '<p>bench</p>', owner: { email: 'bench-owner@example.com', name: 'Bench Owner' } } },
          token,
        );
        if (!r.openTicket.ticket) throw new Error(`openTicket failed: ${JSON.stringify(r.openTicket.userErrors)}`);
        return r.openTicket.ticket;
      };
      return { token, openQueue, openTicket };
    };
    const { token, openQueue, openTicket } = isBaseline
      ? {
          token: 'baseline',
          openQueue: { id: 'open' },
          openTicket: async (label: string) => {
            const res = await fetch(`${base}/change?label=${encodeURIComponent(label)}`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
            if (res.status !== 200) throw new Error(`baseline /change answered ${res.status}`);
            return (await res.json()) as { id: string; number: string };
          },
        }
      : await deskqlSetup();
    // One ticket outside any subscription: creates the end user and warms the write path.
    await openTicket('before subscribing');
    await sleep(1_000);
    const rssBefore = procStatus(serverPid);

    // ---- client processes ----
    enter('connect + subscribe');
    for (let i = 0; i < opt.clientProcesses; i++) {
      const capacity = Math.min(perClientProc, N - i * perClientProc);
      if (capacity <= 0) break;
      const child = fork(__filename, [], { env: { ...process.env, [ROLE_ENV]: 'client' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.on('message', (m: Reply & { rid: number }) => {
        const p = pending.get(m.rid);
        if (p) {
          pending.delete(m.rid);
          p.resolve(m);
        }
      });
      child.on('exit', (code, signal) => {
        if (!cleaned) log(`client process ${child.pid} exited (${code ?? signal})`);
        for (const [id, p] of pending) {
          pending.delete(id);
          p.reject(new Error(`client process ${child.pid} exited (${code ?? signal})`));
        }
      });
      const w: Worker = { child, capacity, opened: 0, exited };
      workers.push(w);
      await ask<'ready'>(w, { type: 'init', wsUrl: httpUrl.replace(/^http/, 'ws'), authorization: `Bearer ${token}`, queueId: openQueue.id, capacity }, 60_000);
    }
    log(`${workers.length} client process(es) ready; opening ${N} sockets in batches of ${opt.batch}`);
    let opened = 0;
    let failed = 0;
    let nextLog = 0;
    while (workers.some((w) => w.opened < w.capacity)) {
      for (const w of workers) {
        const count = Math.min(opt.batch, w.capacity - w.opened);
        if (count <= 0) continue;
        const r = await ask<'opened'>(w, { type: 'open', count, timeoutMs: 30_000 }, 60_000);
        w.opened += count;
        opened += r.ok;
        failed += r.failed;
        // Pace: the server's database answers /healthz only after the queued subscribe work ahead of it.
        await healthy(30_000).catch(() => undefined);
        if (opened + failed >= nextLog) {
          log(`  sockets connected ${opened}/${N}${failed ? `, failed ${failed}` : ''}, server RSS ${f(procStatus(serverPid)?.rssMb ?? Number.NaN)} MB`);
          nextLog += Math.max(opt.batch, Math.ceil(N / 10));
        }
      }
    }
    const statusAll = async () => {
      const all = await Promise.all(workers.map((w) => ask<'status'>(w, { type: 'status' }, 30_000)));
      const sum = (k: keyof Status) => all.reduce((a, s) => a + (s[k] as number), 0);
      const perTicket: Record<string, number> = {};
      const closeCodes: Record<string, number> = {};
      for (const s of all) {
        for (const [id, n] of Object.entries(s.perTicket)) perTicket[id] = (perTicket[id] ?? 0) + n;
        for (const [c, n] of Object.entries(s.closeCodes)) closeCodes[c] = (closeCodes[c] ?? 0) + n;
      }
      return {
        connected: sum('connected'),
        withAny: sum('withAny'),
        received: sum('received'),
        duplicates: sum('duplicates'),
        subscriptionErrors: sum('subscriptionErrors'),
        completed: sum('completed'),
        closed: sum('closed'),
        closeCodes,
        firstErrors: all.flatMap((s) => s.firstErrors).slice(0, 5),
        perTicket,
      };
    };
    const rssOpened = procStatus(serverPid);

    // ---- confirm every subscription with warm-up changes ----
    enter('warm-up');
    let confirmed = false;
    const warmIds: string[] = [];
    for (let i = 0; i < opt.warmups && !confirmed; i++) {
      const t = await openTicket(`warm-up ${i + 1}`);
      warmIds.push(t.id);
      // Until every open socket has it, or no progress for 5 s (at most 300 s): deliveries in flight keep
      // progressing; a subscription set up after this change hears the next one (30 s here made a server whose
      // last batch subscribed just after the change wait 30 s for nothing).
      const until = now() + 300_000;
      let s = await statusAll();
      let got = -1;
      let progressAt = now();
      while ((s.perTicket[t.id] ?? 0) < N - s.closed && now() < until && now() - progressAt < 5_000) {
        await sleep(250);
        s = await statusAll();
        if ((s.perTicket[t.id] ?? 0) > got) {
          got = s.perTicket[t.id] ?? 0;
          progressAt = now();
        }
      }
      log(`  warm-up ${i + 1}: ${s.perTicket[t.id] ?? 0}/${N} got it; ${s.withAny}/${N} subscriptions confirmed` + (s.closed ? `, ${s.closed} sockets closed ${JSON.stringify(s.closeCodes)}` : ''));
      if (s.firstErrors.length) log(`  first errors: ${s.firstErrors.join(' | ').slice(0, 600)}`);
      confirmed = s.withAny >= N;
      if (s.closed > 0 || s.subscriptionErrors > 0) break;
    }
    const afterWarm = await statusAll();
    if (!confirmed) {
      process.stdout.write(
        `\nFAILED: only ${afterWarm.withAny}/${N} subscriptions received a warm-up change ` +
          `(connected ${afterWarm.connected}, sockets closed ${afterWarm.closed} ${JSON.stringify(afterWarm.closeCodes)}, ` +
          `subscription errors ${afterWarm.subscriptionErrors}, completed ${afterWarm.completed}).\n` +
          (afterWarm.firstErrors.length ? `first errors: ${afterWarm.firstErrors.join(' | ')}\n` : '') +
          `server RSS ${f(procStatus(serverPid)?.rssMb ?? Number.NaN)} MB; server output tail:\n${serverOut.slice(-3000)}\n`,
      );
      return 1;
    }
    await sleep(1_000);
    const rssSubscribed = procStatus(serverPid);

    // ---- the measured changes ----
    enter('changes + drain');
    const rssSamples: number[] = [];
    const sampler = setInterval(() => {
      const s = procStatus(serverPid);
      if (s) rssSamples.push(s.rssMb);
    }, 100);
    // PostgreSQL statistics: an idle backend flushes its counters within ~10 s (PG 15), so wait that long on each side.
    const xacts = async (): Promise<number> => {
      if (!opt.countSql || !benchDb) return Number.NaN;
      await sleep(11_000);
      const c = new PgClient({ connectionString: benchDb.base, connectionTimeoutMillis: 10_000 });
      await c.connect();
      try {
        const r = await c.query<{ n: string }>('select xact_commit + xact_rollback as n from pg_stat_database where datname = $1', [benchDb.name]);
        return Number(r.rows[0]?.n ?? Number.NaN);
      } finally {
        await c.end();
      }
    };
    const xact0 = await xacts();
    await Promise.all(workers.map((w) => ask<'marked'>(w, { type: 'mark', end: false }, 30_000)));
    const cpu0 = procCpuMs(serverPid);
    const sent: { id: string; t0: number; t1: number }[] = [];
    const tMeasure = now();
    for (let i = 0; i < opt.changes; i++) {
      const due = tMeasure + i * opt.intervalMs;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
      const t0 = now();
      const ticket = await openTicket(`change ${i + 1}`);
      sent.push({ id: ticket.id, t0, t1: now() });
    }
    const tLastSent = now();
    const expected = N * opt.changes;
    let delivered = 0;
    let lastProgress = now();
    let s = await statusAll();
    for (;;) {
      const d = sent.reduce((a, x) => a + (s.perTicket[x.id] ?? 0), 0);
      if (d > delivered) {
        delivered = d;
        lastProgress = now();
      }
      if (delivered >= expected) break;
      if (now() - lastProgress > 30_000 || now() - tLastSent > opt.drainTimeoutS * 1000) {
        log(`  giving up waiting: ${delivered}/${expected} delivered, no progress for ${f((now() - lastProgress) / 1000)} s`);
        break;
      }
      await sleep(250);
      s = await statusAll();
    }
    const tDrained = now();
    await Promise.all(workers.map((w) => ask<'marked'>(w, { type: 'mark', end: true }, 30_000)));
    const cpu1 = procCpuMs(serverPid);
    clearInterval(sampler);
    const rssAfter = procStatus(serverPid);
    const final = await statusAll();
    const xact1 = await xacts();

    // ---- results ----
    enter('collect');
    const ids = sent.map((x) => x.id);
    const results = await Promise.all(workers.map((w) => ask<'results'>(w, { type: 'results', ids }, 120_000)));
    const lat: number[] = [];
    const latResp: number[] = [];
    const firstPer: number[] = [];
    const lastPer: number[] = [];
    const p50Per: number[] = [];
    let lastArrival = 0;
    sent.forEach((x, i) => {
      const mine: number[] = [];
      for (const r of results) {
        for (const t of r.times[x.id] ?? []) {
          if (t === null) continue;
          mine.push(t - x.t0);
          latResp.push(t - x.t1);
          if (t > lastArrival) lastArrival = t;
        }
      }
      lat.push(...mine);
      const sorted = Float64Array.from(mine).sort();
      if (sorted.length) {
        firstPer[i] = sorted[0]!;
        lastPer[i] = sorted[sorted.length - 1]!;
        p50Per[i] = pct(sorted, 50);
      }
    });
    const L = Float64Array.from(lat).sort();
    const LR = Float64Array.from(latResp).sort();
    const rtt = sent.map((x) => x.t1 - x.t0);
    const spread = sent.map((_, i) => (lastPer[i] ?? Number.NaN) - (firstPer[i] ?? Number.NaN)).filter(Number.isFinite);
    const k = Math.max(1, Math.min(10, Math.floor(p50Per.length / 2)));
    const head = p50Per.slice(0, k).filter(Number.isFinite);
    const tail = p50Per.slice(-k).filter(Number.isFinite);
    const deliverWindow = (lastArrival - sent[0]!.t0) / 1000;
    const cpuMs = cpu1 - cpu0;
    const wallMs = tDrained - tMeasure;
    const peakSampled = Math.max(...rssSamples, rssAfter?.rssMb ?? 0);
    const subs = (rssSubscribed?.rssMb ?? Number.NaN) - (rssBefore?.rssMb ?? Number.NaN);
    const missing = expected - L.length;

    enter('close');
    await cleanup('done');
    enter('end');
    const total = (now() - tStart) / 1000;

    const out: string[] = [];
    out.push('');
    out.push(`${isBaseline ? 'BASELINE (bare graphql-ws, selection executed per subscriber from memory)' : 'DeskQL'} live fan-out — queueUpdates(queueIds: [open]) ${SELECTION}`);
    out.push(`  database                 ${dbLabel}`);
    out.push(`  server                   node ${process.version}, NODE_ENV=production, DESKQL_QUEUE_UPDATE_INTERVAL_MS=0, ${os.cpus().length} CPUs`);
    out.push(`  subscribers N            ${N} (one socket and one subscription each, ${workers.length} client process(es), all one admin token)`);
    out.push(`  changes M                ${opt.changes} openTicket mutations, one every ${opt.intervalMs} ms (offered ${f((N * 1000) / Math.max(1, opt.intervalMs), 0)} msg/s)`);
    const gaps = sent.slice(1).map((x, i) => x.t0 - sent[i]!.t0);
    out.push(`  achieved spacing         p50 ${f(median(gaps))} ms, max ${f(gaps.length ? Math.max(...gaps) : Number.NaN)} ms between sends (mutations go one at a time: a slow response delays the next one)`);
    out.push(`  delivered/expected       ${L.length}/${expected}${missing ? `  MISSING ${missing}` : ''}  (duplicates ${final.duplicates}, subscription errors ${final.subscriptionErrors}, sockets closed ${final.closed})`);
    out.push(`  latency, ms              from just before the mutation was sent to the client's graphql-ws next():`);
    out.push(`                           p50 ${f(pct(L, 50))}  p95 ${f(pct(L, 95))}  p99 ${f(pct(L, 99))}  max ${f(pct(L, 100))}`);
    out.push(`                           from the mutation response's arrival instead: p50 ${f(pct(LR, 50))}  p95 ${f(pct(LR, 95))}  p99 ${f(pct(LR, 99))}  max ${f(pct(LR, 100))}`);
    out.push(`  mutation round trip, ms  p50 ${f(median(rtt))}  max ${f(Math.max(...rtt))}`);
    out.push(`  per change, ms (p50 over changes)  first delivery ${f(median(firstPer.filter(Number.isFinite)))}, last delivery ${f(median(lastPer.filter(Number.isFinite)))}, spread last−first ${f(median(spread))} (= ${f((median(spread) * 1000) / N, 1)} µs per subscriber)`);
    out.push(`  pile-up check            p50 of the first ${head.length} changes ${f(median(head))} ms, of the last ${tail.length} ${f(median(tail))} ms`);
    out.push(`  delivered msg/s          ${f(L.length / deliverWindow, 0)} (over ${f(deliverWindow, 2)} s from the first send to the last delivery)`);
    out.push(`  server CPU               ${f(cpuMs / 1000, 2)} s in ${f(wallMs / 1000, 2)} s of changes + drain (${f((cpuMs / wallMs) * 100, 0)}% of one core), ${f((cpuMs * 1000) / Math.max(1, L.length), 1)} µs per delivered message`);
    out.push(
      `  server RSS, MB           before subscribing ${f(rssBefore?.rssMb ?? Number.NaN)}, after opening ${f(rssOpened?.rssMb ?? Number.NaN)}, after subscribing (warm-up confirmed) ${f(rssSubscribed?.rssMb ?? Number.NaN)}, ` +
        `after the run ${f(rssAfter?.rssMb ?? Number.NaN)}; peak sampled during changes ${f(peakSampled)}, VmHWM ${f(rssAfter?.hwmMb ?? Number.NaN)}`,
    );
    out.push(`  RSS per subscriber       ${f((subs * 1024) / N, 1)} KB  ((after subscribing − before) / N)`);
    for (const [i, r] of results.entries()) {
      const l = r.load;
      out.push(`  client process ${i + 1}         CPU ${f(l.cpuMs / 1000, 2)} s in ${f(l.wallMs / 1000, 2)} s (${f((l.cpuMs / l.wallMs) * 100, 0)}%), event-loop lag p50 ${f(l.eldP50)} / p99 ${f(l.eldP99)} / max ${f(l.eldMax)} ms, RSS ${f(l.rssMb, 0)} MB`);
    }
    if (opt.countSql) out.push(`  PostgreSQL transactions  ${xact1 - xact0} during the changes (${f((xact1 - xact0) / opt.changes, 1)} per change, N = ${N}; pg_stat_database.xact_commit+xact_rollback, autocommitted statements count one each)`);
    out.push(`  load average             ${load0.map((x) => x.toFixed(2)).join(' ')} at the start, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end (other processes on this machine compete for its ${os.cpus().length} CPUs)`);
    out.push(`  phases, s                ${phases.filter(([n]) => n !== 'end').map(([n, ms]) => `${n} ${f(ms / 1000, 1)}`).join(', ')}`);
    out.push(`  total run time           ${f(total, 1)} s`);
    out.push(`  server exit              ${serverExit}`);
    process.stdout.write(`${out.join('\n')}\n`);
    if (opt.jsonOut) {
      const phase = (name: string) => (phases.find(([n]) => n === name)?.[1] ?? Number.NaN) / 1000;
      const summary: RunSummary = {
        target: opt.target,
        subscribers: N,
        readyS: phase('connect + subscribe') + phase('warm-up'),
        delivered: L.length,
        expected,
        errors: final.subscriptionErrors,
        p50: pct(L, 50),
        p99: pct(L, 99),
        msgPerS: L.length / deliverWindow,
        cpuUsPerMsg: (cpuMs * 1000) / Math.max(1, L.length),
        kbPerSubscriber: (subs * 1024) / N,
        peakRssMb: Math.max(peakSampled, rssAfter?.hwmMb ?? 0),
        load: [load0, os.loadavg()],
      };
      fs.writeFileSync(opt.jsonOut, JSON.stringify(summary));
    }
    if (missing > 0 || final.subscriptionErrors > 0) {
      process.stdout.write(`FAILED: ${missing} deliveries missing, ${final.subscriptionErrors} subscription errors${final.firstErrors.length ? `; first errors: ${final.firstErrors.join(' | ')}` : ''}\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`bench-fanout failed in phase "${phase}": ${err instanceof Error ? err.message : String(err)}\n`);
    if (serverExit !== null) process.stderr.write(`server exited with ${serverExit}; output tail:\n${serverOut.slice(-3000)}\n`);
    await cleanup('error');
    return (err as { exitCode?: number }).exitCode ?? 1;
  }
}

// ---- --baseline: the baseline and DeskQL, one after the other, side by side -------------------

interface RunSummary {
  target: string;
  subscribers: number;
  readyS: number;
  delivered: number;
  expected: number;
  errors: number;
  p50: number;
  p99: number;
  msgPerS: number;
  cpuUsPerMsg: number;
  kbPerSubscriber: number;
  peakRssMb: number;
  load: number[][];
}

async function pair(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--baseline');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-bench-pair-'));
  const results: RunSummary[] = [];
  let code = 0;
  try {
    for (const target of ['baseline', 'deskql'] as const) {
      const jsonOut = path.join(dir, `${target}.json`);
      log(`---- run ${results.length + 1} of 2: ${target} ----`);
      const child = spawn(process.execPath, [...process.execArgv, __filename, ...args, '--target', target, '--json-out', jsonOut], { cwd: ROOT, stdio: 'inherit' });
      const exit = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
      if (exit !== 0) code = exit;
      if (!fs.existsSync(jsonOut)) {
        process.stdout.write(`\n${target} run failed (exit ${exit}): no figures\n`);
        return exit || 1;
      }
      results.push(JSON.parse(fs.readFileSync(jsonOut, 'utf8')) as RunSummary);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const [b, d] = results as [RunSummary, RunSummary];
  const row = (r: RunSummary) =>
    `| ${r.target === 'baseline' ? 'bare graphql-ws (baseline)' : 'DeskQL'} | ${f(r.readyS)} s | ${r.delivered} / ${r.expected}${r.errors ? `, ${r.errors} errors` : ''} | ${f(r.p50, 0)} / ${f(r.p99, 0)} ms | ${f(r.msgPerS, 0)} | ${f(r.cpuUsPerMsg, 1)} µs | ${f(r.kbPerSubscriber, 1)} KB | ${f(r.peakRssMb, 0)} MB |`;
  const out = [
    '',
    `Side by side, ${d.subscribers} subscribers, queueUpdates(queueIds: [open]) ${SELECTION}:`,
    '',
    '| server | ready (subscribed + confirmed) | delivered | p50 / p99 from the change | msg/s | server CPU per message | RSS per subscriber | peak RSS |',
    '|---|---|---|---|---|---|---|---|',
    row(b),
    row(d),
    '',
    `DeskQL / baseline: p99 ${f(d.p99 / b.p99, 2)}×, p50 ${f(d.p50 / b.p50, 2)}×, ready ${f(d.readyS / b.readyS, 2)}×, CPU per message ${f(d.cpuUsPerMsg / b.cpuUsPerMsg, 2)}×`,
    `load average: baseline run ${b.load.map((l) => l.map((x) => x.toFixed(2)).join(' ')).join(' → ')}; DeskQL run ${d.load.map((l) => l.map((x) => x.toFixed(2)).join(' ')).join(' → ')}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return code;
}

// Output piped into `head` and closed early must not kill the run halfway (leaving the server behind).
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

if (process.env[ROLE_ENV] === 'client') {
  clientMain();
} else {
  (process.argv.includes('--baseline') && !process.argv.includes('--target') ? pair() : orchestrate()).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench-fanout: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
