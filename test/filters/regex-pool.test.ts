import { describe, expect, it } from 'vitest';
import { RegexPool } from '../../src/modules/filters/regex-pool';

// Filter regexes run in worker threads, each test with its own time bound
// (src/modules/filters/regex-pool.ts). The server-level behaviour is in
// regex-timeout.test.ts.
const EVIL = '(a+)+$';
const VICTIM = `${'a'.repeat(40)}!`; // 2^40 backtracking steps: never finishes on its own

describe('the regex pool', () => {
  it('bounds each test, blames the one that ran out of time, and runs the rest', async () => {
    const pool = new RegexPool({ timeoutMs: 50, size: 1 });
    try {
      const started = Date.now();
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
      expect(pool.terminations).toBe(2);
      expect(Date.now() - started).toBeLessThan(3_000);
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

  it('costs little per batch (printed), and answers error once closed', async () => {
    const pool = new RegexPool({ timeoutMs: 100 });
    const text = 'Hello, please find invoice 12345 attached. '.repeat(20);
    await pool.run({ texts: [text], tests: [{ pattern: 'x', text: 0 }] }); // start a worker
    const lines: string[] = [];
    for (const size of [1, 10, 50]) {
      const tests = Array.from({ length: size }, (_, i) => ({ pattern: `invoice\\s+${i}`, text: 0 }));
      const n = 300;
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await pool.run({ texts: [text], tests });
      const perBatch = Number(process.hrtime.bigint() - start) / n / 1000;
      const re = tests.map((t) => new RegExp(t.pattern, 'i'));
      const s2 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) for (const r of re) r.test(text);
      const perDirect = Number(process.hrtime.bigint() - s2) / n / 1000;
      lines.push(`${size} regex tests: ${perBatch.toFixed(0)} µs per batch in the pool, ${perDirect.toFixed(1)} µs in-thread without a bound`);
      expect(perBatch).toBeLessThan(5_000);
    }
    console.log(`regex pool overhead:\n  ${lines.join('\n  ')}`);
    await pool.close();
    expect(await pool.run({ texts: ['a'], tests: [{ pattern: 'a', text: 0 }] })).toEqual(['error']);
  });
});
