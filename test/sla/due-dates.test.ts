import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateHelpTopicDocument,
  CreateScheduleDocument,
  CreateSlaPlanDocument,
  DueDatesCreateDepartmentDocument,
  DueDatesReplyDocument,
  DueDatesTicketDocument,
  DueEventsDocument,
  DueOpenTicketDocument,
  DuePostMessageDocument,
  DueSetStatusDocument,
  DueTransferDocument,
  DueUpdateTicketDocument,
  UpdateScheduleDocument,
  type CreateScheduleInput,
  type OpenTicketInput,
  type UpdateTicketInput,
} from '../__generated__/graphql';
import { createFilter } from '../support/filters';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// SPEC §6 due dates, wired end to end through the real HTTP server: intake
// (help topic, department, filter, desk default), reopening, an SLA change by
// updateTicket, transfer (re-applies only an inherited plan) and an agent-set
// due date. The business-hours arithmetic itself is covered case by case in
// business-hours.test.ts; here every expected value is still written out by
// hand (the comments show the sums), never computed by product code.
//
// Intake and reopening use the real clock, so the expectations are built to
// hold whenever the test runs:
// - around-the-clock plans (no schedule): due = the server's own createdAt or
//   reopenedAt + the grace period, read back from the ticket (exact to the ms,
//   which also tells creation, reopening and "now" apart);
// - business-hours plans: the schedule's holidays close every local day from
//   today up to the first Monday at least two days away (D), so counting
//   starts at D's opening whatever the time, weekday or season. The zones are
//   Tokyo (UTC+9) and Kolkata (UTC+5:30): neither has DST, so local opening
//   hours map to fixed UTC times all year and the expected ISO strings below
//   follow by hand. (DST itself is business-hours.test.ts's job.)

let t: TestServer;
let w: World;
let admin: string;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The local calendar date (as its UTC midnight, in ms) an instant falls on at a fixed UTC offset. */
const localDate = (instant: number, offsetHours: number) => Math.floor((instant + offsetHours * HOUR) / DAY) * DAY;
/** YYYY-MM-DD of a date from `localDate`. */
const ymd = (date: number) => new Date(date).toISOString().slice(0, 10);
/** The first Monday at least two days after `date` (getUTCDay: 0 = Sunday, 1 = Monday). */
const mondayAfter = (date: number) => {
  const d = date + 2 * DAY;
  return d + ((8 - new Date(d).getUTCDay()) % 7) * DAY;
};
/** YYYY-MM-DD of every date from `from` up to (not including) `to`. */
const datesBetween = (from: number, to: number) => Array.from({ length: (to - from) / DAY }, (_, i) => ymd(from + i * DAY));
/** An ISO instant plus whole hours. */
const plus = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * HOUR).toISOString();

const weekdays = (intervals: { start: string; end: string }[]): CreateScheduleInput['hours'] =>
  (['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const).map((weekday) => ({ weekday, intervals }));

// Tokyo: the first Monday D at least two days after today (Tokyo date); closed today … D−1 and on Wednesday D+2.
let tokyoMonday: number;
// Kolkata: the same for Kolkata's date.
let kolkataMonday: number;
let kolkataHolidays: string[];

const ids = {} as {
  tokyoPlan: string;
  tokyoTopic: string;
  kolkataSchedule: string;
  kolkataTopic: string;
  oneHour: string;
  threeHours: string;
  fourHours: string;
  defaultPlan: string;
  nightDesk: string;
  plainDesk: string;
  nightTopic: string;
};

async function schedule(input: CreateScheduleInput) {
  const res = await t.gql(CreateScheduleDocument, { input }, { token: admin });
  expect(res.data?.createSchedule.userErrors).toEqual([]);
  return res.data!.createSchedule.schedule!;
}

async function plan(name: string, gracePeriodHours: number, scheduleId: string | null = null) {
  const res = await t.gql(CreateSlaPlanDocument, { input: { name, gracePeriodHours, scheduleId } }, { token: admin });
  expect(res.data?.createSlaPlan.userErrors).toEqual([]);
  return res.data!.createSlaPlan.slaPlan!.id;
}

async function topic(name: string, input: { slaPlanId?: string; departmentId?: string }) {
  const res = await t.gql(CreateHelpTopicDocument, { input: { name, ...input } }, { token: admin });
  expect(res.data?.createHelpTopic.userErrors).toEqual([]);
  return res.data!.createHelpTopic.helpTopic!.id;
}

async function department(name: string, slaPlanId: string | null) {
  const res = await t.gql(DueDatesCreateDepartmentDocument, { input: { name, slaPlanId } }, { token: admin });
  expect(res.data?.createDepartment.userErrors).toEqual([]);
  return res.data!.createDepartment.department!;
}

/** An agent (the admin) opens a ticket for Owen, who can then post messages on it. */
const open = (input: Partial<OpenTicketInput> = {}) =>
  newTicket(t, admin, { subject: 'Due date check', body: 'Please help', owner: { email: w.users.owner.email }, ...input }, DueOpenTicketDocument);

async function read(number: string) {
  const res = await t.gql(DueDatesTicketDocument, { number }, { token: admin });
  return res.data!.ticket!;
}

async function update(input: UpdateTicketInput) {
  const res = await t.gql(DueUpdateTicketDocument, { input }, { token: admin });
  expect(res.errors).toBeUndefined();
  expect(res.data?.updateTicket.userErrors).toEqual([]);
  return res.data!.updateTicket.ticket!;
}

async function transfer(ticketId: string, departmentId: string) {
  const res = await t.gql(DueTransferDocument, { input: { ticketId, departmentId } }, { token: admin });
  expect(res.errors).toBeUndefined();
  expect(res.data?.transferTicket.userErrors).toEqual([]);
  return res.data!.transferTicket.ticket!;
}

/** An agent's response that closes the ticket. */
async function closeByReply(ticketId: string) {
  const res = await t.gql(DueDatesReplyDocument, { input: { ticketId, body: 'Should be fixed now', statusId: w.statuses.Closed! } }, { token: admin });
  expect(res.data?.replyToTicket.userErrors).toEqual([]);
  expect(res.data!.replyToTicket.ticket).toMatchObject({ state: 'CLOSED', status: { name: 'Closed' } });
  return res.data!.replyToTicket.ticket!;
}

async function setStatus(ticketId: string, status: string) {
  const res = await t.gql(DueSetStatusDocument, { input: { ticketIds: [ticketId], statusId: w.statuses[status]! } }, { token: admin });
  expect(res.data?.setTicketStatus.userErrors).toEqual([]);
  return res.data!.setTicketStatus.tickets![0]!;
}

/** Owen's message on his closed ticket reopens it (SPEC §7). */
async function reopenByOwner(ticketId: string) {
  const res = await t.gql(DuePostMessageDocument, { input: { ticketId, body: 'Still broken' } }, { token: w.users.owner.token });
  expect(res.data?.postMessage.userErrors).toEqual([]);
  const ticket = res.data!.postMessage.ticket!;
  expect(ticket.state).toBe('OPEN');
  expect(ticket.reopenedAt).toEqual(expect.any(String));
  return ticket as typeof ticket & { reopenedAt: string };
}

type EventData = { before?: Record<string, unknown>; after?: Record<string, unknown> };
async function events(number: string, kind: string): Promise<EventData[]> {
  const res = await t.gql(DueEventsDocument, { number }, { token: admin });
  return res.data!.ticket!.events!.edges.filter((e) => e.node.kind === kind).map((e) => e.node.data as EventData);
}

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
  admin = w.agents.admin.token;
  const now = Date.now();

  // Tokyo office: Mon–Fri 09:00–12:00 and 13:00–18:00 JST (8 h a day, lunch closed).
  const tokyoToday = localDate(now, 9);
  tokyoMonday = mondayAfter(tokyoToday);
  const tokyo = await schedule({
    name: 'Tokyo office',
    timeZone: 'Asia/Tokyo',
    hours: weekdays([
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '18:00' },
    ]),
    // today … the day before D (2 to 8 dates: even if the date turns during the test, the ticket starts on a holiday), and Wednesday D+2
    holidays: [...datesBetween(tokyoToday, tokyoMonday), ymd(tokyoMonday + 2 * DAY)],
  });
  ids.tokyoPlan = await plan('Tokyo 45 business hours', 45, tokyo.id);
  ids.tokyoTopic = await topic('Tokyo hardware', { slaPlanId: ids.tokyoPlan });

  // Kolkata office: Mon–Fri 09:00–17:00 IST (UTC+5:30, so 03:30Z–11:30Z), closed today … D−1.
  const kolkataToday = localDate(now, 5.5);
  kolkataMonday = mondayAfter(kolkataToday);
  kolkataHolidays = datesBetween(kolkataToday, kolkataMonday);
  const kolkata = await schedule({ name: 'Kolkata office', timeZone: 'Asia/Kolkata', hours: weekdays([{ start: '09:00', end: '17:00' }]), holidays: kolkataHolidays });
  ids.kolkataSchedule = kolkata.id;
  ids.kolkataTopic = await topic('Kolkata billing', { slaPlanId: await plan('Kolkata 20 business hours', 20, kolkata.id) });

  // around the clock (no schedule)
  ids.oneHour = await plan('One hour', 1);
  ids.threeHours = await plan('Three hours', 3);
  ids.fourHours = await plan('Four hours', 4);

  // Night desk has its own plan; Plain desk has none, so its tickets get the desk default (18 h)
  const night = await department('Night desk', ids.threeHours);
  expect(night.slaPlan).toEqual({ id: ids.threeHours, name: 'Three hours' });
  ids.nightDesk = night.id;
  ids.plainDesk = (await department('Plain desk', null)).id;
  // a help topic that routes to Night desk but names no plan: its tickets inherit the department's
  ids.nightTopic = await topic('After hours', { departmentId: ids.nightDesk });

  const plain = await open({ departmentId: ids.plainDesk });
  expect(plain.slaPlan?.name).toBe('Default SLA');
  ids.defaultPlan = plain.slaPlan!.id;
});
afterAll(() => t?.close());

describe('intake', () => {
  it("a help topic's plan counts its grace period in the schedule's business hours, holidays and time zone", async () => {
    const before = Date.now();
    const ticket = await open({ helpTopicId: ids.tokyoTopic });
    expect(ticket.slaPlan).toEqual({ id: ids.tokyoPlan, name: 'Tokyo 45 business hours' });
    // created on a Tokyo holiday (today or, past midnight, tomorrow), so counting starts Monday D 09:00 JST
    expect(Date.parse(ticket.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(localDate(Date.parse(ticket.createdAt), 9)).toBeLessThan(tokyoMonday);
    // 45 h: Mon D 09–12 + 13–18 = 8 (37 left); Tue D+1 8 (29); Wed D+2 holiday; Thu D+3 8 (21); Fri D+4 8 (13);
    // Sat, Sun closed; Mon D+7 8 (5); Tue D+8 09–12 = 3 (2), 13:00 + 2 h = 15:00 JST = 06:00Z
    const expected = `${ymd(tokyoMonday + 8 * DAY)}T06:00:00.000Z`;
    expect(ticket.dueAt).toBe(expected);
    expect((await read(ticket.number)).dueAt).toBe(expected);
    // the CREATED event records the same due date
    expect((await events(ticket.number, 'CREATED'))[0]?.after?.dueAt).toBe(expected);
  });

  it("without a topic's plan: the department's plan, else the desk default, around the clock from creation", async () => {
    const night = await open({ departmentId: ids.nightDesk });
    expect(night.slaPlan?.name).toBe('Three hours');
    expect(night.dueAt).toBe(plus(night.createdAt, 3));
    // a topic routing to Night desk without a plan of its own: Night desk's plan
    const viaTopic = await open({ helpTopicId: ids.nightTopic });
    expect(viaTopic).toMatchObject({ department: { name: 'Night desk' }, slaPlan: { name: 'Three hours' } });
    expect(viaTopic.dueAt).toBe(plus(viaTopic.createdAt, 3));
    // Support has no plan: the default SLA plan, 18 h
    const support = await open({ departmentId: w.supportId });
    expect(support.slaPlan?.name).toBe('Default SLA');
    expect(support.dueAt).toBe(plus(support.createdAt, 18));
  });
});

describe('reopening', () => {
  it("recomputes from the reopen time: the owner's message, then an agent's reopen", async () => {
    const ticket = await open({ departmentId: ids.nightDesk });
    expect(ticket.dueAt).toBe(plus(ticket.createdAt, 3));
    // closing does not move the due date
    const closed = await closeByReply(ticket.id);
    expect(closed.dueAt).toBe(plus(ticket.createdAt, 3));
    expect(closed.isOverdue).toBe(false);

    const reopened = await reopenByOwner(ticket.id);
    expect(Date.parse(reopened.reopenedAt)).toBeGreaterThan(Date.parse(ticket.createdAt));
    // reopenedAt + 3 h, not createdAt + 3 h
    expect(reopened.dueAt).toBe(plus(reopened.reopenedAt, 3));
    expect(await read(ticket.number)).toMatchObject({ state: 'OPEN', reopenCount: 1, reopenedAt: reopened.reopenedAt, dueAt: plus(reopened.reopenedAt, 3) });

    // an agent with ticket.close reopens it too (Resolved → Open): from that second reopening
    await setStatus(ticket.id, 'Resolved');
    const again = await setStatus(ticket.id, 'Open');
    expect(Date.parse(again.reopenedAt!)).toBeGreaterThan(Date.parse(reopened.reopenedAt));
    expect(again.dueAt).toBe(plus(again.reopenedAt!, 3));
    expect((await read(ticket.number)).reopenCount).toBe(2);
  });

  it("counts a reopened ticket's grace period in the plan's business hours as they are at reopening", async () => {
    const D = kolkataMonday;
    const ticket = await open({ helpTopicId: ids.kolkataTopic });
    // created on a Kolkata holiday: 20 h from Mon D 09:00 IST: Mon 8 (12 left), Tue D+1 8 (4), Wed D+2 09:00 + 4 h = 13:00 IST = 07:30Z
    expect(ticket.dueAt).toBe(`${ymd(D + 2 * DAY)}T07:30:00.000Z`);
    await closeByReply(ticket.id);

    // the desk adds Mon D and Tue D+1 as holidays while the ticket is closed; the closed ticket keeps its date
    const res = await t.gql(UpdateScheduleDocument, { input: { scheduleId: ids.kolkataSchedule, holidays: [...kolkataHolidays, ymd(D), ymd(D + DAY)] } }, { token: admin });
    expect(res.data?.updateSchedule.userErrors).toEqual([]);
    expect((await read(ticket.number)).dueAt).toBe(`${ymd(D + 2 * DAY)}T07:30:00.000Z`);

    // reopened (still before D, a holiday): 20 h from Wed D+2 09:00 IST: Wed 8 (12), Thu D+3 8 (4), Fri D+4 09:00 + 4 h = 13:00 IST = 07:30Z
    const reopened = await reopenByOwner(ticket.id);
    expect(localDate(Date.parse(reopened.reopenedAt), 5.5)).toBeLessThan(D);
    expect(reopened.dueAt).toBe(`${ymd(D + 4 * DAY)}T07:30:00.000Z`);
  });
});

describe('an SLA change (updateTicket slaPlanId)', () => {
  it('recomputes from the creation time, and records the move', async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    expect(ticket.dueAt).toBe(plus(ticket.createdAt, 18));
    const changed = await update({ ticketId: ticket.id, slaPlanId: ids.fourHours });
    // createdAt + 4 h (not the time of the change + 4 h)
    expect(changed).toMatchObject({ slaPlan: { id: ids.fourHours, name: 'Four hours' }, dueAt: plus(ticket.createdAt, 4), version: ticket.version + 1 });
    expect(await events(ticket.number, 'EDITED')).toEqual([
      { before: { slaPlanId: expect.anything(), dueAt: plus(ticket.createdAt, 18) }, after: { slaPlanId: expect.anything(), dueAt: plus(ticket.createdAt, 4) } },
    ]);
  });

  it('recomputes from the latest reopening when the ticket was reopened', async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    await closeByReply(ticket.id);
    const reopened = await reopenByOwner(ticket.id);
    expect(reopened.dueAt).toBe(plus(reopened.reopenedAt, 18));
    const changed = await update({ ticketId: ticket.id, slaPlanId: ids.threeHours });
    // reopenedAt + 3 h: neither createdAt + 3 h nor the time of the change + 3 h
    expect(changed.dueAt).toBe(plus(reopened.reopenedAt, 3));
  });

  it("counts a business-hours plan's grace period in its schedule", async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    const changed = await update({ ticketId: ticket.id, slaPlanId: ids.tokyoPlan });
    // created on a Tokyo holiday: the same 45 h from Mon D 09:00 JST as at intake → Tue D+8 15:00 JST = 06:00Z
    expect(changed.dueAt).toBe(`${ymd(tokyoMonday + 8 * DAY)}T06:00:00.000Z`);
  });

  it('no plan, no due date; and a transfer then leaves the plan unset', async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    const cleared = await update({ ticketId: ticket.id, slaPlanId: null });
    expect(cleared).toMatchObject({ slaPlan: null, dueAt: null, isOverdue: false });
    // clearing the plan was the agent's choice, not an inherited plan: Night desk's plan does not apply
    const moved = await transfer(ticket.id, ids.nightDesk);
    expect(moved).toMatchObject({ department: { name: 'Night desk' }, slaPlan: null, dueAt: null });
    // a plan again: from creation
    expect((await update({ ticketId: ticket.id, slaPlanId: ids.oneHour })).dueAt).toBe(plus(ticket.createdAt, 1));
  });
});

describe('transfer', () => {
  it("re-applies an inherited plan: the new department's, else the desk default, from creation or the latest reopening", async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    const C = ticket.createdAt;
    expect(ticket).toMatchObject({ slaPlan: { name: 'Default SLA' }, dueAt: plus(C, 18) });

    const toNight = await transfer(ticket.id, ids.nightDesk);
    expect(toNight).toMatchObject({ department: { name: 'Night desk' }, slaPlan: { name: 'Three hours' }, dueAt: plus(C, 3) });
    expect((await events(ticket.number, 'TRANSFERRED'))[0]).toMatchObject({
      before: { slaPlanId: expect.anything(), dueAt: plus(C, 18) },
      after: { slaPlanId: expect.anything(), dueAt: plus(C, 3) },
    });

    // Sales has no plan: back to the desk default
    const toSales = await transfer(ticket.id, w.salesId);
    expect(toSales).toMatchObject({ department: { name: 'Sales' }, slaPlan: { name: 'Default SLA' }, dueAt: plus(C, 18) });
    // Plain desk inherits the same default: nothing to recompute, and the event says only the department moved
    await transfer(ticket.id, ids.plainDesk);
    expect((await events(ticket.number, 'TRANSFERRED'))[2]).toEqual({ before: { departmentId: expect.anything() }, after: { departmentId: expect.anything() } });
    expect((await read(ticket.number)).dueAt).toBe(plus(C, 18));

    // after a reopening, the re-applied plan counts from the reopen time
    await closeByReply(ticket.id);
    const reopened = await reopenByOwner(ticket.id);
    expect(reopened.dueAt).toBe(plus(reopened.reopenedAt, 18));
    expect((await transfer(ticket.id, ids.nightDesk)).dueAt).toBe(plus(reopened.reopenedAt, 3));
  });

  it("re-applies the department plan a ticket inherited through a help topic that names none", async () => {
    const ticket = await open({ helpTopicId: ids.nightTopic });
    expect(ticket.dueAt).toBe(plus(ticket.createdAt, 3));
    const moved = await transfer(ticket.id, ids.plainDesk);
    expect(moved).toMatchObject({ slaPlan: { name: 'Default SLA' }, dueAt: plus(ticket.createdAt, 18) });
  });

  it("keeps a help topic's plan and its due date", async () => {
    const ticket = await open({ helpTopicId: ids.tokyoTopic });
    const due = `${ymd(tokyoMonday + 8 * DAY)}T06:00:00.000Z`; // as in the intake case
    expect(ticket.dueAt).toBe(due);
    const moved = await transfer(ticket.id, ids.nightDesk);
    expect(moved).toMatchObject({ department: { name: 'Night desk' }, slaPlan: { id: ids.tokyoPlan }, dueAt: due });
    expect(await events(ticket.number, 'TRANSFERRED')).toEqual([{ before: { departmentId: expect.anything() }, after: { departmentId: expect.anything() } }]);
  });

  it('keeps a plan set by updateTicket', async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    await update({ ticketId: ticket.id, slaPlanId: ids.fourHours });
    const moved = await transfer(ticket.id, ids.nightDesk);
    expect(moved).toMatchObject({ slaPlan: { name: 'Four hours' }, dueAt: plus(ticket.createdAt, 4) });
  });

  it('keeps a plan chosen by a ticket filter', async () => {
    await createFilter(t, admin, { name: 'VIP gets one hour', rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: '[vip-sla]' }], actions: { slaPlanId: ids.oneHour } });
    // the filter's plan beats Plain desk's inherited default
    const ticket = await open({ subject: '[vip-sla] Down again', departmentId: ids.plainDesk });
    expect(ticket).toMatchObject({ slaPlan: { name: 'One hour' }, dueAt: plus(ticket.createdAt, 1) });
    const moved = await transfer(ticket.id, ids.nightDesk);
    expect(moved).toMatchObject({ slaPlan: { name: 'One hour' }, dueAt: plus(ticket.createdAt, 1) });
  });
});

describe('an agent-set due date', () => {
  const X = '2031-01-02T03:04:05.678Z';

  it('wins over an SLA change, a transfer, an unrelated edit and a reopening; clearing it goes back to the plan', async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    expect((await update({ ticketId: ticket.id, dueAt: X })).dueAt).toBe(X);
    // an edit that does not name dueAt keeps it
    expect((await update({ ticketId: ticket.id, subject: 'Renamed' })).dueAt).toBe(X);
    // a transfer re-applies the inherited plan (Three hours) but not the due date
    expect(await transfer(ticket.id, ids.nightDesk)).toMatchObject({ slaPlan: { name: 'Three hours' }, dueAt: X });
    // an SLA change
    expect(await update({ ticketId: ticket.id, slaPlanId: ids.fourHours })).toMatchObject({ slaPlan: { name: 'Four hours' }, dueAt: X });
    // close and reopen
    await closeByReply(ticket.id);
    const reopened = await reopenByOwner(ticket.id);
    expect(reopened.dueAt).toBe(X);
    // null goes back to the plan: Four hours from the latest reopening
    const cleared = await update({ ticketId: ticket.id, dueAt: null });
    expect(cleared.dueAt).toBe(plus(reopened.reopenedAt, 4));
    // and now the plan drives it again
    expect((await update({ ticketId: ticket.id, slaPlanId: ids.oneHour })).dueAt).toBe(plus(reopened.reopenedAt, 1));
    expect((await events(ticket.number, 'EDITED')).map((e) => e.after?.dueAt).filter(Boolean)).toEqual([X, plus(reopened.reopenedAt, 4), plus(reopened.reopenedAt, 1)]);
  });

  it('set with an SLA change in the same edit, the date still wins', async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    expect(await update({ ticketId: ticket.id, slaPlanId: ids.oneHour, dueAt: X })).toMatchObject({ slaPlan: { name: 'One hour' }, dueAt: X });
  });

  it('clearing when none was set changes nothing', async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    const same = await update({ ticketId: ticket.id, dueAt: null });
    expect(same).toMatchObject({ dueAt: plus(ticket.createdAt, 18), version: ticket.version });
    expect(await events(ticket.number, 'EDITED')).toEqual([]);
  });

  it('in the past makes the open ticket overdue; back to the plan, it is not', async () => {
    const ticket = await open({ departmentId: ids.plainDesk });
    const past = new Date(Date.now() - 60_000).toISOString();
    expect(await update({ ticketId: ticket.id, dueAt: past })).toMatchObject({ dueAt: past, isOverdue: true });
    expect(await update({ ticketId: ticket.id, dueAt: null })).toMatchObject({ dueAt: plus(ticket.createdAt, 18), isOverdue: false });
  });
});
