import { spawn } from 'node:child_process';
import path from 'node:path';

/** How a script run ended, and what it printed. */
export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = path.resolve(__dirname, '../..');

/**
 * Runs `scripts/<script>` as `npm run` would (node with @swc-node/register, from
 * the project root, NODE_ENV=test) to completion, and resolves once the child has
 * exited and its output has ended: it has let go of a PGlite folder by then.
 * Nothing from the outer shell points it at a database or sets the admin's
 * password (DATABASE_URL, DESKQL_DATA_DIR, DESKQL_ADMIN_PASSWORD): only `env`
 * does. Killed after `timeoutMs` (then `code` is null).
 */
export function runScript(script: string, args: string[], options: { env?: Record<string, string>; timeoutMs: number }): Promise<ScriptRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };
  delete env.DATABASE_URL;
  delete env.DESKQL_DATA_DIR;
  delete env.DESKQL_ADMIN_PASSWORD;
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join('scripts', script), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    // 'close' comes after 'exit' and after the output streams end.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A run as an assertion's message: its exit code and all it printed. */
export const shown = (run: ScriptRun) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
