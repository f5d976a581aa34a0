/**
 * Slows, then refuses, repeated failed logins for one email or one client
 * address (osTicket's brute-force weakness). Failures age out after the
 * window. Kept in process memory: each server process counts its own.
 */
export interface LimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Failures allowed before each further attempt is slowed. */
  freeFailures?: number;
  /** Extra delay per failure beyond the free ones, capped at 2 s. */
  delayStepMs?: number;
  now?: () => number;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly freeFailures: number;
  private readonly delayStepMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LimiterOptions) {
    this.freeFailures = options.freeFailures ?? 3;
    this.delayStepMs = options.delayStepMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  private recent(key: string): number[] {
    const since = this.now() - this.options.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Whether an attempt for these keys is refused outright. */
  isBlocked(keys: string[]): boolean {
    return keys.some((k) => this.recent(k).length >= this.options.maxFailures);
  }

  /** How long to hold an attempt for these keys before answering. */
  delayMs(keys: string[]): number {
    const worst = Math.max(0, ...keys.map((k) => this.recent(k).length));
    return Math.min(2000, Math.max(0, worst - this.freeFailures) * this.delayStepMs);
  }

  recordFailure(keys: string[]): void {
    const t = this.now();
    for (const k of keys) this.failures.set(k, [...this.recent(k), t]);
    if (this.failures.size > 100_000) this.prune();
  }

  recordSuccess(keys: string[]): void {
    for (const k of keys) this.failures.delete(k);
  }

  private prune(): void {
    for (const k of [...this.failures.keys()]) this.recent(k);
  }
}
