import { Client } from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../common/logger';
import { REFERENCE_NOTIFY_PREFIX, referenceCache } from '../../common/reference-cache';
import type { TicketSnapshot } from '../tickets/ticket-predicate';
import { fromJson, type SnapshotJson } from './snapshot-json';
import { NOTIFY_CHANNEL } from './outbox';
import type { TicketEventKind } from './ticket-event.entity';

/** A committed event as live subscribers see it: loaded once, shared by all of them. */
export interface StreamEvent {
  id: string;
  seq: number;
  ticketId: number;
  kind: TicketEventKind;
  before: TicketSnapshot | null;
  after: TicketSnapshot;
  /** When time-based predicates are evaluated: "before" just before it, "after" at it. */
  at: Date;
  /** Time-based events (OVERDUE) change membership through time, not data. */
  timeBased: boolean;
  /** The facts did not change (a later event of the same command): queues hear nothing new. */
  unchanged: boolean;
}

interface EventRow {
  id: string;
  seq: string;
  ticket_id: number;
  kind: TicketEventKind;
  before: SnapshotJson | null;
  after: SnapshotJson;
  effective_at: Date | null;
  created_at: Date;
}

const BATCH = 500;

/**
 * Publishes committed events in commit order (`seq`). It wakes when this
 * process commits, on PostgreSQL NOTIFY from other processes sharing the
 * database, and on a slow poll as a backstop; each wake reads the event table
 * from the last published seq. A rolled-back transaction never reaches the
 * table, so it is never published.
 */
export class EventDispatcher {
  private lastSeq = 0;
  private readonly listeners = new Set<(batch: StreamEvent[]) => void>();
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private listener: Client | null = null;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly log: Logger,
    private readonly options: { databaseUrl?: string | undefined; pollMs?: number },
  ) {}

  get position(): number {
    return this.lastSeq;
  }

  async start(): Promise<void> {
    this.lastSeq = await this.maxSeq();
    if (this.options.databaseUrl) {
      const client = new Client({ connectionString: this.options.databaseUrl });
      client.on('notification', (message) => {
        // A reference data change in another process (src/common/reference-cache.ts), or events to publish.
        if (message.payload?.startsWith(REFERENCE_NOTIFY_PREFIX)) referenceCache(this.orm.em).invalidate(message.payload.slice(REFERENCE_NOTIFY_PREFIX.length).split(','));
        else this.wake();
      });
      client.on('error', (err) => this.log.warn({ err }, 'event LISTEN connection failed; polling continues'));
      await client.connect();
      await client.query(`listen ${NOTIFY_CHANNEL}`);
      this.listener = client;
    }
    this.timer = setInterval(() => this.wake(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  async maxSeq(): Promise<number> {
    const rows = await this.orm.em.fork().execute<{ max: string | null }[]>('select max(seq) as max from ticket_event');
    return Number(rows[0]?.max ?? 0);
  }

  /** A local commit wrote events: publish now (the transaction's NOTIFY, see sealEvents, wakes the other processes). */
  committed(): void {
    this.wake();
  }

  subscribe(listener: (batch: StreamEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const batch = await this.fetchAfter(this.lastSeq, BATCH);
        if (batch.length === 0) return;
        this.lastSeq = batch.at(-1)!.seq;
        for (const listener of this.listeners) {
          try {
            listener(batch);
          } catch (err) {
            this.log.error({ err }, 'event listener failed');
          }
        }
        if (batch.length < BATCH) return;
      }
    } catch (err) {
      if (!this.stopped) this.log.error({ err }, 'reading events failed; will retry');
    }
  }

  /** Committed events after a seq, in order (also the replay of `ticketEvents(after:)`). */
  async fetchAfter(seq: number, limit: number, upTo?: number): Promise<StreamEvent[]> {
    const rows = await this.orm.em.fork().execute<EventRow[]>(
      `select id, seq, ticket_id, kind, before, after, effective_at, created_at from ticket_event
       where seq > ? ${upTo !== undefined ? 'and seq <= ?' : ''} order by seq limit ?`,
      upTo !== undefined ? [seq, upTo, limit] : [seq, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      seq: Number(r.seq),
      ticketId: r.ticket_id,
      kind: r.kind,
      before: r.before ? fromJson(r.before) : null,
      after: fromJson(r.after),
      at: new Date(r.effective_at ?? r.created_at),
      timeBased: r.effective_at !== null,
      unchanged: r.effective_at === null && r.before !== null && JSON.stringify(r.before) === JSON.stringify(r.after),
    }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.listeners.clear();
    if (this.listener) await this.listener.end().catch(() => undefined);
  }
}
