import { type EntityManager, ref } from '@mikro-orm/core';
import { checkUnique, command } from '../../common/command';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { lookup } from '../../common/lookup';
import { cleanName } from '../../common/validate';
import { Department } from '../directory/department.entity';
import { HelpTopic } from '../tickets/help-topic.entity';
import { Ticket } from '../tickets/ticket.entity';
import {
  addBusinessHours,
  type BusinessSchedule,
  BusinessHoursRangeError,
  canonicalTimeZone,
  isLocalDate,
  MAX_SPAN_DAYS,
  parseClock,
  type WeekHours,
} from './business-hours';
import { Schedule } from './schedule.entity';
import type { CreateScheduleInput, CreateSlaPlanInput, ScheduleDayInput, UpdateScheduleInput, UpdateSlaPlanInput } from './sla.inputs';
import { SlaPlan } from './sla-plan.entity';
import { ISO_WEEKDAY } from './sla.type';

// SLA plans and schedules (SPEC §2, §6): admin commands, one transaction each;
// every input problem is reported at once and nothing is written when any is found.

export const GRACE_MIN = 1;
export const GRACE_MAX = 8_760;
const MAX_INTERVALS_PER_DAY = 24;
const MAX_HOLIDAYS = 1_000;
/** A plan's grace period must fit in its schedule's business hours within this many days (half the hard limit). */
const FIT_DAYS = Math.floor(MAX_SPAN_DAYS / 2);

// ---- schedule input -----------------------------------------------------------

function cleanTimeZone(problems: Problems, value: string): string {
  const zone = canonicalTimeZone(value);
  if (zone === null) problems.add(ErrorCode.BAD_USER_INPUT, `Unknown time zone "${value}"; use an IANA name such as Europe/Berlin`, 'timeZone');
  return zone ?? value;
}

/** The week as stored: sorted intervals per ISO weekday, closed days left out. */
function cleanHours(problems: Problems, days: ScheduleDayInput[]): WeekHours {
  const hours: WeekHours = {};
  const seen = new Set<string>();
  let open = 0;
  days.forEach((day, i) => {
    const at = (...rest: (string | number)[]) => ['hours', String(i), ...rest.map(String)];
    if (seen.has(day.weekday)) problems.add(ErrorCode.BAD_USER_INPUT, `${day.weekday} is listed twice`, at('weekday'));
    seen.add(day.weekday);
    if (day.intervals.length > MAX_INTERVALS_PER_DAY) {
      problems.add(ErrorCode.BAD_USER_INPUT, `At most ${MAX_INTERVALS_PER_DAY} intervals a day`, at('intervals'));
      return;
    }
    const valid: { start: number; end: number; index: number; text: string }[] = [];
    day.intervals.forEach((interval, j) => {
      const start = parseClock(interval.start);
      const end = parseClock(interval.end, true);
      if (start === null) problems.add(ErrorCode.BAD_USER_INPUT, 'start must be a time "HH:MM" from 00:00 to 23:59', at('intervals', j, 'start'));
      if (end === null) problems.add(ErrorCode.BAD_USER_INPUT, 'end must be a time "HH:MM" up to 24:00', at('intervals', j, 'end'));
      if (start === null || end === null) return;
      if (end <= start) {
        problems.add(
          ErrorCode.BAD_USER_INPUT,
          `The interval ${interval.start}–${interval.end} ends before it starts; split a night shift at midnight (…–24:00, 00:00–…)`,
          at('intervals', j, 'end'),
        );
        return;
      }
      valid.push({ start, end, index: j, text: `${interval.start}–${interval.end}` });
    });
    valid.sort((a, b) => a.start - b.start || a.end - b.end);
    for (let k = 1; k < valid.length; k++) {
      const prev = valid[k - 1]!;
      const cur = valid[k]!;
      if (cur.start < prev.end) problems.add(ErrorCode.BAD_USER_INPUT, `The intervals ${prev.text} and ${cur.text} overlap`, at('intervals', cur.index));
    }
    if (valid.length) {
      hours[ISO_WEEKDAY[day.weekday]] = valid.map((v) => day.intervals[v.index]!).map(({ start, end }) => ({ start, end }));
      open += valid.length;
    }
  });
  if (open === 0 && days.every((d) => d.intervals.length === 0)) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'A schedule must be open at some time of the week', 'hours');
  }
  return hours;
}

function cleanHolidays(problems: Problems, list: string[]): string[] {
  if (list.length > MAX_HOLIDAYS) {
    problems.add(ErrorCode.BAD_USER_INPUT, `At most ${MAX_HOLIDAYS} holidays`, 'holidays');
    return [];
  }
  const dates = new Set<string>();
  list.forEach((value, i) => {
    const v = value.trim();
    if (isLocalDate(v)) dates.add(v);
    else problems.add(ErrorCode.BAD_USER_INPUT, `"${value}" is not a date YYYY-MM-DD`, ['holidays', String(i)]);
  });
  return [...dates].sort();
}

/** Refuses a plan whose grace period would take years of this schedule's business hours (a near-empty week). */
function checkFits(problems: Problems, gracePeriodHours: number, schedule: BusinessSchedule, field: string, plan?: string): void {
  try {
    addBusinessHours(new Date(), gracePeriodHours, schedule, FIT_DAYS);
  } catch (error) {
    if (!(error instanceof BusinessHoursRangeError)) throw error;
    const whose = plan ? `SLA plan "${plan}"'s grace period` : 'The grace period';
    problems.add(ErrorCode.BAD_USER_INPUT, `${whose} of ${gracePeriodHours} hours takes more than ${FIT_DAYS} days of these business hours`, field);
  }
}

function checkGrace(problems: Problems, hours: number): void {
  if (!Number.isInteger(hours) || hours < GRACE_MIN || hours > GRACE_MAX) {
    problems.add(ErrorCode.BAD_USER_INPUT, `gracePeriodHours must be between ${GRACE_MIN} and ${GRACE_MAX} (a year)`, 'gracePeriodHours');
  }
}

// ---- schedules ------------------------------------------------------------------

export function createSchedule(ctx: Context, input: CreateScheduleInput): Promise<Schedule> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name');
    await checkUnique(em, problems, Schedule, 'name', name);
    const timeZone = cleanTimeZone(problems, input.timeZone);
    const hours = cleanHours(problems, input.hours);
    const holidays = cleanHolidays(problems, input.holidays ?? []);
    problems.throwIfAny();
    const schedule = em.create(Schedule, { name, timeZone, hours, holidays });
    await em.flush();
    return schedule;
  });
}

export function updateSchedule(ctx: Context, input: UpdateScheduleInput): Promise<Schedule> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const found = await lookup(em, Schedule, 'Schedule', input.scheduleId, 'scheduleId', problems);
    problems.throwIfAny();
    const s = found!;
    if (input.name != null) {
      const name = cleanName(problems, input.name, 'name');
      if (await checkUnique(em, problems, Schedule, 'name', name, s.id)) s.name = name;
    }
    if (input.timeZone != null) s.timeZone = cleanTimeZone(problems, input.timeZone);
    if (input.hours != null) s.hours = cleanHours(problems, input.hours);
    if (input.holidays != null) s.holidays = cleanHolidays(problems, input.holidays);
    // Fewer open hours must still hold every plan that counts in them.
    const field = input.hours != null ? 'hours' : input.holidays != null ? 'holidays' : input.timeZone != null ? 'timeZone' : null;
    if (field && !problems.hasAny()) {
      for (const plan of await em.find(SlaPlan, { schedule: s.id }, { orderBy: { name: 'asc' } })) {
        checkFits(problems, plan.gracePeriodHours, s, field, plan.name);
      }
    }
    problems.throwIfAny();
    await em.flush();
    return s;
  });
}

export function deleteSchedule(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const schedule = await lookup(em, Schedule, 'Schedule', id, 'id', problems);
    problems.throwIfAny();
    const plans = await em.find(SlaPlan, { schedule: schedule!.id }, { orderBy: { name: 'asc' } });
    if (plans.length) fail(ErrorCode.CONFLICT, `SLA plans still count in this schedule: ${plans.map((p) => p.name).join(', ')}`, 'id');
    em.remove(schedule!);
    await em.flush();
    return id;
  });
}

// ---- SLA plans ------------------------------------------------------------------

export function createSlaPlan(ctx: Context, input: CreateSlaPlanInput): Promise<SlaPlan> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name');
    await checkUnique(em, problems, SlaPlan, 'name', name);
    checkGrace(problems, input.gracePeriodHours);
    const schedule = input.scheduleId ? await lookup(em, Schedule, 'Schedule', input.scheduleId, 'scheduleId', problems) : null;
    if (schedule && !problems.hasAny()) checkFits(problems, input.gracePeriodHours, schedule, 'gracePeriodHours');
    problems.throwIfAny();
    const plan = em.create(SlaPlan, {
      name,
      gracePeriodHours: input.gracePeriodHours,
      schedule: schedule ? ref(schedule) : null,
      isActive: input.isActive ?? true,
    });
    await em.flush();
    return plan;
  });
}

export function updateSlaPlan(ctx: Context, input: UpdateSlaPlanInput): Promise<SlaPlan> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const found = await lookup(em, SlaPlan, 'SlaPlan', input.slaPlanId, 'slaPlanId', problems);
    problems.throwIfAny();
    const p = found!;
    if (input.name != null) {
      const name = cleanName(problems, input.name, 'name');
      if (await checkUnique(em, problems, SlaPlan, 'name', name, p.id)) p.name = name;
    }
    if (input.gracePeriodHours != null) {
      checkGrace(problems, input.gracePeriodHours);
      p.gracePeriodHours = input.gracePeriodHours;
    }
    if (input.scheduleId !== undefined) {
      const schedule = input.scheduleId ? await lookup(em, Schedule, 'Schedule', input.scheduleId, 'scheduleId', problems) : null;
      p.schedule = schedule ? ref(schedule) : null;
    }
    if (p.schedule && !problems.hasAny() && (input.gracePeriodHours != null || input.scheduleId)) {
      checkFits(problems, p.gracePeriodHours, await p.schedule.loadOrFail(), input.scheduleId ? 'scheduleId' : 'gracePeriodHours');
    }
    const isActive = input.isActive ?? p.isActive;
    const isDefault = input.isDefault === true || p.isDefault;
    if (input.isDefault === false && p.isDefault) problems.add(ErrorCode.BAD_USER_INPUT, 'Make another plan the default instead', 'isDefault');
    if (isDefault && !isActive) problems.add(ErrorCode.BAD_USER_INPUT, 'The default plan must be active', input.isActive === false ? 'isActive' : 'isDefault');
    problems.throwIfAny();
    p.isActive = isActive;
    if (input.isDefault === true && !p.isDefault) {
      await em.nativeUpdate(SlaPlan, { isDefault: true }, { isDefault: false });
      p.isDefault = true;
    }
    await em.flush();
    return p;
  });
}

export function deleteSlaPlan(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const plan = await lookup(em, SlaPlan, 'SlaPlan', id, 'id', problems);
    problems.throwIfAny();
    const p = plan!;
    if (p.isDefault) fail(ErrorCode.CONFLICT, 'The default SLA plan cannot be deleted', 'id');
    const uses = await usesOf(em, p.id);
    if (uses.length) fail(ErrorCode.CONFLICT, `The SLA plan is still used by ${uses.join(', ')}; deactivate it instead`, 'id');
    em.remove(p);
    await em.flush();
    return id;
  });
}

async function usesOf(em: EntityManager, planId: number): Promise<string[]> {
  const [departments, topics, tickets] = await Promise.all([
    em.count(Department, { slaPlan: planId }),
    em.count(HelpTopic, { slaPlan: planId }),
    em.count(Ticket, { slaPlan: planId }),
  ]);
  const count = (n: number, what: string) => (n ? [`${n} ${what}${n === 1 ? '' : 's'}`] : []);
  return [...count(departments, 'department'), ...count(topics, 'help topic'), ...count(tickets, 'ticket')];
}
