import 'reflect-metadata';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';

/** A change made for a subscriber, and the test that tells its payload from the rest. */
export type Probe<T> = () => Promise<(item: T) => boolean>;

export interface Collector<T> {
  items: T[];
  /** Arrival time (ms) of each item. */
  times: number[];
  errors: unknown[];
  /** Waits until `count` items arrived (or the predicate holds), failing after `ms`. */
  until(check: (items: T[]) => boolean, ms?: number): Promise<T[]>;
  /**
   * Waits until the server has set the subscription up (graphql-ws does not say
   * when): `poke` makes a change the subscriber must hear, again and again until
   * `count` payloads of one poke arrived. Returns how many items had arrived by
   * then: what a test asserts starts there.
   */
  live(poke: Probe<T>, count?: number): Promise<number>;
  /**
   * "Nothing else arrives", without a sleep: `barrier` makes a later change the
   * subscriber must receive. Delivery is ordered, so once its `count` payloads
   * are here everything sent before them is too. Returns the items from index
   * `from` up to the barrier's first payload.
   */
  before(from: number, barrier: Probe<T>, count?: number): Promise<T[]>;
  stop(): void;
  done: Promise<void>;
}

/**
 * `live` for several subscriptions at once: pokes until every one has heard
 * `count` payloads of the same poke. Returns, for each, how many items had
 * arrived by then.
 */
export async function allLive<T>(subs: Collector<T>[], poke: Probe<T>, count = 1): Promise<number[]> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const heard = await poke();
    const all = await Promise.all(subs.map((s) => s.until((items) => items.filter(heard).length >= count, 1_000).then(() => true, () => false)));
    if (all.every(Boolean)) return subs.map((s) => s.items.length);
  }
  throw new Error('the subscriptions did not go live in 30 s');
}

/** Subscribes over graphql-ws and collects every payload's data. */
export function collect<TData, TVars>(client: Client, doc: TypedDocumentNode<TData, TVars>, variables?: TVars): Collector<TData> {
  const items: TData[] = [];
  const times: number[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const wake = () => waiters.splice(0).forEach((w) => w());
  const stop = client.subscribe(
    { query: print(doc), ...(variables ? { variables: variables as Record<string, unknown> } : {}) },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) {
          items.push(value.data as TData);
          times.push(Date.now());
        }
        wake();
      },
      error: (error) => {
        // graphql-ws reports a refused operation as the list of its GraphQL errors
        errors.push(...(Array.isArray(error) ? (error as unknown[]) : [error]));
        wake();
        finish();
      },
      complete: () => {
        wake();
        finish();
      },
    },
  );
  /** Waits until `check` holds: true, or false once `ms` passed (a failed subscription throws). */
  const waitFor = async (check: (items: TData[]) => boolean, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!check(items)) {
      if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([new Promise<void>((r) => waiters.push(r)), new Promise((r) => setTimeout(r, Math.min(left, 200)))]);
    }
    return true;
  };
  const until: Collector<TData>['until'] = async (check, ms = 10_000) => {
    if (!(await waitFor(check, ms))) throw new Error(`timed out; got ${JSON.stringify(items)}`);
    return items;
  };
  return {
    items,
    times,
    errors,
    done,
    stop,
    until,
    live: async (poke, count = 1) => {
      // A poke made before the subscription was set up is never heard: poke again. One heard is
      // heard whole (an event reaches a subscription entirely or not at all).
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        const heard = await poke();
        if (await waitFor((all) => all.filter(heard).length >= count, 1_000)) return items.length;
      }
      throw new Error(`the subscription did not go live in 30 s; got ${JSON.stringify(items)}`);
    },
    before: async (from, barrier, count = 1) => {
      const isBarrier = await barrier();
      await until((all) => all.slice(from).filter(isBarrier).length >= count);
      const since = items.slice(from);
      return since.slice(0, since.findIndex(isBarrier));
    },
  };
}
