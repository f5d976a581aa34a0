import { describe, expect, it } from 'vitest';
import {
  addBusinessHours,
  BusinessHoursRangeError,
  type BusinessSchedule,
  canonicalTimeZone,
  isLocalDate,
  parseClock,
  type WeekHours,
} from '../../src/modules/sla/business-hours';

// Every expected value below is worked out by hand (the comment shows how),
// never by calling the code under test. Offsets: New York EST = UTC−5,
// EDT = UTC−4; Berlin CET = UTC+1, CEST = UTC+2; Tokyo JST = UTC+9 (no DST).
// 2027 transitions: New York springs forward Sun 14 Mar 02:00 EST → 03:00 EDT
// and falls back Sun 7 Nov 02:00 EDT → 01:00 EST; Berlin springs forward
// Sun 28 Mar 02:00 CET → 03:00 CEST and falls back Sun 31 Oct 03:00 CEST → 02:00 CET.

const nineToFive = [{ start: '09:00', end: '17:00' }];
const weekdays = (intervals: { start: string; end: string }[]): WeekHours => ({ '1': intervals, '2': intervals, '3': intervals, '4': intervals, '5': intervals });
const everyDay = (intervals: { start: string; end: string }[]): WeekHours => ({ ...weekdays(intervals), '6': intervals, '7': intervals });

const NEW_YORK: BusinessSchedule = {
  timeZone: 'America/New_York',
  hours: weekdays(nineToFive),
  // Memorial Day and Independence Day (observed) 2027
  holidays: ['2027-05-31', '2027-07-05'],
};
const BERLIN: BusinessSchedule = {
  timeZone: 'Europe/Berlin',
  hours: {
    ...weekdays([
      { start: '08:00', end: '12:00' },
      { start: '13:00', end: '17:00' },
    ]),
    '6': [{ start: '10:00', end: '14:00' }],
  },
  holidays: [],
};
const TOKYO: BusinessSchedule = { timeZone: 'Asia/Tokyo', hours: weekdays([{ start: '09:00', end: '18:00' }]), holidays: ['2027-04-29'] };

const due = (start: string, hours: number, schedule: BusinessSchedule) => addBusinessHours(new Date(start), hours, schedule).toISOString();

describe('addBusinessHours: office hours', () => {
  it('counts within one day', () => {
    // Tue 8 Jun 14:00 EDT (18:00Z) + 2 h → 16:00 EDT = 20:00Z
    expect(due('2027-06-08T18:00:00Z', 2, NEW_YORK)).toBe('2027-06-08T20:00:00.000Z');
  });

  it('skips the weekend, and a grace period that runs out at closing is due at closing', () => {
    // Fri 11 Jun 15:00 EDT (19:00Z): Fri 15–17 = 2 h (16 left); Sat, Sun closed;
    // Mon 14 Jun 9–17 = 8 h (8 left); Tue 15 Jun 9–17 = 8 h → Tue 17:00 EDT = 21:00Z
    expect(due('2027-06-11T19:00:00Z', 18, NEW_YORK)).toBe('2027-06-15T21:00:00.000Z');
  });

  it('starts a ticket opened on a closed day at the next opening', () => {
    // Sat 12 Jun 11:00 EDT (15:00Z): closed → Mon 14 Jun 09:00 EDT + 1 h = 10:00 EDT = 14:00Z
    expect(due('2027-06-12T15:00:00Z', 1, NEW_YORK)).toBe('2027-06-14T14:00:00.000Z');
  });

  it('starts before opening at the opening, and after closing at the next day’s opening (local date, not UTC date)', () => {
    // Tue 8 Jun 06:30 EDT (10:30Z): opens 09:00 EDT + 3 h = 12:00 EDT = 16:00Z
    expect(due('2027-06-08T10:30:00Z', 3, NEW_YORK)).toBe('2027-06-08T16:00:00.000Z');
    // 2027-06-09T02:00Z is still Tue 8 Jun 22:00 EDT: closed → Wed 9 Jun 09:00 EDT + 1 h = 10:00 EDT = 14:00Z
    expect(due('2027-06-09T02:00:00Z', 1, NEW_YORK)).toBe('2027-06-09T14:00:00.000Z');
    // exactly at closing (Tue 17:00 EDT = 21:00Z) → Wed 09:00 EDT + 2 h = 11:00 EDT = 15:00Z
    expect(due('2027-06-08T21:00:00Z', 2, NEW_YORK)).toBe('2027-06-09T15:00:00.000Z');
  });

  it('with zero hours, is the start when open and the next opening when closed', () => {
    // Tue 14:00 EDT (18:00Z) is open; Sat 11:00 EDT → Mon 14 Jun 09:00 EDT = 13:00Z
    expect(due('2027-06-08T18:00:00Z', 0, NEW_YORK)).toBe('2027-06-08T18:00:00.000Z');
    expect(due('2027-06-12T15:00:00Z', 0, NEW_YORK)).toBe('2027-06-14T13:00:00.000Z');
  });

  it('skips the lunch break of a split day', () => {
    // Berlin Tue 8 Jun 11:00 CEST (09:00Z): 11–12 = 1 h (1 left); 13:00 + 1 h = 14:00 CEST = 12:00Z
    expect(due('2027-06-08T09:00:00Z', 2, BERLIN)).toBe('2027-06-08T12:00:00.000Z');
    // Sat 12 Jun 09:00 CEST (07:00Z): Sat 10–14 = 4 h (2 left); Sun closed; Mon 14 Jun 08:00 + 2 h = 10:00 CEST = 08:00Z
    expect(due('2027-06-12T07:00:00Z', 6, BERLIN)).toBe('2027-06-14T08:00:00.000Z');
  });
});

describe('addBusinessHours: holidays', () => {
  it('skips a holiday', () => {
    // Fri 28 May 16:00 EDT (20:00Z): Fri 16–17 = 1 h (3 left); Sat, Sun closed; Mon 31 May Memorial Day;
    // Tue 1 Jun 09:00 + 3 h = 12:00 EDT = 16:00Z
    expect(due('2027-05-28T20:00:00Z', 4, NEW_YORK)).toBe('2027-06-01T16:00:00.000Z');
  });

  it('treats a holiday as a local date of the schedule’s zone', () => {
    // Tokyo holiday Thu 29 Apr 2027 runs 2027-04-28T15:00Z – 2027-04-29T15:00Z.
    // Wed 28 Apr 17:00 JST (08:00Z): Wed 17–18 = 1 h (2 left); Thu holiday; Fri 30 Apr 09:00 + 2 h = 11:00 JST = 02:00Z
    expect(due('2027-04-28T08:00:00Z', 3, TOKYO)).toBe('2027-04-30T02:00:00.000Z');
    // Without the holiday: Thu 29 Apr 09:00 + 2 h = 11:00 JST = 02:00Z on the 29th
    expect(due('2027-04-28T08:00:00Z', 3, { ...TOKYO, holidays: [] })).toBe('2027-04-29T02:00:00.000Z');
  });

  it('starts a ticket opened on a holiday at the next working day', () => {
    // Mon 5 Jul 10:00 EDT (14:00Z) is Independence Day (observed) → Tue 6 Jul 09:00 + 1 h = 10:00 EDT = 14:00Z
    expect(due('2027-07-05T14:00:00Z', 1, NEW_YORK)).toBe('2027-07-06T14:00:00.000Z');
  });
});

describe('addBusinessHours: time zones', () => {
  it('reads the same instant in each schedule’s own zone', () => {
    const start = '2027-06-08T12:00:00Z';
    // New York: Tue 08:00 EDT, before opening → 09:00 + 4 h = 13:00 EDT = 17:00Z
    expect(due(start, 4, NEW_YORK)).toBe('2027-06-08T17:00:00.000Z');
    // Tokyo: Tue 21:00 JST, after closing → Wed 9 Jun 09:00 + 4 h = 13:00 JST = 04:00Z
    expect(due(start, 4, TOKYO)).toBe('2027-06-09T04:00:00.000Z');
    // Berlin: Tue 14:00 CEST, in 13–17 → 3 h (1 left); Wed 9 Jun 08:00 + 1 h = 09:00 CEST = 07:00Z
    expect(due(start, 4, BERLIN)).toBe('2027-06-09T07:00:00.000Z');
  });
});

describe('addBusinessHours: DST', () => {
  it('keeps office hours on local time across the spring change (New York)', () => {
    // Fri 12 Mar 15:00 EST (20:00Z): Fri 15–17 = 2 h (16 left); weekend (clocks change Sunday);
    // Mon 15 Mar 9–17 EDT = 8 h (8 left); Tue 16 Mar 9–17 → 17:00 EDT = 21:00Z (naively +5 h would say 22:00Z)
    expect(due('2027-03-12T20:00:00Z', 18, NEW_YORK)).toBe('2027-03-16T21:00:00.000Z');
  });

  it('keeps office hours on local time across the autumn change (New York)', () => {
    // Fri 5 Nov 15:00 EDT (19:00Z): Fri 15–17 = 2 h (8 left); weekend (clocks change Sunday);
    // Mon 8 Nov 9–17 EST → 17:00 EST = 22:00Z
    expect(due('2027-11-05T19:00:00Z', 10, NEW_YORK)).toBe('2027-11-08T22:00:00.000Z');
  });

  it('keeps office hours on local time across the spring change (Berlin)', () => {
    // Fri 26 Mar 16:00 CET (15:00Z): Fri 16–17 = 1 h (9 left); Sat 27 Mar 10–14 CET = 4 h (5 left);
    // Sun closed (clocks change); Mon 29 Mar 08–12 CEST = 4 h (1 left); 13:00 + 1 h = 14:00 CEST = 12:00Z
    expect(due('2027-03-26T15:00:00Z', 10, BERLIN)).toBe('2027-03-29T12:00:00.000Z');
  });

  it('does not count the skipped hour of a night shift (New York, spring)', () => {
    const sundayNight: BusinessSchedule = { timeZone: 'America/New_York', hours: { '7': [{ start: '00:00', end: '04:00' }] }, holidays: [] };
    // Sun 14 Mar: 00:00 EST = 05:00Z to 04:00 EDT = 08:00Z: 3 real hours (02:00–03:00 never happens)
    expect(due('2027-03-13T12:00:00Z', 3, sundayNight)).toBe('2027-03-14T08:00:00.000Z');
    // 4 h: 3 h that night (1 left); Sun 21 Mar 00:00 EDT = 04:00Z + 1 h = 05:00Z
    expect(due('2027-03-13T12:00:00Z', 4, sundayNight)).toBe('2027-03-21T05:00:00.000Z');
  });

  it('opens at the jump when the opening time does not exist (New York, spring)', () => {
    const late: BusinessSchedule = { timeZone: 'America/New_York', hours: { '7': [{ start: '02:30', end: '04:00' }] }, holidays: [] };
    // Sun 14 Mar 02:30 does not exist: the clock jumps 02:00 EST → 03:00 EDT at 07:00Z, which is when it opens;
    // closes 04:00 EDT = 08:00Z: 1 h
    expect(due('2027-03-13T12:00:00Z', 1, late)).toBe('2027-03-14T08:00:00.000Z');
    // 2 h: 1 h that night (1 left); Sun 21 Mar 02:30 EDT = 06:30Z + 1 h = 07:30Z
    expect(due('2027-03-13T12:00:00Z', 2, late)).toBe('2027-03-21T07:30:00.000Z');
  });

  it('counts the repeated hour of a night shift in full (New York, autumn)', () => {
    const sundayNight: BusinessSchedule = { timeZone: 'America/New_York', hours: { '7': [{ start: '00:00', end: '03:00' }] }, holidays: [] };
    // Sun 7 Nov: 00:00 EDT = 04:00Z to 03:00 EST = 08:00Z: 4 real hours (01:00–02:00 happens twice)
    expect(due('2027-11-06T12:00:00Z', 4, sundayNight)).toBe('2027-11-07T08:00:00.000Z');
    // 3 h: 04:00Z + 3 h = 07:00Z (= 02:00 EST, the clock's second pass)
    expect(due('2027-11-06T12:00:00Z', 3, sundayNight)).toBe('2027-11-07T07:00:00.000Z');
  });

  it('places a boundary inside the repeated hour at its first occurrence (New York, autumn)', () => {
    const halfHour: BusinessSchedule = { timeZone: 'America/New_York', hours: { '7': [{ start: '01:00', end: '01:30' }] }, holidays: [] };
    // Sun 7 Nov: 01:00–01:30 EDT = 05:00Z–05:30Z, once (0.5 h, 0.5 left);
    // Sun 14 Nov 01:00 EST = 06:00Z + 0.5 h = 06:30Z
    expect(due('2027-11-06T12:00:00Z', 1, halfHour)).toBe('2027-11-14T06:30:00.000Z');
  });

  it('handles zones whose clocks change at midnight (Santiago skips 00:00, Havana repeats it)', () => {
    // Santiago, Sun 5 Sep 2027: at 04:00Z the clock jumps Sat 23:59:59 (UTC−4) → Sun 01:00 (UTC−3).
    // "00:00–02:00" opens at the jump (04:00Z) and closes 02:00 UTC−3 = 05:00Z: 1 h
    const santiago: BusinessSchedule = { timeZone: 'America/Santiago', hours: { '7': [{ start: '00:00', end: '02:00' }] }, holidays: [] };
    expect(due('2027-09-04T12:00:00Z', 1, santiago)).toBe('2027-09-05T05:00:00.000Z');
    // Havana, Sun 7 Nov 2027: 00:00 UTC−4 is 04:00Z; at 05:00Z (01:00 UTC−4) the clock falls back to 00:00 UTC−5.
    // "00:00–00:30" is its first occurrence: 04:00Z–04:30Z
    const havana: BusinessSchedule = { timeZone: 'America/Havana', hours: { '7': [{ start: '00:00', end: '00:30' }] }, holidays: [] };
    expect(due('2027-11-06T12:00:00Z', 0.5, havana)).toBe('2027-11-07T04:30:00.000Z');
  });

  it('makes an always-open schedule plain elapsed time, over the 23- and 25-hour days (Berlin)', () => {
    const always: BusinessSchedule = { timeZone: 'Europe/Berlin', hours: everyDay([{ start: '00:00', end: '24:00' }]), holidays: [] };
    // Sun 28 Mar 00:00 CET = Sat 27 Mar 23:00Z, + 24 h = Sun 28 Mar 23:00Z (= Mon 01:00 CEST: that Sunday had 23 hours)
    expect(due('2027-03-27T23:00:00Z', 24, always)).toBe('2027-03-28T23:00:00.000Z');
    // Sun 31 Oct 00:00 CEST = Sat 30 Oct 22:00Z, + 25 h = Sun 31 Oct 23:00Z (= Mon 00:00 CET: that Sunday had 25 hours)
    expect(due('2027-10-30T22:00:00Z', 25, always)).toBe('2027-10-31T23:00:00.000Z');
    // a year of 8760 h from 1 Jan 2027 00:00Z: 2027 has 365 days → 1 Jan 2028 00:00Z
    expect(due('2027-01-01T00:00:00Z', 8760, always)).toBe('2028-01-01T00:00:00.000Z');
  });
});

describe('addBusinessHours: limits', () => {
  it('gives up (instead of spinning) when the schedule has almost no open time', () => {
    const tiny: BusinessSchedule = { timeZone: 'UTC', hours: { '6': [{ start: '10:00', end: '11:00' }] }, holidays: [] };
    // 8760 h at 1 h a week is 168 years
    expect(() => addBusinessHours(new Date('2027-01-01T00:00:00Z'), 8760, tiny)).toThrow(BusinessHoursRangeError);
    // but 3 h is three Saturdays: 2, 9 and 16 Jan 2027 → 16 Jan 11:00Z
    expect(due('2027-01-01T00:00:00Z', 3, tiny)).toBe('2027-01-16T11:00:00.000Z');
  });

  it('refuses negative hours', () => {
    expect(() => addBusinessHours(new Date('2027-01-01T00:00:00Z'), -1, NEW_YORK)).toThrow(RangeError);
  });
});

describe('schedule validation helpers', () => {
  it('parses HH:MM clock times, 24:00 only as an end', () => {
    expect(parseClock('09:00')).toBe(540);
    expect(parseClock('23:59')).toBe(1439);
    expect(parseClock('24:00')).toBeNull();
    expect(parseClock('24:00', true)).toBe(1440);
    for (const bad of ['9:00', '09:0', '24:01', '12:60', '0900', ' 09:00', '']) expect(parseClock(bad, true), bad).toBeNull();
  });

  it('accepts IANA zone names Intl knows, correcting the letter case', () => {
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    // an alias is kept as written
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    for (const bad of ['Mars/Phobos', 'Europe/Berlinn', '', '+05:00', 'America/New York', 'x'.repeat(65)]) expect(canonicalTimeZone(bad), bad).toBeNull();
  });

  it('accepts real YYYY-MM-DD dates only', () => {
    expect(isLocalDate('2027-12-25')).toBe(true);
    expect(isLocalDate('2028-02-29')).toBe(true);
    for (const bad of ['2027-02-29', '2027-13-01', '2027-00-10', '2027-1-5', '25/12/2027', '2027-12-25T00:00:00Z', '']) expect(isLocalDate(bad), bad).toBe(false);
  });
});
