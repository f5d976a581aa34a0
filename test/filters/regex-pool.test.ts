import { describe, expect, it } from 'vitest';
import { RegexPool } from '../../src/modules/filters/regex-pool';

// Filter regexes run in worker threads, each test with its own time bound
// (src/modules/filters/regex-pool.ts). The server-level behaviour is in
// regex-timeout.test.ts; its per-batch cost is measured by `npm run bench:regex`.
const EVIL = '(a+)+$';
const VICTIM = `${'a'.repeat(40)}!`; // 2^40 backtracking steps: never finishes on its own

describe('the regex pool', () => {
  it('bounds each test, blames the one that ran out of time, and runs the rest', async () => {
    const pool = new RegexPool({ timeoutMs: 50, size: 1 });
    try {
      const outcomes = await pool.run({
        texts: [VICTIM, 'hello'],
        tests: [
          { pattern: '^a', text: 0 },
          { pattern: EVIL, text: 0 },
          { pattern: '!$', text: 0 },
          { pattern: EVIL, text: 0 },
          { pattern: 'HELLO', text: 1 },
          { pattern: 'zzz', text: 1 },
        ],
      });
      expect(outcomes).toEqual(['match', 'timeout', 'match', 'timeout', 'match', 'nomatch']);
      // bounded: unbounded, each of the two would run for hours; the pool gave up on both, ending their workers
      expect(pool.terminations).toBe(2);
      // the pool carries on with a fresh worker
      expect(await pool.run({ texts: ['Invoice 42'], tests: [{ pattern: 'invoice\\s+\\d+', text: 0 }] })).toEqual(['match']);
    } finally {
      await pool.close();
    }
  });

  it('runs concurrent batches on its workers and keeps them apart', async () => {
    const pool = new RegexPool({ timeoutMs: 100, size: 2 });
    try {
      const batches = Array.from({ length: 20 }, (_, i) => ({
        texts: [`ticket ${i}`],
        tests: [
          { pattern: `^ticket ${i}$`, text: 0 },
          { pattern: `^ticket ${i + 1}$`, text: 0 },
        ],
      }));
      const slow = pool.run({ texts: [VICTIM], tests: [{ pattern: EVIL, text: 0 }] });
      const results = await Promise.all(batches.map((b) => pool.run(b)));
      expect(results).toEqual(batches.map(() => ['match', 'nomatch']));
      expect(await slow).toEqual(['timeout']);
    } finally {
      await pool.close();
    }
  });

  it('answers error once closed', async () => {
    const pool = new RegexPool({ timeoutMs: 100 });
    expect(await pool.run({ texts: ['a'], tests: [{ pattern: 'a', text: 0 }] })).toEqual(['match']);
    await pool.close();
    expect(await pool.run({ texts: ['a'], tests: [{ pattern: 'a', text: 0 }] })).toEqual(['error']);
  });
});
