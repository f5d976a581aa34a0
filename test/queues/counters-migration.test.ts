import { describe, expect, it } from 'vitest';
import { bootstrap } from '../../src/db/bootstrap';
import { migrate, openDatabase } from '../../src/db/orm';
import { countPredicates, rebuildQueueCounts } from '../../src/modules/queues/queue-counters';
import { P, toSql, type TicketPredicate } from '../../src/modules/tickets/ticket-predicate';
import { TicketState } from '../../src/modules/tickets/ticket-state';
import { testDatabase } from '../support/database';

// Upgrading a database that already holds tickets: the counters' migration
// counts them, in the same transaction that installs the triggers.
describe('queue counters migration', () => {
  it('builds the counters from the tickets already there', async () => {
    const target = await testDatabase();
    const db = await openDatabase({ databaseUrl: target.env.DATABASE_URL, dataDir: ':memory:' });
    try {
      await db.orm.getMigrator().up({ to: 'Migration20261127055404' });
      const em = db.orm.em.fork();
      await bootstrap(em, { email: 'admin@example.com', password: 'admin-password-for-tests' });
      await em.execute(`insert into end_user (name, email, is_active, created_at, updated_at) values ('Old', 'old@customer.test', true, now(), now())`);
      // 300 tickets of every state, some assigned, some overdue (announced or not yet), some answered
      await em.execute(`
        insert into ticket (number, subject, status_id, state, priority_id, urgency, department_id, source, owner_id, assignee_id, is_answered, due_at, overdue_notified_for, created_at, updated_at)
        select 'M' || lpad(i::text, 6, '0'), 'Old ' || i, s.id, s.state, p.id, p.urgency, (select min(id) from department),
          (array['WEB','EMAIL','PHONE','API','OTHER'])[1 + i % 5]::ticket_source, (select min(id) from end_user),
          case when i % 3 = 0 then (select min(id) from agent) end, i % 2 = 0,
          date_trunc('milliseconds', now() + (i % 7 - 3) * interval '1 hour'),
          case when i % 4 = 0 and i % 7 < 3 then date_trunc('milliseconds', now() + (i % 7 - 3) * interval '1 hour') end,
          now(), now()
        from generate_series(1, 300) i
        join lateral (select id, state from ticket_status order by id offset i % 5 limit 1) s on true
        join lateral (select id, urgency from priority order by id offset i % 4 limit 1) p on true`);
      await migrate(db.orm, target.env.DATABASE_URL);
      const check = db.orm.em.fork();
      const [admin] = await check.execute<{ id: number }[]>('select min(id) as id from agent');
      const preds: TicketPredicate[] = [
        P.stateIn(TicketState.OPEN),
        P.stateIn(TicketState.CLOSED),
        P.and(P.stateIn(TicketState.OPEN), { op: 'answered', value: false }),
        { op: 'overdue', value: true },
        { op: 'overdue', value: false },
        P.and(P.stateIn(TicketState.OPEN), P.eq('assigneeId', admin!.id)),
        P.and(P.stateIn(TicketState.OPEN), P.eq('assigneeId', null), P.eq('teamId', null)),
        { op: 'sourceIn', values: ['PHONE' as never] },
        P.not(P.stateIn(TicketState.OPEN, TicketState.CLOSED)),
      ];
      const plain: number[] = [];
      for (const p of preds) {
        const params: unknown[] = [];
        const [row] = await check.execute<{ n: number }[]>(`select count(*)::int as n from ticket t where ${toSql(p, 't', params)}`, params);
        plain.push(row!.n);
      }
      expect(await countPredicates(check, preds)).toEqual(plain);
      expect(plain.every((n) => n > 0)).toBe(true);
      // built straight into the grouped tables: nothing waits in the deltas
      const [grouped] = await check.execute<{ full: number; core: number; delta: number }[]>(
        'select (select sum(n) from queue_count_full)::int as full, (select sum(n) from queue_count_core)::int as core, (select count(*) from queue_count_delta)::int as delta',
      );
      expect(grouped).toEqual({ full: 300, core: 300, delta: 0 });
      // a recount from the tickets (for bulk loads that bypass the triggers) gives the same counts
      await check.execute(`update ticket set is_answered = not is_answered where id % 10 = 0`);
      const after: number[] = [];
      for (const p of preds) {
        const params: unknown[] = [];
        const [row] = await check.execute<{ n: number }[]>(`select count(*)::int as n from ticket t where ${toSql(p, 't', params)}`, params);
        after.push(row!.n);
      }
      await rebuildQueueCounts(check);
      expect(await countPredicates(check, preds)).toEqual(after);
    } finally {
      await db.close();
      await target.drop();
    }
  });
});
