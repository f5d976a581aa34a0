import type { MikroORM } from '@mikro-orm/postgresql';
import type { Services } from '../../common/context';
import type { Logger } from '../../common/logger';
import { inTransaction } from '../../common/tx';
import { Ticket } from '../tickets/ticket.entity';
import { toSql } from '../tickets/ticket-predicate';
import { snapshotOf } from '../tickets/ticket.snapshot';
import { recordEvent } from './events.service';
import { trackBefore } from './outbox';
import { TicketEventKind } from './ticket-event.entity';

const MAX_DELAY = 2 ** 31 - 1;

/**
 * Emits OVERDUE the moment a due date passes (SPEC §6), keyed on the next
 * due date — never a periodic scan of all tickets. Each due date is announced
 * once (several processes race safely: rows are claimed with SKIP LOCKED and
 * marked with the due date they were announced for).
 */
export class OverdueScheduler {
  private timer: NodeJS.Timeout | null = null;
  private nextAt: number | null = null;
  private stopped = false;
  private emitting = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly services: Services,
    private readonly log: Logger,
  ) {}

  /** Looks up the next due date and sets the timer for it (cheap: an indexed min). */
  async reschedule(): Promise<void> {
    if (this.stopped) return;
    // The delay is measured on the database's clock, the one `emit` compares due dates with: were
    // it measured on this process's clock, a process clock running ahead would find the due date
    // passed while the database does not, and spin (emit nothing, reschedule at once, again).
    const rows = await this.orm.em.fork().execute<{ next: Date | null; now: Date }[]>(
      `select min(due_at) as next, now() as now from ticket where state = 'OPEN' and due_at is not null and overdue_notified_for is distinct from due_at`,
    );
    const next = rows[0]?.next ? new Date(rows[0].next).getTime() : null;
    const now = rows[0]?.now ? new Date(rows[0].now).getTime() : Date.now();
    if (next === this.nextAt && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextAt = next;
    if (next === null || this.stopped) return;
    this.timer = setTimeout(() => void this.emit(), Math.min(MAX_DELAY, Math.max(0, next - now)));
    this.timer.unref();
  }

  private async emit(): Promise<void> {
    if (this.emitting || this.stopped) return;
    this.emitting = true;
    this.timer = null;
    this.nextAt = null;
    try {
      await inTransaction({ em: this.orm.em.fork(), services: this.services }, async (em) => {
        // The overdue rule is the queues' own (one definition), read at the database's clock
        // (the one `reschedule` measured the delay on).
        const [{ now }] = await em.execute<[{ now: Date }]>('select now() as now');
        const params: unknown[] = [];
        const overdue = toSql({ op: 'overdue', value: true }, 't', params, new Date(now));
        const due = await em.execute<{ id: number }[]>(
          `select t.id from ticket t where ${overdue} and t.overdue_notified_for is distinct from t.due_at
           order by t.due_at limit 200 for update skip locked`,
          params,
        );
        for (const { id } of due) {
          const ticket = await em.findOneOrFail(Ticket, id);
          trackBefore(em, id, await snapshotOf(em, ticket));
          ticket.overdueNotifiedFor = ticket.dueAt;
          const event = recordEvent(em, ticket, TicketEventKind.OVERDUE, {}, { dueAt: ticket.dueAt?.toISOString() ?? null });
          event.effectiveAt = ticket.dueAt;
        }
      });
    } catch (err) {
      this.log.error({ err }, 'emitting OVERDUE events failed');
    } finally {
      this.emitting = false;
      await this.reschedule().catch(() => undefined);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
