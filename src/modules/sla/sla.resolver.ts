import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import type { Context } from '../../common/context';
import { payload } from '../../common/errors';
import { related, type ReadOf, type MaybePromise } from '../../common/loaders';
import { registerNode } from '../../common/node';
import { DeletePayload, payloadType } from '../../common/payloads';
import { DeleteInput } from '../directory/directory.inputs';
import { Schedule } from './schedule.entity';
import { CreateScheduleInput, CreateSlaPlanInput, UpdateScheduleInput, UpdateSlaPlanInput } from './sla.inputs';
import * as sla from './sla.service';
import { SlaPlan } from './sla-plan.entity';
import { ISO_WEEKDAY, ScheduleDayType, ScheduleType, SlaPlanType, WEEKDAYS } from './sla.type';

const isAgent = (ctx: Context) => ctx.viewer?.kind === 'agent';

registerNode({ typeName: 'SlaPlan', entity: SlaPlan, load: async (ctx, id) => (isAgent(ctx) ? ctx.em.findOne(SlaPlan, id) : null) });
// Agents read a plan's schedule (it explains their due dates); listing and editing schedules is for admins.
registerNode({ typeName: 'Schedule', entity: Schedule, load: async (ctx, id) => (isAgent(ctx) ? ctx.em.findOne(Schedule, id) : null) });

const CreateSchedulePayload = payloadType('CreateSchedulePayload', 'schedule', ScheduleType);
const UpdateSchedulePayload = payloadType('UpdateSchedulePayload', 'schedule', ScheduleType);
const CreateSlaPlanPayload = payloadType('CreateSlaPlanPayload', 'slaPlan', SlaPlanType);
const UpdateSlaPlanPayload = payloadType('UpdateSlaPlanPayload', 'slaPlan', SlaPlanType);

type Result = Promise<object>;
const deleted = (work: Promise<string>) => payload(async () => ({ deletedId: await work }));

@Resolver()
export class SlaResolver {
  @Query(() => [SlaPlanType], { description: 'Every SLA plan, by name.' })
  @Access('agent')
  slaPlans(@Ctx() ctx: Context): Promise<SlaPlan[]> {
    return ctx.em.find(SlaPlan, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Query(() => [ScheduleType], { description: 'Every business-hours schedule, by name.' })
  @Access('admin')
  schedules(@Ctx() ctx: Context): Promise<Schedule[]> {
    return ctx.em.find(Schedule, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Mutation(() => CreateSchedulePayload)
  @Access('admin')
  createSchedule(@Arg('input', () => CreateScheduleInput) input: CreateScheduleInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ schedule: await sla.createSchedule(ctx, input) }));
  }

  @Mutation(() => UpdateSchedulePayload, { description: "Refused when a plan's grace period would no longer fit in the hours." })
  @Access('admin')
  updateSchedule(@Arg('input', () => UpdateScheduleInput) input: UpdateScheduleInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ schedule: await sla.updateSchedule(ctx, input) }));
  }

  @Mutation(() => DeletePayload, { description: 'CONFLICT while an SLA plan counts in it.' })
  @Access('admin')
  deleteSchedule(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return deleted(sla.deleteSchedule(ctx, input.id));
  }

  @Mutation(() => CreateSlaPlanPayload)
  @Access('admin')
  createSlaPlan(@Arg('input', () => CreateSlaPlanInput) input: CreateSlaPlanInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ slaPlan: await sla.createSlaPlan(ctx, input) }));
  }

  @Mutation(() => UpdateSlaPlanPayload)
  @Access('admin')
  updateSlaPlan(@Arg('input', () => UpdateSlaPlanInput) input: UpdateSlaPlanInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ slaPlan: await sla.updateSlaPlan(ctx, input) }));
  }

  @Mutation(() => DeletePayload, { description: 'CONFLICT for the default plan, or one still used by departments, help topics or tickets (deactivate it instead).' })
  @Access('admin')
  deleteSlaPlan(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return deleted(sla.deleteSlaPlan(ctx, input.id));
  }
}

@Resolver(() => SlaPlanType)
export class SlaPlanFieldsResolver {
  @FieldResolver(() => ScheduleType, { nullable: true, description: 'The business hours the grace period counts in; null counts around the clock.' })
  schedule(@Root() plan: ReadOf<SlaPlan>, @Ctx() ctx: Context): MaybePromise<ReadOf<Schedule> | null> {
    return related(ctx, Schedule, plan.schedule);
  }
}

@Resolver(() => ScheduleType)
export class ScheduleFieldsResolver {
  @FieldResolver(() => [ScheduleDayType], { description: 'Monday to Sunday, every day listed (a closed day has no intervals).' })
  hours(@Root() schedule: ReadOf<Schedule>): ScheduleDayType[] {
    return WEEKDAYS.map((weekday) => ({
      weekday,
      intervals: (schedule.hours[ISO_WEEKDAY[weekday]] ?? []).map(({ start, end }) => ({ start, end })),
    }));
  }
}
