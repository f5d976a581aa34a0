import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import type { Context } from '../../common/context';
import { payload, topLevelError } from '../../common/errors';
import { related, type ReadOf, type MaybePromise } from '../../common/loaders';
import { DeletePayload, payloadType } from '../../common/payloads';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { DeleteInput } from '../directory/directory.inputs';
import { AgentType, DepartmentType, TeamType } from '../directory/directory.type';
import { Team } from '../directory/team.entity';
import { SlaPlanType } from '../sla/sla.type';
import { SlaPlan } from '../sla/sla-plan.entity';
import type { HelpTopic } from './help-topic.entity';
import { CreateHelpTopicInput, UpdateHelpTopicInput } from './help-topic.inputs';
import * as topics from './help-topic.service';
import { Priority } from './priority.entity';
import { PriorityType } from './reference.type';
import { HelpTopicType } from './ticket.type';

const CreateHelpTopicPayload = payloadType('CreateHelpTopicPayload', 'helpTopic', HelpTopicType);
const UpdateHelpTopicPayload = payloadType('UpdateHelpTopicPayload', 'helpTopic', HelpTopicType);

type Result = Promise<object>;

@Resolver()
export class HelpTopicAdminResolver {
  @Mutation(() => CreateHelpTopicPayload)
  @Access('admin')
  createHelpTopic(@Arg('input', () => CreateHelpTopicInput) input: CreateHelpTopicInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ helpTopic: await topics.createHelpTopic(ctx, input) }));
  }

  @Mutation(() => UpdateHelpTopicPayload)
  @Access('admin')
  updateHelpTopic(@Arg('input', () => UpdateHelpTopicInput) input: UpdateHelpTopicInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ helpTopic: await topics.updateHelpTopic(ctx, input) }));
  }

  @Mutation(() => DeletePayload, { description: 'CONFLICT while tickets use it (deactivate it instead).' })
  @Access('admin')
  deleteHelpTopic(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ deletedId: await topics.deleteHelpTopic(ctx, input.id) }));
  }
}

/** How the desk routes a topic's tickets is for agents: null with a FORBIDDEN error at the path for anyone else. */
function agentsOnly(ctx: Context): void {
  if (ctx.viewer?.kind !== 'agent') throw topLevelError('FORBIDDEN', 'Only agents may read this field');
}

@Resolver(() => HelpTopicType)
export class HelpTopicResolver {
  @FieldResolver(() => DepartmentType, { nullable: true })
  department(@Root() h: ReadOf<HelpTopic>, @Ctx() ctx: Context): MaybePromise<ReadOf<Department> | null> {
    return related(ctx, Department, h.department);
  }

  @FieldResolver(() => PriorityType, { nullable: true, description: "Priority of the topic's new tickets (agents only)." })
  priority(@Root() h: ReadOf<HelpTopic>, @Ctx() ctx: Context): MaybePromise<ReadOf<Priority> | null> {
    agentsOnly(ctx);
    return related(ctx, Priority, h.priority);
  }

  @FieldResolver(() => SlaPlanType, { nullable: true, description: "SLA plan of the topic's new tickets (agents only)." })
  slaPlan(@Root() h: ReadOf<HelpTopic>, @Ctx() ctx: Context): MaybePromise<ReadOf<SlaPlan> | null> {
    agentsOnly(ctx);
    return related(ctx, SlaPlan, h.slaPlan);
  }

  @FieldResolver(() => AgentType, { nullable: true, description: "Agent the topic's new tickets are assigned to (agents only)." })
  assignAgent(@Root() h: ReadOf<HelpTopic>, @Ctx() ctx: Context): MaybePromise<ReadOf<Agent> | null> {
    agentsOnly(ctx);
    return related(ctx, Agent, h.assignAgent);
  }

  @FieldResolver(() => TeamType, { nullable: true, description: "Team the topic's new tickets are assigned to (agents only)." })
  assignTeam(@Root() h: ReadOf<HelpTopic>, @Ctx() ctx: Context): MaybePromise<ReadOf<Team> | null> {
    agentsOnly(ctx);
    return related(ctx, Team, h.assignTeam);
  }
}
