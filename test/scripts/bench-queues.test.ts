import { describe, expect, it } from 'vitest';
import { runScript, shown as show } from '../support/scripts';

// `npm run bench:queues` as run from the shell, on a tiny desk: the real script seeds its own
// database, starts the real server and prints a line per goal. It asserts no speed: the figures
// are the bench's to report, not this test's to bound; only that every goal line is there.
const GOALS = ['1a', '1b', '2a', '2b', '3a', '3b', '3c', '3d', '4a', '4b', '5a', '5b', '6', '7'];

describe('npm run bench:queues', () => {
  it('seeds 300 tickets, runs every goal against the real server and prints floor, figure and verdict for each', { timeout: 180_000 }, async () => {
    // DATABASE_URL goes as --database-url, so the bench makes (and drops) its own database
    const db = process.env.DATABASE_URL ? ['--database-url', process.env.DATABASE_URL] : [];
    const run = await runScript('bench-queues.ts', ['--tickets', '300', '--samples', '3', '--clients', '4', '--requests', '16', ...db], { timeoutMs: 170_000 });
    const shown = show(run);
    expect(run.code, shown).toBe(0);
    expect(run.stdout, shown).toMatch(/^bench:queues — N = 300 tickets, (PostgreSQL|embedded PGlite)/m);
    expect(run.stdout, shown).toMatch(/load average [\d.]+ [\d.]+ [\d.]+ \(1, 5, 15 min\)/);
    expect(run.stdout, shown).toMatch(/^tickets in the database: 300 \(\d+ open, \d+ closed\)$/m);
    for (const id of GOALS) expect(run.stdout, `goal ${id}\n${shown}`).toMatch(new RegExp(`^${id}\\s.+\\s(PASS|MISS|n/a)\\s*$`, 'm'));
    // The counts the API served equal count(*) of the same queues (the bench prints it per viewer).
    expect(run.stdout.match(/every count = count\(\*\)/g), shown).toHaveLength(2);
    expect(run.stdout, shown).toMatch(/^load average at the end [\d.]+ [\d.]+ [\d.]+$/m);
  });
});
