/**
 * Scale data: `npm run seed -- --tickets N` (seed.ts calls this after the demo desk).
 *
 * Bulk SQL, not the services: INSERT … SELECT over generate_series, about
 * 50,000 tickets per statement and one transaction per batch, so a million
 * tickets take minutes, not hours. What the services would have written is
 * written here in the same shape:
 * - tickets with realistic distributions: 25% open, 75% closed; the demo
 *   desk's departments, agents (of the ticket's department) and teams; help
 *   topics, priorities, sources; answered flags; due dates spread around now,
 *   so about a fifth of the open tickets are overdue (and stamped as the
 *   OVERDUE scheduler would have: `overdue_notified_for = due_at`, with an
 *   OVERDUE event, so starting a server does not raise 50,000 alerts);
 * - owners among up to 20,000 end users (fewer for small N), collaborators
 *   on one ticket in ten, a MESSAGE entry on every ticket and a RESPONSE on
 *   every answered one;
 * - events (CREATED, RESPONSE, OVERDUE, CLOSED) with `seq` handed out under
 *   the event-order lock, in ticket order, each carrying the ticket's
 *   snapshot, as the outbox does;
 * - ticket numbers of seven digits: the product draws six, then eight, then
 *   ten (ticket.lifecycle.ts), so seeded numbers never collide with them.
 *
 * Queue counts stay exact because the counter triggers on `ticket` see every
 * inserted row (statement-level, one grouped delta per batch); the deltas are
 * folded at the end and the counters checked against a plain count.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { compactQueueCounts } from '../src/modules/queues/queue-counters';

export const BATCH = 50_000;
/** Seeded ticket numbers are 1000000 + k: seven digits, which the product never draws. */
const NUMBER_BASE = 1_000_000;
export const MAX_SEEDED = 9_000_000;
const EVENT_ORDER_LOCK = 7_460_002;
const USER_DOMAIN = 'seed.deskql.test';

const HELP_TOPICS = ['Billing question', 'Technical issue', 'Account access', 'Feature request'];
const WORDS = ['printer jam', 'invoice mismatch', 'password reset', 'VPN drops', 'refund request', 'slow dashboard', 'email bounce', 'license renewal', 'broken link', 'data export'];

export interface SeedTicketsResult {
  tickets: number;
  endUsers: number;
  firstNumber: number;
  ms: number;
}

const intArray = (xs: number[]) => (xs.length ? `array[${xs.join(',')}]::int[]` : `array[]::int[]`);
/** A pseudo-random integer in [0, m) for row g, distinct per salt (hashtext exists in PostgreSQL and PGlite). */
const h = (salt: string, m: number) => `(abs(hashtext(g::text || '${salt}')) % ${m})`;

async function ids(em: EntityManager, sql: string): Promise<number[]> {
  const rows = await em.execute<{ id: number }[]>(sql);
  return rows.map((r) => Number(r.id));
}

export async function seedTickets(em: EntityManager, n: number, out: (line: string) => void): Promise<SeedTicketsResult> {
  const started = Date.now();
  // ---- reference data (the demo desk, plus a few help topics) ----
  const [{ last } = { last: null }] = await em.execute<{ last: string | null }[]>(
    `select max(number::bigint) as last from ticket where number ~ '^[0-9]{7}$'`,
  );
  const done = last === null ? 0 : Number(last) - NUMBER_BASE + 1;
  if (done + n > MAX_SEEDED) throw new Error(`there is room for ${MAX_SEEDED - done} more seeded tickets (seven-digit numbers), not ${n}`);

  const departments = await ids(em, 'select id from department order by id');
  const teams = await ids(em, 'select id from team order by id');
  const priorities = await em.execute<{ id: number; name: string; urgency: number }[]>('select id, name, urgency from priority order by urgency');
  const open = await ids(em, `select id from ticket_status where state = 'OPEN' order by is_default desc, sort, id`);
  const closed = await ids(em, `select id from ticket_status where state = 'CLOSED' order by is_default desc, sort, id`);
  const sla = await ids(em, 'select id from sla_plan where is_default');
  const orgs = await ids(em, 'select id from organization order by id');
  if (!departments.length || !priorities.length || !open.length || !closed.length) throw new Error('the reference data is missing (run the seed without --tickets first)');
  const now = new Date().toISOString();
  for (const [i, name] of HELP_TOPICS.entries()) {
    await em.execute(
      `insert into help_topic (name, is_active, department_id, created_at, updated_at) values ('${name}', true, ${departments[i % departments.length]}, '${now}', '${now}') on conflict (name) do nothing`,
    );
  }
  const topics = await ids(em, 'select id from help_topic where is_active order by id');
  const agentsOf = new Map<number, number[]>();
  for (const row of await em.execute<{ id: number; dept: number }[]>(
    `select a.id, a.primary_department_id as dept from agent a where a.is_active and not a.is_admin
     union select a.id, d.department_id from agent a join department_access d on d.agent_id = a.id where a.is_active and not a.is_admin order by 1`,
  )) {
    const list = agentsOf.get(Number(row.dept)) ?? [];
    list.push(Number(row.id));
    agentsOf.set(Number(row.dept), list);
  }
  const allAgents = await ids(em, 'select id from agent where is_active order by id');

  // ---- end users: up to 20,000, one per 50 tickets for small N (at least 10) ----
  const wantUsers = Math.min(20_000, Math.max(10, Math.ceil((done + n) / 50)));
  const [{ have } = { have: 0 }] = await em.execute<{ have: number }[]>(`select count(*)::int as have from end_user where email like '%@${USER_DOMAIN}'`);
  if (Number(have) < wantUsers) {
    await em.execute(
      `insert into end_user (name, email, password_hash, is_active, organization_id, created_at, updated_at)
       select 'Seed User ' || g, 'seed-user-' || g || '@${USER_DOMAIN}', null, true,
              ${orgs.length ? `case when ${h('org', 10)} < 3 then (${intArray(orgs)})[1 + ${h('orgi', orgs.length)}] end` : 'null'}, '${now}', '${now}'
       from generate_series(${Number(have) + 1}, ${wantUsers}) g on conflict (email) do nothing`,
    );
  }
  const owners = await ids(em, `select id from end_user where email like '%@${USER_DOMAIN}' order by id`);
  out(`  reference: ${departments.length} departments, ${allAgents.length} agents, ${teams.length} teams, ${topics.length} help topics, ${owners.length} seeded end users`);

  // ---- tickets, batch by batch ----
  const deptCase = `case ${departments.map((d) => `when d.dept = ${d} then ${intArray(agentsOf.get(d) ?? [])}`).join(' ')} end`;
  const prio = priorities.map((p) => p.id);
  const urgency = priorities.map((p) => p.urgency);
  // Low 20%, Normal 60%, High 15%, Emergency 5% (by urgency order; fewer priorities just reuse the first).
  const prioIndex = `(case when ${h('p', 100)} < 20 then 1 when ${h('p', 100)} < 80 then 2 when ${h('p', 100)} < 95 then 3 else 4 end)`;
  const clampPrio = (expr: string) => `least(${expr}, ${prio.length})`;
  for (let from = done + 1; from <= done + n; from += BATCH) {
    const to = Math.min(from + BATCH - 1, done + n);
    const t0 = Date.now();
    await em.transactional(async (tx) => {
      // Facts per seeded number g, computed once, then the ticket rows.
      await tx.execute(`create temp table seed_batch on commit drop as
        with base as (
          select g, ${h('s', 4)} = 0 as is_open, ${h('dept', departments.length)} as di from generate_series(${from}, ${to}) g
        ), d as (
          select base.*, (${intArray(departments)})[1 + di] as dept from base
        )
        select g, is_open, dept,
          (${intArray(owners)})[1 + ${h('o', owners.length)}] as owner_id,
          case when is_open then (${intArray(open)})[1] else (${intArray(closed)})[1 + (case when ${h('c', 10)} < 7 then 0 else ${closed.length > 1 ? 1 : 0} end)] end as status_id,
          ${clampPrio(prioIndex)} as pi,
          case when ${h('a', 100)} < (case when is_open then 60 else 90 end) then (${deptCase})[1 + ${h('ai', 1000)} % greatest(cardinality(${deptCase}), 1)] end as assignee_id,
          ${teams.length ? `case when ${h('t', 100)} < 20 then (${intArray(teams)})[1 + ${h('ti', teams.length)}] end` : 'null::int'} as team_id,
          ${topics.length ? `case when ${h('ht', 100)} < 70 then (${intArray(topics)})[1 + ${h('hti', topics.length)}] end` : 'null::int'} as help_topic_id,
          (array['WEB','EMAIL','EMAIL','EMAIL','PHONE','API','WEB','OTHER','EMAIL','WEB'])[1 + ${h('src', 10)}] as source,
          case when is_open then ${h('ans', 2)} = 0 else ${h('ans', 10)} < 9 end as is_answered,
          case when is_open then '${now}'::timestamptz - make_interval(mins => ${h('ca', 60 * 24 * 60)})
               else '${now}'::timestamptz - make_interval(days => 2) - make_interval(mins => ${h('ca', 60 * 24 * 728)}) end as created_at,
          ${h('due', 240)} - 48 as due_hours,
          ${h('cl', 60 * 72)} + 30 as close_mins,
          ${h('col', 10)} = 0 as has_collaborator
        from d`);
      await tx.execute(`insert into ticket (number, subject, status_id, state, priority_id, urgency, department_id, help_topic_id, sla_plan_id, sla_plan_inherited,
          source, owner_id, assignee_id, team_id, is_answered, due_at, created_at, updated_at, closed_at, last_message_at, last_response_at, overdue_notified_for)
        select (${NUMBER_BASE} - 1 + g)::text, 'Seeded ticket ' || g || ': ' || (array[${WORDS.map((w) => `'${w}'`).join(',')}])[1 + g % ${WORDS.length}],
          status_id, case when is_open then 'OPEN' else 'CLOSED' end::ticket_state, (${intArray(prio)})[pi], (${intArray(urgency)})[pi], dept, help_topic_id,
          ${sla.length ? sla[0] : 'null'}, ${sla.length ? 'true' : 'false'}, source::ticket_source, owner_id, assignee_id, team_id, is_answered, due,
          created_at, case when is_open then created_at + interval '5 minutes' else created_at + make_interval(mins => close_mins) end,
          case when is_open then null else created_at + make_interval(mins => close_mins) end,
          created_at, case when is_answered then created_at + interval '5 minutes' end,
          case when is_open and due <= '${now}'::timestamptz then due end
        from (select b.*, case when is_open then '${now}'::timestamptz + make_interval(hours => due_hours) else created_at + interval '1 day' end as due from seed_batch b) x
        order by g`);
      await tx.execute(`alter table seed_batch add column ticket_id int`);
      await tx.execute(`update seed_batch b set ticket_id = t.id from ticket t where t.number = (${NUMBER_BASE} - 1 + b.g)::text`);
      // One collaborator (another seeded user) on one ticket in ten.
      await tx.execute(`insert into collaborator (ticket_id, user_id, role, is_active, created_at)
        select b.ticket_id, (${intArray(owners)})[1 + (${h('o', owners.length)} + 1) % ${owners.length}], 'CC', true, b.created_at
        from seed_batch b where b.has_collaborator and ${owners.length} > 1 on conflict do nothing`);
      // The owner's message on every ticket, a response on every answered one.
      await tx.execute(`insert into thread_entry (ticket_id, type, body, body_text, poster_agent_id, poster_user_id, created_at)
        select b.ticket_id, 'MESSAGE', '<p>Hello, I have a problem with ticket ' || b.g || '.</p>', 'Hello, I have a problem with ticket ' || b.g || '.', null, b.owner_id, b.created_at
        from seed_batch b order by b.ticket_id`);
      await tx.execute(`insert into thread_entry (ticket_id, type, body, body_text, poster_agent_id, poster_user_id, created_at)
        select b.ticket_id, 'RESPONSE', '<p>Thanks, we are on it.</p>', 'Thanks, we are on it.', coalesce(b.assignee_id, ${allAgents[0] ?? 'null'}), null, b.created_at + interval '5 minutes'
        from seed_batch b where b.is_answered order by b.ticket_id`);
      // Events, each with the ticket's (final) snapshot, seq in ticket order under the event-order lock.
      await tx.execute('select pg_advisory_xact_lock(?)', [EVENT_ORDER_LOCK]);
      await tx.execute(`create temp table seed_events on commit drop as
        select row_number() over (order by t.id, e.ord) as i, t.id as ticket_id, e.kind, e.ord, e.at, e.data,
          jsonb_build_object('id', t.id, 'state', t.state, 'statusId', t.status_id, 'departmentId', t.department_id, 'assigneeId', t.assignee_id,
            'teamId', t.team_id, 'ownerId', t.owner_id, 'ownerOrgId', u.organization_id, 'ownerOrgShares', coalesce(o.shares_tickets, false),
            'priorityId', t.priority_id, 'helpTopicId', t.help_topic_id, 'source', t.source, 'isAnswered', t.is_answered,
            'dueAt', to_char(t.due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'createdAt', to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'updatedAt', to_char(t.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'collaboratorIds', coalesce((select jsonb_agg(c.user_id) from collaborator c where c.ticket_id = t.id and c.is_active), '[]'::jsonb),
            'subject', t.subject, 'number', t.number) as snap, t.assignee_id, t.owner_id
        from seed_batch b join ticket t on t.id = b.ticket_id join end_user u on u.id = t.owner_id left join organization o on o.id = u.organization_id
        cross join lateral (values
          (1, 'CREATED', t.created_at, jsonb_build_object('after', jsonb_build_object('number', t.number, 'subject', t.subject, 'state', 'OPEN', 'departmentId', t.department_id))),
          (2, case when t.is_answered then 'RESPONSE' end, t.last_response_at, '{}'::jsonb),
          (3, case when t.overdue_notified_for is not null then 'OVERDUE' end, t.overdue_notified_for, jsonb_build_object('dueAt', t.due_at)),
          (4, case when t.state = 'CLOSED' then 'CLOSED' end, t.closed_at, jsonb_build_object('before', jsonb_build_object('state', 'OPEN'), 'after', jsonb_build_object('statusId', t.status_id, 'state', 'CLOSED')))
        ) e (ord, kind, at, data) where e.kind is not null`);
      const [{ k } = { k: 0 }] = await tx.execute<{ k: number }[]>('select count(*)::int as k from seed_events');
      const [{ top } = { top: '0' }] = await tx.execute<{ top: string }[]>(`select setval('ticket_event_seq', nextval('ticket_event_seq') + ${Number(k)} - 1) as top`);
      const base = Number(top) - Number(k);
      await tx.execute(`insert into ticket_event (ticket_id, kind, actor_agent_id, actor_user_id, data, created_at, before, after, seq, effective_at)
        select ticket_id, kind::ticket_event_kind, case when kind in ('RESPONSE', 'CLOSED') then assignee_id end, case when kind = 'CREATED' then owner_id end,
          data, at, case when ord = 1 then null else snap end, snap, ${base} + i, at
        from seed_events order by i`);
    });
    out(`  tickets ${from - done}–${to - done} of ${n} (${Date.now() - t0} ms)`);
  }

  // ---- counters: the triggers wrote deltas; fold them and check against the tickets ----
  await compactQueueCounts(em);
  const [{ off } = { off: 0 }] = await em.execute<{ off: number }[]>(
    `select count(*)::int as off from (
       select state::text, department_id, coalesce(assignee_id, 0) a, coalesce(team_id, 0) t, is_answered, coalesce(state = 'OPEN' and overdue_notified_for = due_at, false) o, count(*)::bigint n
       from ticket group by 1, 2, 3, 4, 5, 6
       except select state, department_id, assignee_id, team_id, is_answered, overdue, sum(n)::bigint from (
         select state, department_id, assignee_id, team_id, is_answered, overdue, n from queue_count_core
         union all select state, department_id, assignee_id, team_id, is_answered, overdue, n from queue_count_delta) x
       group by 1, 2, 3, 4, 5, 6 having sum(n) <> 0) d`,
  );
  if (Number(off) !== 0) throw new Error(`the queue counters disagree with the tickets in ${off} groups`);
  out('  queue counters match a plain count of the tickets');
  out('  vacuum analyze…');
  await em.execute('vacuum analyze');
  return { tickets: n, endUsers: owners.length, firstNumber: NUMBER_BASE + done, ms: Date.now() - started };
}
