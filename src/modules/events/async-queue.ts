/**
 * A push/pull queue: the producer pushes, GraphQL pulls; `return()` unsubscribes.
 * A consumer that `listen`s instead gets each item in the producer's call, with no promise.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((r: IteratorResult<T>) => void)[] = [];
  private done = false;
  private readonly onClose: (() => void)[] = [];
  private sink: ((item: T) => void) | undefined;

  push(item: T): void {
    if (this.done) return;
    if (this.sink) return this.sink(item);
    const w = this.waiting.shift();
    if (w) w({ value: item, done: false });
    else this.items.push(item);
  }

  /** Hands every item to `fn` as it is pushed (those already queued first, in order), instead of to `next()`. */
  listen(fn: (item: T) => void): void {
    this.sink = fn;
    for (const item of this.items.splice(0)) fn(item);
  }

  /** Calls `fn` when the queue ends (at once if it has). */
  whenClosed(fn: () => void): void {
    if (this.done) fn();
    else this.onClose.push(fn);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    for (const fn of this.onClose) fn();
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
