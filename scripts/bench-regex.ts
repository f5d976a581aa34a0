/**
 * What the filter regexes' time bound costs: a batch of N regex tests in the
 * worker pool (src/modules/filters/regex-pool.ts) against the same tests run
 * in-thread with no bound. `npm run bench:regex` prints microseconds per batch.
 */
import { RegexPool } from '../src/modules/filters/regex-pool';

async function main(): Promise<void> {
  const pool = new RegexPool({ timeoutMs: 100 });
  const text = 'Hello, please find invoice 12345 attached. '.repeat(20);
  await pool.run({ texts: [text], tests: [{ pattern: 'x', text: 0 }] }); // start a worker
  console.log(`regex pool overhead (node ${process.version}, ${text.length}-character text, 1000 batches each)`);
  for (const size of [1, 10, 50]) {
    const tests = Array.from({ length: size }, (_, i) => ({ pattern: `invoice\\s+${i}`, text: 0 }));
    const n = 1000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await pool.run({ texts: [text], tests });
    const perBatch = Number(process.hrtime.bigint() - start) / n / 1000;
    const re = tests.map((t) => new RegExp(t.pattern, 'i'));
    const s2 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) for (const r of re) r.test(text);
    const perDirect = Number(process.hrtime.bigint() - s2) / n / 1000;
    console.log(`${String(size).padStart(3)} regex tests: ${perBatch.toFixed(0).padStart(5)} µs per batch in the pool, ${perDirect.toFixed(1).padStart(6)} µs in-thread without a bound`);
  }
  await pool.close();
}

void main();
