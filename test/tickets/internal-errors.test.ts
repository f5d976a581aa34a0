import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// Issue 8: an unexpected error is never turned into a domain answer. When the
// database fails in the middle of a command, the caller gets
// INTERNAL_SERVER_ERROR (masked in production: test/foundation/production.test.ts),
// not FORBIDDEN or a userError, and the transaction leaves nothing behind.

let t: TestServer;
let w: World;

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
});

afterAll(async () => {
  await t?.close();
});

const BULK = 'mutation($input: SetTicketStatusInput!) { setTicketStatus(input: $input) { tickets { id state } userErrors { code field message } } }';

describe('a database failure mid-command', () => {
  it('makes setTicketStatus answer INTERNAL_SERVER_ERROR and change nothing', async () => {
    const fine = await newTicket(t, w.agents.admin.token, { subject: 'Fine', owner: { email: 'fine@customer.test' }, departmentId: w.supportId });
    const doomed = await newTicket(t, w.agents.admin.token, { subject: 'Explodes on update', owner: { email: 'doomed@customer.test' }, departmentId: w.supportId });
    const conn = t.em().getConnection();
    // A real failure inside the command's transaction: the database refuses the second ticket's update.
    await conn.execute(`create function deskql_test_explode() returns trigger language plpgsql as $$
      begin
        if old.subject = 'Explodes on update' then raise exception 'disk on fire'; end if;
        return new;
      end $$`);
    await conn.execute('create trigger deskql_test_explode before update on ticket for each row execute function deskql_test_explode()');
    const state = async () =>
      conn.execute<{ id: number; state: string; version: number; events: number }[]>(
        `select t.id, t.state, t.version, (select count(*)::int from ticket_event e where e.ticket_id = t.id) as events
         from ticket t where t.subject in ('Fine', 'Explodes on update') order by t.id`,
      );
    const before = await state();
    try {
      const res = await t.gql<{ setTicketStatus: unknown }, unknown>(BULK, { input: { ticketIds: [fine.id, doomed.id], statusId: w.statuses['Closed']! } }, { token: w.agents.admin.token });
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(res.errors![0]!.path).toEqual(['setTicketStatus']);
      // all-or-nothing: the first ticket's change rolled back with the second's
      expect(await state()).toEqual(before);
      expect(before.map((r) => r.state)).toEqual(['OPEN', 'OPEN']);
    } finally {
      await conn.execute('drop trigger deskql_test_explode on ticket');
      await conn.execute('drop function deskql_test_explode()');
    }
    // the same command without the failure works: the error came from the database alone
    const again = await t.gql<{ setTicketStatus: { tickets: { state: string }[]; userErrors: unknown[] } }, unknown>(
      BULK,
      { input: { ticketIds: [fine.id, doomed.id], statusId: w.statuses['Closed']! } },
      { token: w.agents.admin.token },
    );
    expect(again.data!.setTicketStatus.userErrors).toEqual([]);
    expect(again.data!.setTicketStatus.tickets.map((x) => x.state)).toEqual(['CLOSED', 'CLOSED']);
  });

  it('still reports a move the role may not make as FORBIDDEN for that ticket', async () => {
    const mine = await newTicket(t, w.agents.admin.token, { subject: 'Reply-only tries', owner: { email: 'ro@customer.test' }, departmentId: w.supportId });
    const res = await t.gql<{ setTicketStatus: { tickets: unknown; userErrors: { code: string; field: string[] }[] } }, unknown>(
      BULK,
      { input: { ticketIds: [mine.id], statusId: w.statuses['Closed']! } },
      { token: w.agents.replyOnly.token },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.setTicketStatus.userErrors.map((e) => [e.code, e.field])).toEqual([['FORBIDDEN', ['ticketIds', '0']]]);
  });
});
