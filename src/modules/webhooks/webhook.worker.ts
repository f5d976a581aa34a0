import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../../config';
import type { Context, Services } from '../../common/context';
import type { Logger } from '../../common/logger';
import { globalIdOf } from '../../common/node';
import { Agent } from '../directory/agent.entity';
import type { EventDispatcher, StreamEvent } from '../events/dispatcher';
import { baseline, queueChanges, subscribedQueues, type QueueUpdatePayload, type SubscribedQueues } from '../events/queue-updates';
import { encodeStreamCursor } from '../events/stream-cursor';
import { eventVisible, type EventEdgePayload } from '../events/ticket-events';
import { TicketEvent } from '../events/ticket-event.entity';
import { CredentialBox } from '../email/credentials';
import { Ticket } from '../tickets/ticket.entity';
import { principalOf, visibility } from '../tickets/ticket.policy';
import { checkTarget, type Resolve } from './webhook.address';
import type { SubscriptionRunner } from './webhook.document';
import { WebhookDelivery, WebhookStream } from './webhook.entity';
import { postDelivery, signatureOf } from './webhook.sender';

// Webhooks' delivery, in two steps per webhook, both under the webhook's lease
// (one process at a time works on a webhook, so its messages are made once and
// sent in order):
//
// 1. Materialize: the committed events after the webhook's `position` are read
//    from the event table (the outbox), the document is executed over each as
//    the acting agent's live subscription would execute it, and each message
//    becomes a delivery row with its fixed body — in one transaction with the
//    new position, so an event becomes its deliveries exactly once.
// 2. Deliver: the oldest undelivered delivery goes out; a later one waits for it
//    (stream order). A failure schedules a retry with exponential backoff and
//    jitter; the webhook is turned off after too many failures over a long
//    enough time, or at once on 410 Gone.
//
// Hold-back is bounded: at most `webhookMaxPending` deliveries per webhook are
// made ahead of the one failing; later events wait in the event table, where
// they are kept anyway. A process that dies mid-delivery leaves the delivery
// PENDING; its lease runs out and whoever takes the webhook over sends it again
// (at least once: receivers deduplicate on `webhook-id`).

export const WEBHOOK_SECRET_BOX = 'webhook-secrets';

/** Events read per materialization step. */
const EVENT_BATCH = 200;
/** Deliveries sent per step before the webhook's state is read again. */
const SEND_BATCH = 50;
/** Webhooks one process leases at most (the rest wait for another process or a later poll). */
const MAX_LEASED = 200;

/** The context a webhook's document runs in: the acting agent, as if signed in with an API key. */
export function actingContext(em: EntityManager, config: Config, log: Logger, services: Services, agent: Agent): Context {
  return { em, viewer: { kind: 'agent', agent, tokenId: 0, via: 'apiKey' }, config, log, ip: 'webhook', memo: new Map(), services };
}

/** The key of a `queueUpdates` webhook's counts: what they were counted for. */
export const countsKey = (s: SubscribedQueues) => createHash('sha256').update(JSON.stringify([s.queues.map((q) => q.pred), s.vis])).digest('base64url');

/** The delivery's `webhook-id`: its global id, the same on every attempt. */
export const deliveryMessageId = (id: string) => globalIdOf(Object.assign(new WebhookDelivery(), { id }));

/** The wait before retry `n` (1-based): base·2^(n−1), at most `max`, times a jitter of 0.8–1.2. */
export function retryDelay(n: number, baseMs: number, maxMs: number, random = Math.random): number {
  return Math.round(Math.min(maxMs, baseMs * 2 ** Math.min(n - 1, 40)) * (0.8 + 0.4 * random()));
}

interface WebhookRow {
  id: number;
  url: string;
  document: string;
  variables: Record<string, unknown> | null;
  stream: WebhookStream;
  act_as_agent_id: number;
  is_active: boolean;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  position: string;
  counts: { key: string; values: number[] } | string | null;
  consecutive_failures: number;
  failing_since: Date | null;
  /** Its deliveries not yet delivered. */
  pending: number;
}

interface DeliveryRow {
  id: string;
  seq: string;
  body: string;
  attempts: number;
  next_attempt_at: Date;
}

type State = { running: boolean; again: boolean; timer: NodeJS.Timeout | null };

export interface WebhookWorkerDeps {
  orm: MikroORM;
  config: Config;
  log: Logger;
  services: Services;
  dispatcher: EventDispatcher;
  runner: SubscriptionRunner;
  resolve: Resolve;
}

declare module '../../common/context' {
  interface Services {
    /** Webhooks' delivery (absent in scripts): told when a command changed a webhook; its resolver checks targets. */
    webhooks?: Pick<WebhookWorker, 'changed' | 'resolve'>;
  }
}

/** Leases webhooks and works on each: materializes its deliveries and sends them. One per process. */
export class WebhookWorker {
  readonly owner = `${hostname().slice(0, 40)}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly states = new Map<number, State>();
  private box: CredentialBox | null = null;
  private poller: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private claiming: Promise<void> | null = null;
  private claimAgain = false;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: WebhookWorkerDeps) {}

  /** How this process resolves webhook hosts (the address check at save uses the same). */
  get resolve(): Resolve {
    return this.deps.resolve;
  }

  async start(): Promise<void> {
    this.box = await CredentialBox.load(this.deps.orm.em.fork(), WEBHOOK_SECRET_BOX);
    this.unsubscribe = this.deps.dispatcher.subscribe(() => {
      for (const id of this.states.keys()) this.kick(id);
    });
    this.poller = setInterval(() => this.changed(), this.deps.config.webhookPollMs);
    this.poller.unref();
    this.changed();
  }

  /** Webhooks changed (made, turned on, rewound) or time passed: claim leases and look at each. */
  changed(): void {
    if (this.stopped) return;
    if (this.claiming) {
      // A claim under way may have read the webhooks before this change: one more after it.
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claim()
      .catch((err: unknown) => {
        if (!this.stopped) this.deps.log.error({ err }, 'claiming webhooks failed; will retry');
      })
      .finally(() => {
        this.claiming = null;
        if (this.claimAgain) {
          this.claimAgain = false;
          this.changed();
        }
      });
  }

  /** Renews this process's leases and takes free or expired ones; drops those another process took. */
  private async claim(): Promise<void> {
    const em = this.deps.orm.em.fork();
    await em.execute(
      `update webhook set lease_owner = ?, lease_until = now() + ? * interval '1 millisecond'
       where id in (select id from webhook where is_active and (lease_owner = ? or lease_until is null or lease_until < now())
                    order by id limit ? for update skip locked)`,
      [this.owner, this.deps.config.webhookLeaseMs, this.owner, MAX_LEASED],
      'run',
    );
    // What this process holds, read apart from the claim: a row of ours skipped because it was locked
    // at that moment (our own materialization writing its position) is still ours.
    const rows = await em.execute<{ id: number }[]>('select id from webhook where lease_owner = ? and is_active', [this.owner]);
    if (this.stopped) return;
    const held = new Set(rows.map((r) => r.id));
    for (const [id, state] of this.states) {
      if (held.has(id)) continue;
      if (state.timer) clearTimeout(state.timer);
      this.states.delete(id);
    }
    for (const id of held) {
      if (!this.states.has(id)) this.states.set(id, { running: false, again: false, timer: null });
      this.kick(id);
    }
  }

  /** Works on one webhook until it has nothing to do now; one run at a time per webhook. */
  private kick(id: number): void {
    const state = this.states.get(id);
    if (!state || this.stopped) return;
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = null;
    }
    const run = this.work(id, state)
      .catch((err: unknown) => {
        if (!this.stopped) this.deps.log.error({ err, webhookId: id }, 'webhook work failed; will retry');
      })
      .finally(() => {
        this.inFlight.delete(run);
        state.running = false;
        if (state.again) {
          state.again = false;
          this.kick(id);
        }
      });
    this.inFlight.add(run);
  }

  private async work(id: number, state: State): Promise<void> {
    for (;;) {
      if (this.stopped || this.states.get(id) !== state) return;
      const hook = await this.load(id);
      if (!hook) {
        this.states.delete(id);
        return;
      }
      const made = await this.materialize(hook);
      // With nothing made and nothing pending, there is nothing to send (and no need to ask).
      const sent = made || hook.pending > 0 ? await this.send(hook, state) : false;
      if (!made && !sent) return;
    }
  }

  /** The webhook's row while this process holds its lease and it is on; null otherwise. */
  private async load(id: number): Promise<WebhookRow | null> {
    const rows = await this.deps.orm.em.fork().execute<WebhookRow[]>(
      `select id, url, document, variables, stream, act_as_agent_id, is_active, secret_sealed, previous_secret_sealed, previous_secret_expires_at,
              position, counts, consecutive_failures, failing_since,
              (select count(*)::int from webhook_delivery d where d.webhook_id = webhook.id and d.status <> 'DELIVERED') as pending
       from webhook where id = ? and lease_owner = ? and is_active`,
      [id, this.owner],
    );
    return rows[0] ?? null;
  }

  /** Turns the events after the webhook's position into deliveries; true when it made progress. */
  private async materialize(hook: WebhookRow): Promise<boolean> {
    const { orm, config, log, services, runner, dispatcher } = this.deps;
    const room = config.webhookMaxPending - hook.pending;
    if (room <= 0) return false;
    const position = Number(hook.position);
    // Nothing committed after it has been published in this process yet (the dispatcher reads every
    // process's commits): the publication wakes this webhook, no need to read the table.
    if (position >= dispatcher.position) return false;
    const em = orm.em.fork();
    const events = await dispatcher.fetchAfter(position, Math.min(EVENT_BATCH, room));
    if (events.length === 0) return false;
    const last = events.at(-1)!.seq;

    const bodies: { seq: number; body: string }[] = [];
    type Counts = { key: string; values: number[] } | null;
    let counts: Counts = typeof hook.counts === 'string' ? (JSON.parse(hook.counts) as Counts) : hook.counts;
    const agent = await em.findOne(Agent, hook.act_as_agent_id);
    const prepared = runner.prepare(hook.document, hook.variables);
    if (!agent || !agent.isActive) {
      // A deactivated agent sees nothing: nor does their webhook. The position moves on.
      counts = null;
    } else if ('errors' in prepared) {
      // A schema change made the saved document invalid: nothing can be made from it.
      log.warn({ webhookId: hook.id, errors: prepared.errors.map((e) => e.message) }, 'webhook document no longer validates; events skipped');
      counts = null;
    } else {
      const ctx = actingContext(orm.em.fork(), config, log, services, agent);
      const principal = principalOf(ctx);
      await principal;
      // The batch's tickets and events in the identity map, as the live hub loads them for its subscribers.
      await ctx.em.find(Ticket, { id: { $in: [...new Set(events.map((e) => e.ticketId))] } });
      await ctx.em.find(TicketEvent, { id: { $in: events.map((e) => e.id) } });
      const run = (payload: object) => runner.run(prepared, payload, { ...ctx, memo: new Map<unknown, unknown>([[principalOf, principal]]) });
      if (hook.stream === WebhookStream.TICKET_EVENTS) {
        const vis = visibility(await principal);
        for (const ev of events) {
          if (!eventVisible(vis, ev)) continue;
          const payload: EventEdgePayload = { eventId: ev.id, cursor: encodeStreamCursor(ev.seq), em: ctx.em };
          bodies.push({ seq: ev.seq, body: await run(payload) });
        }
      } else {
        let queues: SubscribedQueues | null = null;
        try {
          queues = await subscribedQueues(ctx, (prepared.args['queueIds'] as string[] | null | undefined) ?? null);
        } catch (err) {
          // The agent can no longer see a queue the webhook names: they would get nothing, nor does the webhook.
          log.warn({ webhookId: hook.id, err }, 'webhook queues are no longer visible to its agent; events skipped');
        }
        if (queues) {
          const key = countsKey(queues);
          const values = counts && counts.key === key ? [...counts.values] : await countsAt(em, dispatcher, queues, position);
          for (const ev of events) {
            for (const c of queueChanges(queues.queues, queues.vis, values, ev)) {
              const payload: QueueUpdatePayload = { view: queues.queues[c.index]!.view, change: c.change, ticketId: c.ticketId, count: c.count, cursor: encodeStreamCursor(ev.seq), seq: ev.seq, em: ctx.em };
              bodies.push({ seq: ev.seq, body: await run(payload) });
            }
          }
          counts = { key, values };
        } else counts = null;
      }
    }

    // The deliveries and the new position together, only if the position is still the one read: a
    // replay or another process that moved it meanwhile wins, and this batch is dropped.
    const move = [last, counts === null ? null : JSON.stringify(counts), hook.id, hook.position, this.owner];
    const moveSql = 'update webhook set position = ?, counts = ? where id = ? and position = ? and lease_owner = ? returning id';
    if (bodies.length === 0) return (await em.execute<{ id: number }[]>(moveSql, move)).length > 0;
    if (bodies.length <= 500) {
      // One statement: the move, then the rows in order (ids follow the ordinal), none if it did not move.
      const inserted = await em.execute<{ id: string }[]>(
        `with moved as (${moveSql})
         insert into webhook_delivery (webhook_id, seq, body, status, attempts, next_attempt_at, created_at)
         select moved.id, v.seq, v.body, 'PENDING', 0, now(), now()
         from moved cross join (values ${bodies.map(() => '(?::int, ?::bigint, ?::text)').join(', ')}) as v(ord, seq, body)
         order by v.ord
         returning id`,
        [...move, ...bodies.flatMap((b, i) => [i, b.seq, b.body])],
      );
      return inserted.length > 0;
    }
    return em.transactional(async (tx) => {
      if ((await tx.execute<{ id: number }[]>(moveSql, move)).length === 0) return false;
      for (let i = 0; i < bodies.length; i += 500) {
        const chunk = bodies.slice(i, i + 500);
        await tx.execute(
          `insert into webhook_delivery (webhook_id, seq, body, status, attempts, next_attempt_at, created_at)
           values ${chunk.map(() => "(?, ?, ?, 'PENDING', 0, now(), now())").join(', ')}`,
          chunk.flatMap((b) => [hook.id, b.seq, b.body]),
          'run',
        );
      }
      return true;
    });
  }

  /** Sends the webhook's due deliveries in order; true when it sent one and may have more. */
  private async send(hook: WebhookRow, state: State): Promise<boolean> {
    const em = this.deps.orm.em.fork();
    const due = await em.execute<DeliveryRow[]>(
      `select id, seq, body, attempts, next_attempt_at from webhook_delivery where webhook_id = ? and status = 'PENDING' order by id limit ?`,
      [hook.id, SEND_BATCH],
    );
    if (due.length === 0) return false;
    // Successes are recorded a few at a time while the next deliveries go out: a crash before the record
    // only sends them again (at least once), and a sequence of sends does not wait on a write each.
    const delivered: { id: string; status: number }[] = [];
    let recording: Promise<unknown> = Promise.resolve();
    const record = () => {
      const batch = delivered.splice(0);
      if (batch.length === 0) return recording;
      recording = recording.then(() =>
        em.execute(
          `with v(id, st) as (values ${batch.map(() => '(?::bigint, ?::int)').join(', ')}),
           d as (update webhook_delivery w set status = 'DELIVERED', attempts = w.attempts + 1, response_status = v.st, last_error = null, delivered_at = now()
                 from v where w.id = v.id and w.status = 'PENDING' returning w.webhook_id)
           update webhook set consecutive_failures = 0, failing_since = null where id in (select webhook_id from d) and consecutive_failures <> 0`,
          batch.flatMap((b) => [b.id, b.status]),
          'run',
        ),
      );
      return recording;
    };
    try {
      return await this.sendDue(hook, state, em, due, (id, status) => {
        delivered.push({ id, status });
        if (delivered.length >= 25) void record().catch(() => undefined);
      }, record);
    } finally {
      await record();
    }
  }

  private async sendDue(
    hook: WebhookRow,
    state: State,
    em: EntityManager,
    due: DeliveryRow[],
    succeeded: (id: string, status: number) => void,
    record: () => Promise<unknown>,
  ): Promise<boolean> {
    const { config } = this.deps;
    const secrets = [this.box!.open(hook.secret_sealed)];
    if (hook.previous_secret_sealed && hook.previous_secret_expires_at && new Date(hook.previous_secret_expires_at) > new Date()) secrets.push(this.box!.open(hook.previous_secret_sealed));
    let failures = hook.consecutive_failures;
    let failingSince = hook.failing_since ? new Date(hook.failing_since) : null;
    for (const d of due) {
      if (this.stopped) return false;
      const wait = new Date(d.next_attempt_at).getTime() - Date.now();
      if (wait > 0) {
        state.timer = setTimeout(() => this.kick(hook.id), Math.min(wait, 2 ** 31 - 1));
        state.timer.unref();
        return false;
      }
      // Checked before every attempt (DNS can change); the request connects to the address checked.
      const checked = await checkTarget(hook.url, config.webhookAllowPrivate, this.deps.resolve);
      const id = String(d.id);
      const at = new Date();
      const attempt = checked.ok
        ? await postDelivery(
            checked.target,
            { 'webhook-id': deliveryMessageId(id), 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signatureOf(secrets, deliveryMessageId(id), at, d.body) },
            d.body,
            config.webhookTimeoutMs,
          )
        : { status: null, error: `not sent: ${checked.reason}` };
      if (attempt.error === null) {
        succeeded(id, attempt.status!);
        failures = 0;
        failingSince = null;
        continue;
      }
      failures += 1;
      failingSince ??= at;
      const gone = attempt.status === 410;
      const exhausted = failures >= config.webhookMaxFailures && at.getTime() - failingSince.getTime() >= config.webhookFailureWindowMs;
      const reason = gone
        ? `The receiver answered 410 Gone (${at.toISOString()}): turned off`
        : exhausted
          ? `Turned off after ${failures} failed attempts in a row since ${failingSince.toISOString()}; the last: ${attempt.error}`
          : null;
      const error = attempt.error;
      const next = new Date(at.getTime() + retryDelay(d.attempts + 1, config.webhookRetryMs, config.webhookRetryMaxMs));
      await record();
      await em.transactional(async (tx) => {
        await tx.execute(
          'update webhook_delivery set status = ?, attempts = attempts + 1, response_status = ?, last_error = ?, next_attempt_at = ? where id = ?',
          [reason ? 'FAILED' : 'PENDING', attempt.status, error.slice(0, 1000), next, id],
          'run',
        );
        await tx.execute(
          'update webhook set consecutive_failures = ?, failing_since = ?, is_active = ?, disabled_reason = coalesce(?, disabled_reason) where id = ?',
          [failures, failingSince, !reason, reason, hook.id],
          'run',
        );
      });
      if (reason) {
        this.deps.log.warn({ webhookId: hook.id, reason }, 'webhook turned off');
        this.states.delete(hook.id);
        return false;
      }
      state.timer = setTimeout(() => this.kick(hook.id), next.getTime() - Date.now());
      state.timer.unref();
      return false;
    }
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    this.unsubscribe?.();
    for (const s of this.states.values()) if (s.timer) clearTimeout(s.timer);
    await this.claiming;
    // Sends under way finish (each is bounded by the timeout) so their outcome is recorded.
    await Promise.allSettled([...this.inFlight]);
    this.states.clear();
    await this.deps.orm.em
      .fork()
      .execute('update webhook set lease_owner = null, lease_until = null where lease_owner = ?', [this.owner], 'run')
      .catch(() => undefined);
  }
}

/**
 * The exact counts of a webhook's queues as of `position`: today's counts
 * (read with the seq they include, as a live subscription's baseline) minus
 * what every event after `position` changed.
 */
async function countsAt(em: EntityManager, dispatcher: EventDispatcher, queues: SubscribedQueues, position: number): Promise<number[]> {
  const base = await baseline(em, queues.queues.map((q) => q.pred));
  const delta = queues.queues.map(() => 0);
  for (let from = position; from < base.seq; ) {
    const page: StreamEvent[] = await dispatcher.fetchAfter(from, 500, base.seq);
    if (page.length === 0) break;
    for (const ev of page) queueChanges(queues.queues, queues.vis, delta, ev);
    from = page.at(-1)!.seq;
  }
  return base.counts.map((c, i) => c - delta[i]!);
}
