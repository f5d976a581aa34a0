import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The Node flags `npm start` gives the server (`--max-semi-space-size`…),
 * read from package.json so every benchmark's server and baseline runs with them.
 */
export function startFlags(root: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((a) => a.startsWith('--'));
}

/** The real server (`src/main.ts`, as `npm start` runs it) in a child process, for the benchmarks. */
export interface BenchServer {
  child: ChildProcess;
  /** The GraphQL endpoint from the server's ready line (loopback). */
  url: string;
  /** SIGTERM (the server drains) and wait for the exit. */
  stop: () => Promise<void>;
}

/**
 * Starts `src/main.ts` on PORT 0 and loopback with `env` as its whole
 * environment (the caller decides what it inherits), optionally under
 * `--cpu-prof` into `cpuProfDir`, and waits for its ready line.
 */
export async function spawnBenchServer(env: NodeJS.ProcessEnv, options: { root: string; cpuProfDir?: string | undefined; readyTimeoutMs?: number }): Promise<BenchServer> {
  const prof = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(options.cpuProfDir)] : [];
  const child = spawn(process.execPath, [...startFlags(options.root), '-r', '@swc-node/register', ...prof, 'src/main.ts'], {
    cwd: options.root,
    env: { ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-50_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const timeout = options.readyTimeoutMs ?? 120_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left behind: a benchmark that gives up on its server ends it.
      child.kill('SIGKILL');
      reject(new Error(`no ready line in ${timeout / 1000} s:\n${out}`));
    }, timeout);
    child.stdout.on('data', () => {
      const m = /"url":"(http:[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    });
    child.on('exit', () => reject(new Error(`the server exited:\n${out}`)));
  });
  return {
    child,
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The value after `--name` on the command line, or `fallback`. */
export function benchOption(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** One GraphQL operation over HTTP; throws on errors. */
export async function benchGql<T = unknown>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}
