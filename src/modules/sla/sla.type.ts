import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { NodeInterface } from '../../common/node';
import type { IsoWeekday } from './business-hours';

@ObjectType('SlaPlan', { implements: NodeInterface, description: 'How long the desk has to answer a ticket.' })
export class SlaPlanType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => Int, {
    description: "Hours from creation (or reopening) until the ticket is due: business hours of the plan's schedule when it has one, otherwise around the clock.",
  })
  gracePeriodHours!: number;

  @Field(() => Boolean, { description: 'An inactive plan gives its tickets no due date.' })
  isActive!: boolean;

  @Field(() => Boolean, { description: 'Applies when nothing else sets a plan.' })
  isDefault!: boolean;
}

export enum Weekday {
  MONDAY = 'MONDAY',
  TUESDAY = 'TUESDAY',
  WEDNESDAY = 'WEDNESDAY',
  THURSDAY = 'THURSDAY',
  FRIDAY = 'FRIDAY',
  SATURDAY = 'SATURDAY',
  SUNDAY = 'SUNDAY',
}

registerEnumType(Weekday, {
  name: 'Weekday',
  description: 'A day of the week, Monday first (ISO 8601).',
  valuesConfig: {
    MONDAY: { description: 'ISO weekday 1.' },
    TUESDAY: { description: 'ISO weekday 2.' },
    WEDNESDAY: { description: 'ISO weekday 3.' },
    THURSDAY: { description: 'ISO weekday 4.' },
    FRIDAY: { description: 'ISO weekday 5.' },
    SATURDAY: { description: 'ISO weekday 6.' },
    SUNDAY: { description: 'ISO weekday 7.' },
  },
});

/** ISO weekday of each Weekday, and back. */
export const ISO_WEEKDAY: Record<Weekday, IsoWeekday> = {
  MONDAY: '1',
  TUESDAY: '2',
  WEDNESDAY: '3',
  THURSDAY: '4',
  FRIDAY: '5',
  SATURDAY: '6',
  SUNDAY: '7',
};
export const WEEKDAYS = Object.keys(ISO_WEEKDAY) as Weekday[];

@ObjectType('TimeInterval', {
  description: 'Open from `start` to `end`: local wall-clock times "HH:MM" of the schedule\'s time zone; `end` may be "24:00".',
})
export class TimeIntervalType {
  @Field(() => String)
  start!: string;

  @Field(() => String)
  end!: string;
}

@ObjectType('ScheduleDay', { description: 'The open intervals of one weekday; none means closed all day.' })
export class ScheduleDayType {
  @Field(() => Weekday)
  weekday!: Weekday;

  @Field(() => [TimeIntervalType], { description: 'Sorted, not overlapping.' })
  intervals!: TimeIntervalType[];
}

@ObjectType('Schedule', {
  implements: NodeInterface,
  description:
    'When the desk is open: weekly business hours and holidays in a time zone. An SLA plan with a schedule counts its grace period in these hours only.',
})
export class ScheduleType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'IANA time zone name, such as `Europe/Berlin`; hours and holidays are local to it.' })
  timeZone!: string;

  @Field(() => [String], { description: 'Local dates (YYYY-MM-DD), in order, on which the desk is closed all day.' })
  holidays!: string[];
}
