import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Schedule } from '../../src/modules/sla/schedule.entity';
import { SlaPlan } from '../../src/modules/sla/sla-plan.entity';
import { HelpTopic } from '../../src/modules/tickets/help-topic.entity';
import {
  CreateHelpTopicDocument,
  CreateScheduleDocument,
  CreateSlaPlanDocument,
  DeleteHelpTopicDocument,
  DeleteScheduleDocument,
  DeleteSlaPlanDocument,
  HelpTopicsDocument,
  PublicHelpTopicsDocument,
  SchedulesDocument,
  SlaPlansDocument,
  UpdateAgentDocument,
  UpdateHelpTopicDocument,
  UpdateScheduleDocument,
  UpdateSlaPlanDocument,
  type CreateScheduleInput,
} from '../__generated__/graphql';
import { countRows, rowChanges } from '../support/rows';
import { startTestServer, type TestServer } from '../support/server';
import { openTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// Admin CRUD of schedules, SLA plans and help topics, through the real server.
let t: TestServer;
let w: World;
let admin: string;

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
  admin = w.agents.admin.token;
});
afterAll(() => t?.close());

const FORBIDDEN = [{ field: null, code: 'FORBIDDEN', message: 'Only administrators may do this' }];
const nineToFive = [{ start: '09:00', end: '17:00' }];
const officeWeek = (['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const).map((weekday) => ({ weekday, intervals: nineToFive }));

const counts = () => countRows(t, { schedules: Schedule, plans: SlaPlan, topics: HelpTopic });

async function schedule(input: CreateScheduleInput) {
  const res = await t.gql(CreateScheduleDocument, { input }, { token: admin });
  expect(res.data?.createSchedule.userErrors).toEqual([]);
  return res.data!.createSchedule.schedule!;
}

async function plan(name: string, gracePeriodHours: number, scheduleId: string | null = null) {
  const res = await t.gql(CreateSlaPlanDocument, { input: { name, gracePeriodHours, scheduleId } }, { token: admin });
  expect(res.data?.createSlaPlan.userErrors).toEqual([]);
  return res.data!.createSlaPlan.slaPlan!;
}

describe('schedules', () => {
  it('creates a schedule: the zone name corrected, intervals sorted, holidays sorted once each, every weekday listed', async () => {
    const s = await schedule({
      name: 'New York office',
      timeZone: 'america/new_york',
      hours: [
        { weekday: 'WEDNESDAY', intervals: [{ start: '13:00', end: '17:00' }, { start: '09:00', end: '12:00' }] },
        { weekday: 'MONDAY', intervals: nineToFive },
        { weekday: 'SATURDAY', intervals: [{ start: '22:00', end: '24:00' }] },
        { weekday: 'SUNDAY', intervals: [] },
      ],
      holidays: ['2027-12-25', '2027-07-05', '2027-12-25'],
    });
    expect(s).toMatchObject({
      name: 'New York office',
      timeZone: 'America/New_York',
      holidays: ['2027-07-05', '2027-12-25'],
      hours: [
        { weekday: 'MONDAY', intervals: [{ start: '09:00', end: '17:00' }] },
        { weekday: 'TUESDAY', intervals: [] },
        { weekday: 'WEDNESDAY', intervals: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }] },
        { weekday: 'THURSDAY', intervals: [] },
        { weekday: 'FRIDAY', intervals: [] },
        { weekday: 'SATURDAY', intervals: [{ start: '22:00', end: '24:00' }] },
        { weekday: 'SUNDAY', intervals: [] },
      ],
    });
    const listed = await t.gql(SchedulesDocument, {}, { token: admin });
    expect(listed.data?.schedules.map((x) => x.name)).toContain('New York office');
  });

  it('lists schedules for admins only', async () => {
    for (const token of [w.agents.full.token, w.users.owner.token]) {
      const res = await t.gql(SchedulesDocument, {}, { token });
      expect(res.data).toBeNull();
      expect(res.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['FORBIDDEN', ['schedules']]]);
    }
  });

  it('reports every bad input at once and writes nothing', async () => {
    const before = await counts();
    const res = await t.gql(
      CreateScheduleDocument,
      {
        input: {
          name: '  ',
          timeZone: 'Mars/Phobos',
          hours: [
            { weekday: 'MONDAY', intervals: [{ start: '17:00', end: '09:00' }] },
            { weekday: 'TUESDAY', intervals: [{ start: '09:00', end: '13:00' }, { start: '12:00', end: '17:00' }] },
            { weekday: 'WEDNESDAY', intervals: [{ start: '9:00', end: '25:00' }] },
            { weekday: 'MONDAY', intervals: [] },
          ],
          holidays: ['2027-12-25', '2027-02-30', '25/12/2027'],
        },
      },
      { token: admin },
    );
    expect(res.data?.createSchedule).toEqual({
      schedule: null,
      userErrors: [
        { field: ['name'], code: 'BAD_USER_INPUT', message: 'name must not be empty' },
        { field: ['timeZone'], code: 'BAD_USER_INPUT', message: 'Unknown time zone "Mars/Phobos"; use an IANA name such as Europe/Berlin' },
        {
          field: ['hours', '0', 'intervals', '0', 'end'],
          code: 'BAD_USER_INPUT',
          message: 'The interval 17:00–09:00 ends before it starts; split a night shift at midnight (…–24:00, 00:00–…)',
        },
        { field: ['hours', '1', 'intervals', '1'], code: 'BAD_USER_INPUT', message: 'The intervals 09:00–13:00 and 12:00–17:00 overlap' },
        { field: ['hours', '2', 'intervals', '0', 'start'], code: 'BAD_USER_INPUT', message: 'start must be a time "HH:MM" from 00:00 to 23:59' },
        { field: ['hours', '2', 'intervals', '0', 'end'], code: 'BAD_USER_INPUT', message: 'end must be a time "HH:MM" up to 24:00' },
        { field: ['hours', '3', 'weekday'], code: 'BAD_USER_INPUT', message: 'MONDAY is listed twice' },
        { field: ['holidays', '1'], code: 'BAD_USER_INPUT', message: '"2027-02-30" is not a date YYYY-MM-DD' },
        { field: ['holidays', '2'], code: 'BAD_USER_INPUT', message: '"25/12/2027" is not a date YYYY-MM-DD' },
      ],
    });
    expect(await counts()).toEqual(before);
  });

  it('refuses a schedule that is never open', async () => {
    const res = await t.gql(CreateScheduleDocument, { input: { name: 'Never', timeZone: 'UTC', hours: [{ weekday: 'MONDAY', intervals: [] }] } }, { token: admin });
    expect(res.data?.createSchedule.userErrors).toEqual([{ field: ['hours'], code: 'BAD_USER_INPUT', message: 'A schedule must be open at some time of the week' }]);
  });

  it('refuses a non-admin: FORBIDDEN and nothing written', async () => {
    const before = await counts();
    const s = await schedule({ name: 'Guarded', timeZone: 'UTC', hours: officeWeek });
    const after = await counts();
    for (const token of [w.agents.full.token, w.users.owner.token]) {
      const create = await t.gql(CreateScheduleDocument, { input: { name: 'Sneaky', timeZone: 'UTC', hours: officeWeek } }, { token });
      expect(create.data?.createSchedule).toEqual({ schedule: null, userErrors: FORBIDDEN });
      const update = await t.gql(UpdateScheduleDocument, { input: { scheduleId: s.id, name: 'Renamed' } }, { token });
      expect(update.data?.updateSchedule).toEqual({ schedule: null, userErrors: FORBIDDEN });
      const del = await t.gql(DeleteScheduleDocument, { input: { id: s.id } }, { token });
      expect(del.data?.deleteSchedule).toEqual({ deletedId: null, userErrors: FORBIDDEN });
    }
    expect(rowChanges(before, after)).toEqual({ schedules: 1 });
    expect(await counts()).toEqual(after);
    expect((await t.em().findOneOrFail(Schedule, { name: 'Guarded' })).timeZone).toBe('UTC');
  });

  it('updates a schedule: name, zone, week and holidays replaced; a taken name refused', async () => {
    const s = await schedule({ name: 'Berlin office', timeZone: 'Europe/Berlin', hours: officeWeek, holidays: ['2027-12-24'] });
    const res = await t.gql(
      UpdateScheduleDocument,
      { input: { scheduleId: s.id, name: 'Berlin HQ', timeZone: 'Europe/Paris', hours: [{ weekday: 'FRIDAY', intervals: [{ start: '08:00', end: '12:00' }] }], holidays: [] } },
      { token: admin },
    );
    expect(res.data?.updateSchedule.userErrors).toEqual([]);
    expect(res.data?.updateSchedule.schedule).toMatchObject({ name: 'Berlin HQ', timeZone: 'Europe/Paris', holidays: [] });
    expect(res.data?.updateSchedule.schedule?.hours.filter((d) => d.intervals.length).map((d) => d.weekday)).toEqual(['FRIDAY']);
    const taken = await t.gql(UpdateScheduleDocument, { input: { scheduleId: s.id, name: 'New York office', timeZone: 'Nowhere/Land' } }, { token: admin });
    expect(taken.data?.updateSchedule.userErrors).toEqual([
      { field: ['name'], code: 'BAD_USER_INPUT', message: 'name is already taken' },
      { field: ['timeZone'], code: 'BAD_USER_INPUT', message: 'Unknown time zone "Nowhere/Land"; use an IANA name such as Europe/Berlin' },
    ]);
    expect((await t.em().findOneOrFail(Schedule, { name: 'Berlin HQ' })).timeZone).toBe('Europe/Paris');
  });

  it('refuses to delete a schedule an SLA plan counts in (CONFLICT), and deletes it once free', async () => {
    const s = await schedule({ name: 'Short-lived', timeZone: 'Asia/Tokyo', hours: officeWeek });
    const p = await plan('Tokyo business day', 9, s.id);
    const refused = await t.gql(DeleteScheduleDocument, { input: { id: s.id } }, { token: admin });
    expect(refused.data?.deleteSchedule).toEqual({
      deletedId: null,
      userErrors: [{ field: ['id'], code: 'CONFLICT', message: 'SLA plans still count in this schedule: Tokyo business day' }],
    });
    expect(await t.em().count(Schedule, { name: 'Short-lived' })).toBe(1);
    const detach = await t.gql(UpdateSlaPlanDocument, { input: { slaPlanId: p.id, scheduleId: null } }, { token: admin });
    expect(detach.data?.updateSlaPlan.slaPlan?.schedule).toBeNull();
    const del = await t.gql(DeleteScheduleDocument, { input: { id: s.id } }, { token: admin });
    expect(del.data?.deleteSchedule).toEqual({ deletedId: s.id, userErrors: [] });
    const gone = await t.gql(DeleteScheduleDocument, { input: { id: s.id } }, { token: admin });
    expect(gone.data?.deleteSchedule.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND', message: 'Schedule not found' }]);
  });

  it("refuses fewer hours when a plan's grace period would no longer fit", async () => {
    const s = await schedule({ name: 'Full week', timeZone: 'UTC', hours: officeWeek });
    // 8760 h at 40 h a week is 219 weeks (1533 days): fits in the 1830-day limit
    await plan('Yearly', 8760, s.id);
    // at 8 h a week it is 1095 weeks: refused
    const res = await t.gql(UpdateScheduleDocument, { input: { scheduleId: s.id, hours: [{ weekday: 'MONDAY', intervals: nineToFive }] } }, { token: admin });
    expect(res.data?.updateSchedule.userErrors).toEqual([
      { field: ['hours'], code: 'BAD_USER_INPUT', message: 'SLA plan "Yearly"\'s grace period of 8760 hours takes more than 1830 days of these business hours' },
    ]);
    const stored = await t.em().findOneOrFail(Schedule, { name: 'Full week' });
    expect(Object.keys(stored.hours)).toEqual(['1', '2', '3', '4', '5']);
  });
});

describe('SLA plans', () => {
  it('creates a plan counting in a schedule; agents read it with its schedule', async () => {
    const s = await schedule({ name: 'Support hours', timeZone: 'Europe/Berlin', hours: officeWeek });
    const p = await plan('Business day', 8, s.id);
    expect(p).toMatchObject({ name: 'Business day', gracePeriodHours: 8, isActive: true, isDefault: false, schedule: { id: s.id, name: 'Support hours' } });
    const list = await t.gql(SlaPlansDocument, {}, { token: w.agents.replyOnly.token });
    expect(list.data?.slaPlans.find((x) => x.id === p.id)?.schedule?.name).toBe('Support hours');
    expect(list.data?.slaPlans.find((x) => x.isDefault)).toMatchObject({ name: 'Default SLA', gracePeriodHours: 18, schedule: null });
  });

  it('refuses bad input: grace period out of range, unknown schedule, taken name; nothing written', async () => {
    const before = await counts();
    for (const hours of [0, -1, 8761]) {
      const res = await t.gql(CreateSlaPlanDocument, { input: { name: `Bad ${hours}`, gracePeriodHours: hours } }, { token: admin });
      expect(res.data?.createSlaPlan).toEqual({
        slaPlan: null,
        userErrors: [{ field: ['gracePeriodHours'], code: 'BAD_USER_INPUT', message: 'gracePeriodHours must be between 1 and 8760 (a year)' }],
      });
    }
    const res = await t.gql(CreateSlaPlanDocument, { input: { name: 'Default SLA', gracePeriodHours: 4, scheduleId: w.supportId } }, { token: admin });
    expect(res.data?.createSlaPlan.userErrors).toEqual([
      { field: ['name'], code: 'BAD_USER_INPUT', message: 'name is already taken' },
      { field: ['scheduleId'], code: 'NOT_FOUND', message: 'Schedule not found' },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a grace period that would take years of a sparse schedule', async () => {
    const s = await schedule({ name: 'Saturday mornings', timeZone: 'UTC', hours: [{ weekday: 'SATURDAY', intervals: [{ start: '10:00', end: '11:00' }] }] });
    const res = await t.gql(CreateSlaPlanDocument, { input: { name: 'Forever', gracePeriodHours: 8760, scheduleId: s.id } }, { token: admin });
    expect(res.data?.createSlaPlan.userErrors).toEqual([
      { field: ['gracePeriodHours'], code: 'BAD_USER_INPUT', message: 'The grace period of 8760 hours takes more than 1830 days of these business hours' },
    ]);
    await plan('Three Saturdays', 3, s.id);
  });

  it('refuses a non-admin: FORBIDDEN and nothing written', async () => {
    const p = await plan('Guarded plan', 5);
    const before = await counts();
    for (const token of [w.agents.full.token, w.users.owner.token]) {
      const create = await t.gql(CreateSlaPlanDocument, { input: { name: 'Sneaky plan', gracePeriodHours: 1 } }, { token });
      expect(create.data?.createSlaPlan).toEqual({ slaPlan: null, userErrors: FORBIDDEN });
      const update = await t.gql(UpdateSlaPlanDocument, { input: { slaPlanId: p.id, gracePeriodHours: 1 } }, { token });
      expect(update.data?.updateSlaPlan).toEqual({ slaPlan: null, userErrors: FORBIDDEN });
      const del = await t.gql(DeleteSlaPlanDocument, { input: { id: p.id } }, { token });
      expect(del.data?.deleteSlaPlan).toEqual({ deletedId: null, userErrors: FORBIDDEN });
    }
    expect(await counts()).toEqual(before);
    expect((await t.em().findOneOrFail(SlaPlan, { name: 'Guarded plan' })).gracePeriodHours).toBe(5);
  });

  it('moves the default, and keeps the default active', async () => {
    const p = await plan('Next default', 24);
    const plans = await t.gql(SlaPlansDocument, {}, { token: admin });
    const old = plans.data!.slaPlans.find((x) => x.isDefault)!;
    const unset = await t.gql(UpdateSlaPlanDocument, { input: { slaPlanId: old.id, isDefault: false } }, { token: admin });
    expect(unset.data?.updateSlaPlan.userErrors).toEqual([{ field: ['isDefault'], code: 'BAD_USER_INPUT', message: 'Make another plan the default instead' }]);
    const off = await t.gql(UpdateSlaPlanDocument, { input: { slaPlanId: old.id, isActive: false } }, { token: admin });
    expect(off.data?.updateSlaPlan.userErrors).toEqual([{ field: ['isActive'], code: 'BAD_USER_INPUT', message: 'The default plan must be active' }]);
    const move = await t.gql(UpdateSlaPlanDocument, { input: { slaPlanId: p.id, isDefault: true, gracePeriodHours: 20 } }, { token: admin });
    expect(move.data?.updateSlaPlan.slaPlan).toMatchObject({ isDefault: true, gracePeriodHours: 20 });
    const after = await t.gql(SlaPlansDocument, {}, { token: admin });
    expect(after.data?.slaPlans.filter((x) => x.isDefault).map((x) => x.name)).toEqual(['Next default']);
    // and back, so the other suites' expectations hold
    const back = await t.gql(UpdateSlaPlanDocument, { input: { slaPlanId: old.id, isDefault: true } }, { token: admin });
    expect(back.data?.updateSlaPlan.slaPlan?.isDefault).toBe(true);
  });

  it('refuses to delete the default plan or one in use (CONFLICT); deletes an unused one', async () => {
    const plans = await t.gql(SlaPlansDocument, {}, { token: admin });
    const dflt = plans.data!.slaPlans.find((x) => x.isDefault)!;
    const refused = await t.gql(DeleteSlaPlanDocument, { input: { id: dflt.id } }, { token: admin });
    expect(refused.data?.deleteSlaPlan.userErrors).toEqual([{ field: ['id'], code: 'CONFLICT', message: 'The default SLA plan cannot be deleted' }]);
    const used = await plan('Used by a topic', 6);
    const topic = await t.gql(CreateHelpTopicDocument, { input: { name: 'Uses a plan', slaPlanId: used.id } }, { token: admin });
    expect(topic.data?.createHelpTopic.userErrors).toEqual([]);
    const inUse = await t.gql(DeleteSlaPlanDocument, { input: { id: used.id } }, { token: admin });
    expect(inUse.data?.deleteSlaPlan.userErrors).toEqual([{ field: ['id'], code: 'CONFLICT', message: 'The SLA plan is still used by 1 help topic; deactivate it instead' }]);
    const unused = await plan('Unused', 6);
    const del = await t.gql(DeleteSlaPlanDocument, { input: { id: unused.id } }, { token: admin });
    expect(del.data?.deleteSlaPlan).toEqual({ deletedId: unused.id, userErrors: [] });
  });
});

describe('help topics', () => {
  it('creates a topic with its intake defaults', async () => {
    const p = await plan('Billing SLA', 4);
    const res = await t.gql(
      CreateHelpTopicDocument,
      { input: { name: 'Billing', departmentId: w.supportId, priorityId: w.priorities.High!, slaPlanId: p.id, assignAgentId: w.agents.full.id, assignTeamId: w.teamId } },
      { token: admin },
    );
    expect(res.data?.createHelpTopic).toEqual({
      userErrors: [],
      helpTopic: {
        id: expect.any(String),
        name: 'Billing',
        isActive: true,
        department: { id: w.supportId, name: 'Support' },
        priority: { id: w.priorities.High, name: 'High' },
        slaPlan: { id: p.id, name: 'Billing SLA' },
        assignAgent: { id: w.agents.full.id, name: 'Fiona Full' },
        assignTeam: { id: w.teamId, name: 'Escalations' },
      },
    });
    const list = await t.gql(HelpTopicsDocument, {}, { token: w.agents.replyOnly.token });
    expect(list.data?.helpTopics.find((h) => h.name === 'Billing')?.slaPlan?.name).toBe('Billing SLA');
  });

  it('refuses an auto-assigned agent who is inactive or has no access to the topic’s department', async () => {
    const before = await counts();
    // Olga works in Sales only
    const noAccess = await t.gql(CreateHelpTopicDocument, { input: { name: 'Refunds', departmentId: w.supportId, assignAgentId: w.agents.other.id } }, { token: admin });
    expect(noAccess.data?.createHelpTopic).toEqual({
      helpTopic: null,
      userErrors: [{ field: ['assignAgentId'], code: 'BAD_USER_INPUT', message: "The agent has no access to the help topic's department (Support)" }],
    });
    // no department: the default department (Support) is the one that counts
    const noDept = await t.gql(CreateHelpTopicDocument, { input: { name: 'Refunds', assignAgentId: w.agents.other.id } }, { token: admin });
    expect(noDept.data?.createHelpTopic.userErrors).toEqual([
      { field: ['assignAgentId'], code: 'BAD_USER_INPUT', message: "The agent has no access to the help topic's department (Support)" },
    ]);
    const off = await t.gql(UpdateAgentDocument, { input: { agentId: w.agents.teamMember.id, isActive: false } }, { token: admin });
    expect(off.data?.updateAgent.userErrors).toEqual([]);
    const inactive = await t.gql(CreateHelpTopicDocument, { input: { name: 'Refunds', departmentId: w.salesId, assignAgentId: w.agents.teamMember.id } }, { token: admin });
    expect(inactive.data?.createHelpTopic.userErrors).toEqual([{ field: ['assignAgentId'], code: 'BAD_USER_INPUT', message: 'The agent is inactive and cannot be assigned' }]);
    await t.gql(UpdateAgentDocument, { input: { agentId: w.agents.teamMember.id, isActive: true } }, { token: admin });
    expect(await counts()).toEqual(before);
    // Olga for a Sales topic is fine, and moving it to Support is refused on the department
    const ok = await t.gql(CreateHelpTopicDocument, { input: { name: 'Refunds', departmentId: w.salesId, assignAgentId: w.agents.other.id } }, { token: admin });
    expect(ok.data?.createHelpTopic.userErrors).toEqual([]);
    const move = await t.gql(UpdateHelpTopicDocument, { input: { helpTopicId: ok.data!.createHelpTopic.helpTopic!.id, departmentId: w.supportId } }, { token: admin });
    expect(move.data?.updateHelpTopic.userErrors).toEqual([
      { field: ['departmentId'], code: 'BAD_USER_INPUT', message: "The agent has no access to the help topic's department (Support)" },
    ]);
    const topics = await t.gql(HelpTopicsDocument, {}, { token: admin });
    expect(topics.data?.helpTopics.find((h) => h.name === 'Refunds')?.department?.name).toBe('Sales');
  });

  it('reports unknown references and a taken name together', async () => {
    const res = await t.gql(
      CreateHelpTopicDocument,
      { input: { name: 'Billing', departmentId: w.agents.full.id, priorityId: w.supportId, slaPlanId: 'bogus', assignAgentId: w.teamId, assignTeamId: w.agents.full.id } },
      { token: admin },
    );
    expect(res.data?.createHelpTopic.userErrors).toEqual([
      { field: ['name'], code: 'BAD_USER_INPUT', message: 'name is already taken' },
      { field: ['departmentId'], code: 'NOT_FOUND', message: 'Department not found' },
      { field: ['priorityId'], code: 'NOT_FOUND', message: 'Priority not found' },
      { field: ['slaPlanId'], code: 'NOT_FOUND', message: 'SlaPlan not found' },
      { field: ['assignAgentId'], code: 'NOT_FOUND', message: 'Agent not found' },
      { field: ['assignTeamId'], code: 'NOT_FOUND', message: 'Team not found' },
    ]);
  });

  it('updates and clears references; deactivated topics are hidden from end users', async () => {
    const created = await t.gql(CreateHelpTopicDocument, { input: { name: 'Shipping', priorityId: w.priorities.Low!, assignTeamId: w.teamId } }, { token: admin });
    const id = created.data!.createHelpTopic.helpTopic!.id;
    const res = await t.gql(UpdateHelpTopicDocument, { input: { helpTopicId: id, name: 'Shipping & returns', assignTeamId: null, isActive: false } }, { token: admin });
    expect(res.data?.updateHelpTopic.helpTopic).toMatchObject({ name: 'Shipping & returns', isActive: false, priority: { name: 'Low' }, assignTeam: null });
    const anon = await t.gql(PublicHelpTopicsDocument, {}, { token: null });
    expect(anon.data?.helpTopics.map((h) => h.name)).not.toContain('Shipping & returns');
    expect(anon.data?.helpTopics.map((h) => h.name)).toContain('Billing');
  });

  it('shows the routing fields to agents only', async () => {
    const res = await t.gql(HelpTopicsDocument, {}, { token: w.users.owner.token });
    const billing = res.data?.helpTopics.find((h) => h.name === 'Billing');
    expect(billing).toMatchObject({ name: 'Billing', department: { name: 'Support' }, priority: null, slaPlan: null, assignAgent: null, assignTeam: null });
    const denied = new Set(res.errors?.map((e) => `${e.path?.at(-1)} ${String(e.extensions?.code)}`));
    expect([...denied].sort()).toEqual(['assignAgent FORBIDDEN', 'assignTeam FORBIDDEN', 'priority FORBIDDEN', 'slaPlan FORBIDDEN']);
  });

  it('refuses a non-admin: FORBIDDEN and nothing written', async () => {
    const topic = await t.em().findOneOrFail(HelpTopic, { name: 'Billing' });
    const before = await counts();
    const list = await t.gql(HelpTopicsDocument, {}, { token: admin });
    const id = list.data!.helpTopics.find((h) => h.name === 'Billing')!.id;
    for (const token of [w.agents.full.token, w.users.owner.token]) {
      const create = await t.gql(CreateHelpTopicDocument, { input: { name: 'Sneaky topic' } }, { token });
      expect(create.data?.createHelpTopic).toEqual({ helpTopic: null, userErrors: FORBIDDEN });
      const update = await t.gql(UpdateHelpTopicDocument, { input: { helpTopicId: id, isActive: false } }, { token });
      expect(update.data?.updateHelpTopic).toEqual({ helpTopic: null, userErrors: FORBIDDEN });
      const del = await t.gql(DeleteHelpTopicDocument, { input: { id } }, { token });
      expect(del.data?.deleteHelpTopic).toEqual({ deletedId: null, userErrors: FORBIDDEN });
    }
    expect(await counts()).toEqual(before);
    expect((await t.em().findOneOrFail(HelpTopic, topic.id)).isActive).toBe(true);
  });

  it('refuses to delete a topic tickets use (CONFLICT); deletes an unused one', async () => {
    const used = await t.gql(CreateHelpTopicDocument, { input: { name: 'Has tickets' } }, { token: admin });
    const usedId = used.data!.createHelpTopic.helpTopic!.id;
    await openTicket(t, w.agents.full.token, { subject: 'Topic ticket', owner: { email: w.users.owner.email }, helpTopicId: usedId });
    const refused = await t.gql(DeleteHelpTopicDocument, { input: { id: usedId } }, { token: admin });
    expect(refused.data?.deleteHelpTopic.userErrors).toEqual([{ field: ['id'], code: 'CONFLICT', message: '1 ticket still uses this help topic; deactivate it instead' }]);
    const unused = await t.gql(CreateHelpTopicDocument, { input: { name: 'Nobody' } }, { token: admin });
    const id = unused.data!.createHelpTopic.helpTopic!.id;
    expect((await t.gql(DeleteHelpTopicDocument, { input: { id } }, { token: admin })).data?.deleteHelpTopic).toEqual({ deletedId: id, userErrors: [] });
  });
});
