import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';

export interface Collector<T> {
  items: T[];
  /** Arrival time (ms) of each item. */
  times: number[];
  errors: unknown[];
  /** Waits until `count` items arrived (or the predicate holds), failing after `ms`. */
  until(check: (items: T[]) => boolean, ms?: number): Promise<T[]>;
  /** Waits a little and returns what arrived (for "nothing more arrives"). */
  settle(ms?: number): Promise<T[]>;
  stop(): void;
  done: Promise<void>;
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
        errors.push(error);
        wake();
        finish();
      },
      complete: () => {
        wake();
        finish();
      },
    },
  );
  return {
    items,
    times,
    errors,
    done,
    stop,
    until: async (check, ms = 10_000) => {
      const deadline = Date.now() + ms;
      while (!check(items)) {
        if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(items)}`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), new Promise((r) => setTimeout(r, Math.min(left, 200)))]);
      }
      return items;
    },
    settle: async (ms = 300) => {
      await new Promise((r) => setTimeout(r, ms));
      return items;
    },
  };
}
