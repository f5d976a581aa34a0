import { Worker } from 'node:worker_threads';

/**
 * Regular expressions from ticket filters run on text from anyone (subjects,
 * bodies, names), and JavaScript regexes backtrack: `(a+)+$` against
 * 'aaaa…!' runs for longer than the universe. Node has no regex timeout, so
 * filter regexes run here, in a small pool of worker threads, each test with
 * its own time bound:
 *
 * - One intake sends all its regex tests to a worker in one message (one
 *   round trip per intake, not per rule) and awaits the answer: the event
 *   loop never runs a regex, so a pathological one stalls nobody else.
 * - The worker writes, in shared memory, which test it is on and when that
 *   test started, and each result as soon as it has it. One timer on the main
 *   thread checks the running test's own start time, so every test gets the
 *   full bound whatever ran before it in the batch.
 * - A test past its bound is stopped by terminating the worker (V8 interrupts
 *   a running regex for that), it answers `timeout`, and the tests after it
 *   go to a fresh worker.
 *
 * Measured (2 vCPUs, Node 20): a batch costs ~25–90 µs of round trip for 1–50
 * tests; terminating a worker ~5 ms, spawning one ~40 ms (off the event loop).
 * The alternative, `vm.runInContext` with `timeout`, does interrupt a running
 * regex too, but it blocks the event loop for the whole bound and starts a
 * watchdog thread per call (~45–100 µs per regex).
 */

export type RegexOutcome = 'match' | 'nomatch' | 'timeout' | 'error';

export interface RegexTest {
  pattern: string;
  /** Index into the batch's `texts`. */
  text: number;
}

export interface RegexBatch {
  texts: string[];
  tests: RegexTest[];
}

/** Compiles a filter regex the one way every part of DeskQL does (case-insensitive). */
export function filterRegex(pattern: string): RegExp {
  return new RegExp(pattern, REGEX_FLAGS);
}
export const REGEX_FLAGS = 'i';

// Shared memory of a job, Int32 slots: [0] index of the running test, [1] its
// start in ms after the job's t0 (-1 before the first), then one result per
// test: 0 pending, 1 match, 2 no match, 3 error.
const RUNNING = 0;
const STARTED = 1;
const RESULTS = 2;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const cache = new Map();
function compiled(pattern, flags) {
  const key = flags + '/' + pattern;
  let re = cache.get(key);
  if (re === undefined) {
    if (cache.size >= 1000) cache.clear();
    re = new RegExp(pattern, flags);
    cache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}
parentPort.on('message', (job) => {
  const shared = new Int32Array(job.shared);
  const errors = [];
  for (let i = 0; i < job.tests.length; i++) {
    const test = job.tests[i];
    Atomics.store(shared, ${STARTED}, Math.max(0, Date.now() - job.t0));
    Atomics.store(shared, ${RUNNING}, i);
    let result;
    try {
      result = compiled(test.pattern, job.flags).test(job.texts[test.text]) ? 1 : 2;
    } catch (error) {
      result = 3;
      errors.push([i, String(error && error.message)]);
    }
    Atomics.store(shared, ${RESULTS} + i, result);
  }
  parentPort.postMessage({ id: job.id, errors });
});
`;

interface Job {
  id: number;
  batch: RegexBatch;
  /** Indexes (into batch.tests) still to run, in order. */
  todo: number[];
  results: RegexOutcome[];
  errors: string[];
  resolve: (results: RegexOutcome[]) => void;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
  /** What the slot's running dispatch covers. */
  running: { indexes: number[]; shared: Int32Array; t0: number; timer: NodeJS.Timeout | null } | null;
}

export interface RegexPoolOptions {
  /** The bound of one regex test, in ms. */
  timeoutMs: number;
  /** Worker threads (default 2). */
  size?: number;
  /** Told about every test that timed out or failed. */
  onProblem?: (problem: { pattern: string; outcome: 'timeout' | 'error'; message?: string }) => void;
}

/** How long a fresh worker may take to start its first test before its tests count as timed out. */
const START_GRACE_MS = 10_000;

export class RegexPool {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers terminated for a timeout since the pool started (for tests and metrics). */
  terminations = 0;

  constructor(private readonly options: RegexPoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.size ?? 2) }, () => ({ worker: null, job: null, running: null }));
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** Runs every test of the batch, each within the bound; resolves with one outcome per test, in order. */
  run(batch: RegexBatch): Promise<RegexOutcome[]> {
    if (batch.tests.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.resolve(batch.tests.map(() => 'error' as const));
    return new Promise((resolve) => {
      const job: Job = {
        id: this.nextId++,
        batch,
        todo: batch.tests.map((_, i) => i),
        results: batch.tests.map(() => 'error'),
        errors: [],
        resolve,
      };
      this.queue.push(job);
      this.pump();
    });
  }

  /** Stops every worker; pending tests answer `error`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(job.results);
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.running?.timer) clearTimeout(slot.running.timer);
        const job = slot.job;
        slot.job = null;
        slot.running = null;
        const worker = slot.worker;
        slot.worker = null;
        if (worker) await worker.terminate();
        if (job) job.resolve(job.results);
      }),
    );
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.closed || this.queue.length === 0) return;
      if (slot.job) continue;
      this.dispatch(slot, this.queue.shift()!);
    }
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 } });
    worker.unref();
    worker.on('message', (message: { id: number; errors: [number, string][] }) => {
      if (slot.worker === worker) this.finished(slot, message);
    });
    worker.on('error', () => {
      if (slot.worker === worker) this.crashed(slot);
    });
    worker.on('exit', () => {
      if (slot.worker === worker) this.crashed(slot);
    });
    slot.worker = worker;
    return worker;
  }

  private dispatch(slot: Slot, job: Job): void {
    const worker = slot.worker ?? this.spawn(slot);
    // Busy workers keep the process alive (a script awaiting a result); idle ones do not.
    worker.ref();
    const indexes = job.todo;
    const shared = new Int32Array(new SharedArrayBuffer(4 * (RESULTS + indexes.length)));
    shared[STARTED] = -1;
    const t0 = Date.now();
    slot.job = job;
    slot.running = { indexes, shared, t0, timer: null };
    worker.postMessage({
      id: job.id,
      flags: REGEX_FLAGS,
      texts: job.batch.texts,
      tests: indexes.map((i) => job.batch.tests[i]),
      shared: shared.buffer,
      t0,
    });
    this.arm(slot, this.options.timeoutMs);
  }

  private arm(slot: Slot, delay: number): void {
    const running = slot.running!;
    running.timer = setTimeout(() => this.check(slot), Math.max(1, Math.ceil(delay)));
    running.timer.unref();
  }

  /** The timer fired: is the running test past its bound? */
  private check(slot: Slot): void {
    const running = slot.running;
    if (!running) return;
    running.timer = null;
    // The worker writes STARTED, then RUNNING: a stale pair only ever looks younger; a change under us is re-checked shortly.
    const at = Atomics.load(running.shared, RUNNING);
    const started = Atomics.load(running.shared, STARTED);
    if (Atomics.load(running.shared, RUNNING) !== at) return this.arm(slot, 1);
    const now = Date.now() - running.t0;
    if (started < 0) {
      if (now < START_GRACE_MS) this.arm(slot, this.options.timeoutMs);
      else this.timedOut(slot, at);
      return;
    }
    const elapsed = now - started;
    if (elapsed < this.options.timeoutMs) this.arm(slot, this.options.timeoutMs - elapsed);
    else this.timedOut(slot, at);
  }

  /** Collects the results the worker wrote so far; returns the position of the first missing one. */
  private harvest(slot: Slot): number {
    const { indexes, shared } = slot.running!;
    const job = slot.job!;
    let k = 0;
    for (; k < indexes.length; k++) {
      const r = Atomics.load(shared, RESULTS + k);
      if (r === 0) break;
      job.results[indexes[k]!] = r === 1 ? 'match' : r === 2 ? 'nomatch' : 'error';
    }
    return k;
  }

  private timedOut(slot: Slot, runningAt: number): void {
    const worker = slot.worker!;
    // Stop the thread first, so the results read next are final.
    slot.worker = null;
    this.terminations++;
    void worker.terminate().then(() => {
      const job = slot.job!;
      const { indexes } = slot.running!;
      const k = this.harvest(slot);
      let rest = indexes.slice(k);
      // The test that was running when the bound passed is the one to blame
      // (unless it finished in the meantime and a later one had just started).
      if (k === runningAt && k < indexes.length) {
        const culprit = indexes[k]!;
        job.results[culprit] = 'timeout';
        this.options.onProblem?.({ pattern: job.batch.tests[culprit]!.pattern, outcome: 'timeout' });
        rest = rest.slice(1);
      }
      // A replacement starts now, off the next intake's path.
      if (!this.closed) this.spawn(slot);
      this.next(slot, job, rest);
    });
  }

  private finished(slot: Slot, message: { id: number; errors: [number, string][] }): void {
    const job = slot.job;
    if (!job || message.id !== job.id) return;
    if (slot.running?.timer) clearTimeout(slot.running.timer);
    const { indexes } = slot.running!;
    const k = this.harvest(slot);
    for (const [position, text] of message.errors) {
      this.options.onProblem?.({ pattern: job.batch.tests[indexes[position]!]!.pattern, outcome: 'error', message: text });
    }
    this.next(slot, job, indexes.slice(k));
  }

  private crashed(slot: Slot): void {
    const job = slot.job;
    if (slot.running?.timer) clearTimeout(slot.running.timer);
    slot.worker = null;
    if (!job) return;
    const k = this.harvest(slot);
    // The test that was running takes the blame; the others get another worker.
    const rest = slot.running!.indexes.slice(k + 1);
    this.next(slot, job, rest);
  }

  private next(slot: Slot, job: Job, rest: number[]): void {
    slot.job = null;
    slot.running = null;
    slot.worker?.unref();
    if (rest.length > 0 && !this.closed) {
      job.todo = rest;
      this.dispatch(slot, job);
      return;
    }
    job.resolve(job.results);
    this.pump();
  }
}

declare module '../../common/context' {
  interface Services {
    /** Runs ticket-filter regexes off the event loop, each with its time bound (src/server/app.ts builds it). */
    regex: RegexPool;
  }
}
