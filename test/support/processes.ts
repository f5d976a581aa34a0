import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

// Real server processes for tests (`node -r @swc-node/register src/main.ts`, as `npm start` runs it).
const ROOT = path.resolve(__dirname, '../..');
export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-for-processes';

export interface Proc {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  output: () => string;
  /** The exit code (null when killed by a signal), once the process is gone. */
  exited: Promise<number | null>;
}

/** Spawns the real entry point on the given database settings and waits for its ready line. */
export async function spawnServer(dbEnv: Record<string, string>, extra: Record<string, string> = {}): Promise<Proc> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'development',
    DESKQL_LOG_LEVEL: 'info',
    DESKQL_ADMIN_EMAIL: ADMIN_EMAIL,
    DESKQL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0',
    ...extra,
  };
  delete env.DATABASE_URL;
  delete env.DESKQL_DATA_DIR;
  Object.assign(env, dbEnv);
  return spawnEntry(env);
}

/** Spawns the real entry point with `env` as its whole environment and waits for its ready line (60 s). */
export async function spawnEntry(env: NodeJS.ProcessEnv, onSpawn?: (child: ChildProcess) => void): Promise<Proc> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  onSpawn?.(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line in 60 s:\n${out}`));
    }, 60_000);
    const check = () => {
      const m = /"url":"(http:[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before it was ready:\n${out}`));
    });
  });
  return { child, url, wsUrl: url.replace(/^http/, 'ws'), output: () => out, exited };
}

/** SIGTERM drains and exits 0; a process already gone is left alone. */
export async function terminate(p: Proc | undefined): Promise<number | null | undefined> {
  if (!p) return undefined;
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  return p.exited;
}

export async function post<T = unknown>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T; errors?: { message: string }[] };
}

export async function login(url: string): Promise<string> {
  const res = await post<{ login: { token: string | null } }>(url, 'mutation($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { token } }', {
    e: ADMIN_EMAIL,
    p: ADMIN_PASSWORD,
  });
  const token = res.data?.login.token;
  if (!token) throw new Error(`login failed: ${JSON.stringify(res)}`);
  return token;
}

