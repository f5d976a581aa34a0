import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import type { WeekHours } from './business-hours';

/** When the desk is open: weekly hours in a time zone, and holidays (SPEC §6). SLA plans count their grace period in it. */
@Entity({ tableName: 'schedule' })
export class Schedule {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120, unique: true })
  name!: string;

  /** An IANA time zone name; hours and holidays are local to it. */
  @Property({ type: 'string', length: 64 })
  timeZone!: string;

  /** ISO weekday ("1" = Monday … "7" = Sunday) → open intervals {start, end} ("HH:MM", end may be "24:00"), sorted, not overlapping. */
  @Property({ type: 'json' })
  hours: WeekHours & Opt = {};

  /** Local dates (YYYY-MM-DD), sorted, on which the desk is closed all day. */
  @Property({ type: 'json' })
  holidays: string[] & Opt = [];

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
