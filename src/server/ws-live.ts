import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import type { Context, Viewer } from '../common/context';
import { AsyncQueue } from '../modules/events/async-queue';
import type { LivePayload } from '../modules/events/live-hub';
import { principalOf, type Principal } from '../modules/tickets/ticket.policy';
import { principalFingerprint } from './ws-access';

// Live subscriptions over graphql-ws, executed once per group of equal subscribers.
//
// A live stream (src/modules/events) hands every member of a group of equal
// subscribers the same payload object. Here a subscription's selection is
// executed once per payload object and per what the result can depend on:
//
// - the document, its variables and operation name (as sent: equal texts select
//   the same fields with the same arguments);
// - the viewer's kind and admin flag (what `@Access` rules read);
// - the viewer's access, only where the selection read it. The execution runs on
//   a context that notes any read of the viewer beyond its kind and admin flag,
//   and of the principal (`principalOf`, through which every policy reads
//   access). A result computed without such a read can only be the same for any
//   viewer and is shared; one computed with it is shared only by subscribers of
//   the same person with the same access (`principalFingerprint`: one person's
//   tabs), and the others execute their own.
//
// The result is serialized once; each subscription writes the same payload
// bytes in graphql-ws's `next` message (`{"id":…,"type":"next","payload":…}`,
// what graphql-ws itself would send) straight to its socket.

/** What one subscription needs to write its own messages. */
export interface LiveOperation {
  socket: WebSocket;
  id: string;
  /** The query text. */
  query: string;
  /** The query text, variables and operation name. */
  documentKey: string;
}

export interface LiveOptions {
  /** A result's JSON as clients get it, errors masked (live-documents.ts: webhooks' bodies are made by the same function). */
  resultJson: (result: ExecutionResult) => string;
  /** A socket with more than this many bytes not yet sent is too slow: it is closed with `slowCloseCode`. */
  maxBufferedBytes: number;
}

/** A slow consumer's close code: graphql-ws clients reconnect on 4499 ("terminated"), and resume with `after:`. */
export const CLOSE_TOO_SLOW = 4499;

interface Outcome {
  json: string;
  /** Whether the execution read the viewer's identity or access. */
  readViewer: boolean;
}

interface Shared {
  first: Promise<Outcome>;
  /** The first execution's outcome once settled: later subscribers take it without a promise. */
  settled?: { outcome: Outcome } | { error: unknown };
  /** Subscribers waiting for the first execution, called in order once it settles (one promise for all). */
  waiters: (() => void)[];
  /** Results of executions that read the viewer, by person and access. */
  byPerson: Map<string, Promise<string>>;
}

/** Executions of live selections in this process, in all and by query text (tests and benchmarks read them). */
export const liveStats = { executions: 0, byQuery: new Map<string, number>() };

/** Shared executions by payload object, then by document and viewer kind. Dropped with the payload. */
const executions = new WeakMap<object, Map<string, Shared>>();

/** The principal's memo key: reading it is reading the viewer's access. */
class NotingMemo extends Map<unknown, unknown> {
  constructor(private readonly noted: () => void) {
    super();
  }
  override get(key: unknown): unknown {
    if (key === principalOf) this.noted();
    return super.get(key);
  }
  override has(key: unknown): boolean {
    if (key === principalOf) this.noted();
    return super.has(key);
  }
}

/** The viewer as a resolver sees it: `kind` and `agent.isAdmin` are in the execution's key; anything else is noted. */
function notingViewer(viewer: Viewer, noted: () => void): Viewer {
  const agent =
    viewer.kind === 'agent'
      ? new Proxy(viewer.agent, {
          get(target, prop, receiver) {
            if (prop !== 'isAdmin') noted();
            return Reflect.get(target, prop, receiver) as unknown;
          },
        })
      : null;
  return new Proxy(viewer, {
    get(target, prop, receiver) {
      if (prop === 'kind') return target.kind;
      if (prop === 'agent' && agent) return agent;
      noted();
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

const accessClass = (v: Viewer | null) => (v === null ? 'anonymous' : v.kind === 'agent' ? `agent:${v.agent.isAdmin ? 'admin' : ''}` : 'endUser');

const personOf = (v: Viewer | null, p: Principal) => `${v?.kind === 'agent' ? v.via : ''}:${principalFingerprint(p)}`;

/**
 * graphql-ws's `subscribe` for one subscription: creates its source stream
 * (the subscription's resolver, with its access rule), then for each payload
 * writes the shared result to the socket itself. The returned iterator yields
 * nothing and ends with the stream, so graphql-ws sends `complete` after the
 * last `next`, and `return()` (the client's `complete`, a closed socket)
 * ends the stream.
 */
export async function subscribeLive(args: ExecutionArgs, op: LiveOperation, options: LiveOptions): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const ctx = args.contextValue as Context;
  const stream = source[Symbol.asyncIterator]();
  const principal = principalOf(ctx);
  const person = personOf(ctx.viewer, await principal);
  const key = `${accessClass(ctx.viewer)}\n${op.documentKey}`;
  const prefix = `{"id":${JSON.stringify(op.id)},"type":"next","payload":`;

  const run = async (payload: unknown, noted: () => void): Promise<string> => {
    const em = (payload as Partial<LivePayload>).em ?? ctx.em;
    const memo = new NotingMemo(noted);
    memo.set(principalOf, principal);
    const contextValue: Context = { ...ctx, em, memo, viewer: ctx.viewer && notingViewer(ctx.viewer, noted) };
    liveStats.executions++;
    liveStats.byQuery.set(op.query, (liveStats.byQuery.get(op.query) ?? 0) + 1);
    const result = await execute({ ...args, rootValue: payload, contextValue });
    return options.resultJson(result);
  };

  const sharedOf = (payload: object): Shared => {
    let byKey = executions.get(payload);
    if (!byKey) executions.set(payload, (byKey = new Map<string, Shared>()));
    let shared = byKey.get(key);
    if (!shared) {
      let readViewer = false;
      const first = run(payload, () => (readViewer = true)).then((json) => ({ json, readViewer }));
      const firstJson = first.then((o) => o.json);
      firstJson.catch(() => undefined); // awaited through `first` by whoever needs it
      const s: Shared = { first, waiters: [], byPerson: new Map([[person, firstJson]]) };
      const settle = (settled: NonNullable<Shared['settled']>) => {
        s.settled = settled;
        for (const w of s.waiters.splice(0)) w();
      };
      first.then((outcome) => settle({ outcome }), (error: unknown) => settle({ error }));
      byKey.set(key, (shared = s));
    }
    return shared;
  };

  const send = (json: string) => {
    const socket = op.socket;
    if (stopped || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > options.maxBufferedBytes) {
      socket.close(CLOSE_TOO_SLOW, 'Too slow: reconnect and resume');
      return;
    }
    socket.send(prefix + json + '}');
  };

  // Payloads arrive in the producer's call (AsyncQueue.listen). One whose result
  // is already known is written at once; otherwise the subscription waits for it
  // and holds the payloads after it, so messages keep their order.
  const done = (): IteratorReturnResult<undefined> => ({ done: true, value: undefined });
  let stopped = false;
  let ended = false;
  let busy = false;
  const backlog: object[] = [];
  let finish!: { resolve: (r: IteratorReturnResult<undefined>) => void; reject: (e: unknown) => void };
  const finished = new Promise<IteratorReturnResult<undefined>>((resolve, reject) => (finish = { resolve, reject }));
  finished.catch(() => undefined); // graphql-ws awaits it through next()
  const fail = (error: unknown) => {
    stopped = true;
    backlog.length = 0;
    finish.reject(error);
    void queue.return();
  };
  const drain = () => {
    while (!busy && backlog.length) deliver(backlog.shift()!);
    if (!busy && ended) finish.resolve(done());
  };
  const written = (p: object, shared: Shared) => {
    if (stopped) return;
    const settled = shared.settled!;
    if ('error' in settled) return fail(settled.error);
    if (!settled.outcome.readViewer) return send(settled.outcome.json);
    // A result that read the viewer: shared by this person's subscriptions only.
    let mine = shared.byPerson.get(person);
    if (!mine) shared.byPerson.set(person, (mine = run(p, () => undefined)));
    busy = true;
    mine.then((json) => {
      busy = false;
      send(json);
      drain();
    }, fail);
  };
  const deliver = (p: object) => {
    if (stopped) return;
    if (busy) {
      backlog.push(p);
      return;
    }
    try {
      const shared = sharedOf(p);
      if (shared.settled) return written(p, shared);
      busy = true;
      shared.waiters.push(() => {
        busy = false;
        try {
          written(p, shared);
        } catch (error) {
          fail(error);
        }
        drain();
      });
    } catch (error) {
      fail(error);
    }
  };

  const queue = stream instanceof AsyncQueue ? (stream as AsyncQueue<object>) : pumped(stream, fail);
  queue.listen(deliver);
  queue.whenClosed(() => {
    ended = true;
    drain();
  });

  const iterator: AsyncGenerator<ExecutionResult> = {
    next: () => finished,
    async return() {
      stopped = true;
      backlog.length = 0;
      await queue.return();
      finish.resolve(done());
      return done();
    },
    async throw(error: unknown) {
      stopped = true;
      await queue.return();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

/** A source stream that is not an AsyncQueue, read into one (its `return()` ends the source too). */
function pumped(source: AsyncIterator<unknown>, fail: (error: unknown) => void): AsyncQueue<object> {
  const queue = new AsyncQueue<object>();
  queue.whenClosed(() => void source.return?.());
  void (async () => {
    for (;;) {
      const r = await source.next();
      if (r.done) break;
      queue.push(r.value as object);
    }
    queue.end();
  })().catch(fail);
  return queue;
}
