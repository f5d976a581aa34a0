import { Field, ID, InputType, Int } from 'type-graphql';
import { Weekday } from './sla.type';

@InputType()
export class TimeIntervalInput {
  @Field(() => String, { description: 'Local time "HH:MM", 00:00 to 23:59.' })
  start!: string;

  @Field(() => String, { description: 'Local time "HH:MM" after `start`, up to "24:00" (midnight at the end of the day). Split a night shift at midnight.' })
  end!: string;
}

@InputType()
export class ScheduleDayInput {
  @Field(() => Weekday)
  weekday!: Weekday;

  @Field(() => [TimeIntervalInput], { description: 'Not overlapping (they may touch); empty means closed.' })
  intervals!: TimeIntervalInput[];
}

@InputType()
export class CreateScheduleInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'IANA time zone name, such as `America/New_York`.' })
  timeZone!: string;

  @Field(() => [ScheduleDayInput], { description: 'The open days; a weekday not listed is closed. At least one interval in the week.' })
  hours!: ScheduleDayInput[];

  @Field(() => [String], { nullable: true, description: 'Local dates (YYYY-MM-DD) closed all day.' })
  holidays?: string[] | null;
}

@InputType({ description: 'Changes apply to due dates computed from now on; existing due dates stay.' })
export class UpdateScheduleInput {
  @Field(() => ID)
  scheduleId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  timeZone?: string | null;

  @Field(() => [ScheduleDayInput], { nullable: true, description: 'Replaces the whole week.' })
  hours?: ScheduleDayInput[] | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the holidays.' })
  holidays?: string[] | null;
}

@InputType()
export class CreateSlaPlanInput {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: '1 to 8760 (a year).' })
  gracePeriodHours!: number;

  @Field(() => ID, { nullable: true, description: 'Count the grace period in these business hours; around the clock when omitted.' })
  scheduleId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'True when omitted.' })
  isActive?: boolean | null;
}

@InputType({ description: 'Changes apply to due dates computed from now on; existing due dates stay.' })
export class UpdateSlaPlanInput {
  @Field(() => ID)
  slaPlanId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Int, { nullable: true })
  gracePeriodHours?: number | null;

  @Field(() => ID, { nullable: true, description: 'Null counts around the clock.' })
  scheduleId?: string | null;

  @Field(() => Boolean, { nullable: true })
  isActive?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'True makes this the default plan.' })
  isDefault?: boolean | null;
}
