import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * One failed (or not yet finished) login attempt for one key: `email:<address>`
 * or `ip:<client address>`. In the database, so every server process sharing
 * it counts the same failures, and a restart forgets none.
 */
@Entity({ tableName: 'login_failure' })
@Index({ properties: ['key', 'at'] })
export class LoginFailure {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 400 })
  key!: string;

  @Property({ type: 'datetime', index: true })
  at!: Date;
}

export interface KeyRule {
  /** Failures within the window after which attempts are refused. */
  maxFailures: number;
  /** Failures allowed before each further attempt is slowed. */
  freeFailures: number;
}

export interface LimiterOptions {
  windowMs: number;
  email: KeyRule;
  /** One address may carry many people (an office behind NAT): give it a higher ceiling. */
  address: KeyRule;
  /** Extra delay per failure beyond the free ones, capped at 2 s. */
  delayStepMs?: number;
}

export interface LoginAttempt {
  /** This attempt's rows: it counts as a failure until it succeeds. */
  ids: number[];
  emailKey: string;
  refused: boolean;
  delayMs: number;
}

/**
 * Slows, then refuses, repeated failed logins for one email or one client
 * address (osTicket's brute-force weakness); failures age out after the
 * window. An attempt is written as a failure before the password is checked,
 * so concurrent guesses see each other, and is wiped when it succeeds (with
 * every earlier failure for that email).
 */
export class LoginLimiter {
  private readonly delayStepMs: number;

  constructor(private readonly options: LimiterOptions) {
    this.delayStepMs = options.delayStepMs ?? 250;
  }

  async begin(em: EntityManager, email: string, address: string): Promise<LoginAttempt> {
    const keys = { email: `email:${email}`.slice(0, 400), address: `ip:${address}`.slice(0, 400) };
    // On the database's clock, which every process shares (their own may disagree).
    const windowS = this.options.windowMs / 1000;
    const conn = em.getConnection();
    await conn.execute('delete from "login_failure" where "at" <= now() - make_interval(secs => ?)', [windowS], 'run');
    const inserted = await conn.execute<{ id: number }[]>('insert into "login_failure" ("key", "at") values (?, now()), (?, now()) returning "id"', [keys.email, keys.address]);
    const rows = await conn.execute<{ key: string; n: number }[]>(
      'select "key", count(*)::int as n from "login_failure" where "key" in (?, ?) and "at" > now() - make_interval(secs => ?) group by "key"',
      [keys.email, keys.address, windowS],
    );
    // The failures before this attempt (its own rows are counted too).
    const before = (key: string) => Math.max(0, Number(rows.find((r) => r.key === key)?.n ?? 1) - 1);
    const counts = { email: before(keys.email), address: before(keys.address) };
    const refused = counts.email >= this.options.email.maxFailures || counts.address >= this.options.address.maxFailures;
    const over = Math.max(counts.email - this.options.email.freeFailures, counts.address - this.options.address.freeFailures, 0);
    return { ids: inserted.map((r) => r.id), emailKey: keys.email, refused, delayMs: Math.min(2000, over * this.delayStepMs) };
  }

  /** A refused attempt does not count: the block ends a window after the last real failure. */
  async forget(em: EntityManager, attempt: LoginAttempt): Promise<void> {
    await em.getConnection().execute(`delete from "login_failure" where "id" in (${attempt.ids.map(() => '?').join(',')})`, attempt.ids, 'run');
  }

  /** The right password: this attempt and the email's earlier failures are wiped (the address keeps its others). */
  async succeeded(em: EntityManager, attempt: LoginAttempt): Promise<void> {
    await em
      .getConnection()
      .execute(`delete from "login_failure" where "key" = ? or "id" in (${attempt.ids.map(() => '?').join(',')})`, [attempt.emailKey, ...attempt.ids], 'run');
  }
}

declare module '../../common/context' {
  interface Services {
    /** Counts failed logins per email and per address (src/server/app.ts builds it). */
    loginLimits: LoginLimiter;
  }
}
