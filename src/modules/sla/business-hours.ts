/**
 * Business hours (SPEC §6): a grace period counted only while the desk is
 * open, in the schedule's own time zone, skipping closed days and holidays.
 * Pure: no I/O, no clock; Intl.DateTimeFormat supplies the zone's rules.
 * (Not luxon: it reads the same Intl data, shifts a time inside a
 * spring-forward gap forward by the gap where this file takes the moment of the
 * jump, and does not tell a repeated time from a plain one — moment/luxon
 * #1018 — so `instantOf` below would stay; the per-second offset cache keeps
 * intake's due dates cheap.)
 *
 * What counts, exactly:
 * - Business time is real elapsed time inside open intervals. Each interval
 *   is a pair of local wall-clock times on a local date, turned into two
 *   instants; the desk is open between them.
 * - A start outside business hours (closed day, holiday, before opening,
 *   after closing) begins at the next opening. A grace period that runs out
 *   exactly at a closing time is due at that closing time, not at the next
 *   opening.
 * - DST. A local time is placed at the earliest instant at which the zone's
 *   clock reads that time or later:
 *   - a time that does not exist (skipped when clocks spring forward, e.g.
 *     02:30 on 14 March 2027 in New York) becomes the moment of the jump
 *     (03:00 EDT): skipped wall-clock time is simply never open, so
 *     "00:00–04:00" that night is 3 real hours;
 *   - a time that occurs twice (clocks fall back) is its first occurrence:
 *     "00:00–03:00" on 7 November 2027 in New York is 4 real hours (the
 *     repeated hour is open, and counted in full), and an interval inside
 *     the repeated hour ("01:00–01:30") is open once, the first time.
 *   Ordinary office hours never meet a transition (they happen at night), so
 *   for them this only means "09:00 is 09:00 local on either side of it".
 * - Holidays are local dates of the schedule's zone: closed all day.
 *
 * Assumes what holds for every zone in the tz database in use: an offset
 * changes at most once within any 24 hours and by less than a day.
 */

/** Local wall-clock times "HH:MM"; `end` may be "24:00" (the end of the day). */
export interface TimeInterval {
  start: string;
  end: string;
}

/** ISO weekday, "1" (Monday) to "7" (Sunday). */
export type IsoWeekday = '1' | '2' | '3' | '4' | '5' | '6' | '7';
export const ISO_WEEKDAYS: readonly IsoWeekday[] = ['1', '2', '3', '4', '5', '6', '7'];

/** Open intervals per ISO weekday, sorted and not overlapping; a missing or empty day is closed. */
export type WeekHours = Partial<Record<IsoWeekday, TimeInterval[]>>;

export interface BusinessSchedule {
  /** An IANA time zone name. */
  timeZone: string;
  hours: WeekHours;
  /** Local dates (YYYY-MM-DD) on which the desk is closed all day. */
  holidays: readonly string[];
}

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** How far (in local days) a due date may lie from its start before the computation gives up. */
export const MAX_SPAN_DAYS = 3_660;

/** The schedule has too little open time to place the due date within `MAX_SPAN_DAYS`. */
export class BusinessHoursRangeError extends RangeError {
  constructor(days: number) {
    super(`The grace period does not fit in the schedule's business hours within ${days} days`);
    this.name = 'BusinessHoursRangeError';
  }
}

// ---- validation (used when a schedule is saved) ---------------------------------

const CLOCK = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** Minutes after local midnight of "HH:MM" (00:00–23:59, or 24:00 when `endOfDay`); null when malformed. */
export function parseClock(value: string, endOfDay = false): number | null {
  if (endOfDay && value === '24:00') return 1_440;
  const m = CLOCK.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/**
 * The name to store for a time zone, or null when Intl does not know it. The
 * letter case is corrected ("europe/berlin" → "Europe/Berlin"); aliases are
 * kept as given (ICU would turn "Asia/Kolkata" into "Asia/Calcutta").
 */
export function canonicalTimeZone(name: string): string | null {
  const v = name.trim();
  if (v.length === 0 || v.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(v)) return null;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === v.toLowerCase() ? resolved : v;
  } catch {
    return null;
  }
}

/** Whether a string is a real calendar date written YYYY-MM-DD. */
export function isLocalDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(plainDate(y, mo, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

// ---- the zone's clock --------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Milliseconds since the epoch of a UTC date-time (any year, unlike Date.UTC's 0–99 quirk). */
function plainDate(y: number, month: number, d: number, h = 0, mi = 0, s = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, month - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

/**
 * One zone's clock. Local wall-clock times are written as epoch milliseconds
 * "as if UTC" (local midnight of 2027-03-14 is Date.UTC(2027, 2, 14)), so
 * `wall - offset = instant`.
 */
class ZoneClock {
  private readonly offsets = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    this.format = formatter(timeZone);
  }

  /** The zone's UTC offset (ms) at an instant. */
  offsetAt(instant: number): number {
    const s = Math.floor(instant / SECOND) * SECOND;
    let offset = this.offsets.get(s);
    if (offset === undefined) {
      const p: Record<string, number> = {};
      for (const part of this.format.formatToParts(s)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      offset = plainDate(p.year!, p.month!, p.day!, p.hour, p.minute, p.second) - s;
      this.offsets.set(s, offset);
    }
    return offset;
  }

  /** The local wall-clock time at an instant. */
  wallAt(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /**
   * The earliest instant at which the clock reads `wall` or later: the first
   * occurrence of a repeated time, the moment of the jump for a skipped one.
   */
  instantOf(wall: number): number {
    // Whatever instant shows `wall` lies within a day of it; sample the offsets in effect there.
    const offsets = [...new Set([this.offsetAt(wall - DAY), this.offsetAt(wall), this.offsetAt(wall + DAY)])];
    let earliest: number | null = null;
    for (const o of offsets) {
      const u = wall - o;
      if (this.offsetAt(u) === o && (earliest === null || u < earliest)) earliest = u;
    }
    if (earliest !== null) return earliest;
    // Skipped by a forward jump: find the jump (second precision) between an instant showing
    // an earlier time and one showing a later time.
    let lo = wall - Math.max(...offsets);
    let hi = wall - Math.min(...offsets);
    while (hi - lo > SECOND) {
      const mid = Math.floor((lo + hi) / 2 / SECOND) * SECOND;
      if (mid <= lo) break;
      if (this.wallAt(mid) >= wall) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /**
   * Maps minutes after local midnight of the local date `midnight` (0–1440)
   * to instants. When the offset holds for the whole day and the days either
   * side (no transition can move another instant onto this date's times), it
   * is plain arithmetic; otherwise each time goes through `instantOf`.
   */
  day(midnight: number, guess: number): { offset: number; at: (minutes: number) => number } {
    let o = guess;
    if (this.offsetAt(midnight - o) !== o) o = this.offsetAt(midnight - this.offsetAt(midnight));
    const steady = [-DAY, 0, DAY, 2 * DAY].every((k) => this.offsetAt(midnight + k - o) === o);
    if (steady) return { offset: o, at: (minutes) => midnight + minutes * MINUTE - o };
    return { offset: this.offsetAt(midnight + DAY - o), at: (minutes) => this.instantOf(midnight + minutes * MINUTE) };
  }
}

// ---- the computation --------------------------------------------------------------

/** Open intervals in minutes, index 0 = Monday. */
function compileWeek(hours: WeekHours): [number, number][][] {
  return ISO_WEEKDAYS.map((day) =>
    (hours[day] ?? []).map(({ start, end }): [number, number] => {
      const a = parseClock(start);
      const b = parseClock(end, true);
      if (a === null || b === null || a >= b) throw new RangeError(`Invalid business hours interval ${start}–${end}`);
      return [a, b];
    }),
  );
}

/**
 * The instant `hours` of business time after `start` (SPEC §6: creation or
 * reopen time plus the grace period in business hours). See the module
 * comment for how time zones, DST, closed days and holidays count.
 *
 * Throws BusinessHoursRangeError when the result lies more than `maxDays`
 * local days after `start` (a schedule with almost no open time).
 */
export function addBusinessHours(start: Date, hours: number, schedule: BusinessSchedule, maxDays = MAX_SPAN_DAYS): Date {
  if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`hours must be a finite number ≥ 0, got ${hours}`);
  const clock = new ZoneClock(schedule.timeZone);
  const week = compileWeek(schedule.hours);
  const holidays = new Set(schedule.holidays);
  let remaining = Math.round(hours * HOUR);
  let cursor = start.getTime();
  let offset = clock.offsetAt(cursor);
  // From the local date before the start's: its intervals end on the start's date at the latest.
  let midnight = Math.floor(clock.wallAt(cursor) / DAY) * DAY - DAY;
  for (let i = 0; i <= maxDays + 1; i++, midnight += DAY) {
    const date = new Date(midnight);
    const intervals = holidays.has(date.toISOString().slice(0, 10)) ? [] : week[(date.getUTCDay() + 6) % 7]!;
    if (intervals.length === 0) continue;
    const day = clock.day(midnight, offset);
    offset = day.offset;
    for (const [a, b] of intervals) {
      const closes = day.at(b);
      if (closes <= cursor) continue;
      const from = Math.max(day.at(a), cursor);
      if (closes - from >= remaining) return new Date(from + remaining);
      remaining -= closes - from;
      cursor = closes;
    }
  }
  throw new BusinessHoursRangeError(maxDays);
}
