import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import type { Context } from '../../common/context';
import { payload, topLevelError } from '../../common/errors';
import { DeletePayload, payloadType } from '../../common/payloads';
import type { Agent } from '../directory/agent.entity';
import type { Department } from '../directory/department.entity';
import { DeleteInput } from '../directory/directory.inputs';
import { AgentType, DepartmentType, TeamType } from '../directory/directory.type';
import type { Team } from '../directory/team.entity';
import { SlaPlanType } from '../sla/sla.type';
import type { SlaPlan } from '../sla/sla-plan.entity';
import type { HelpTopic } from './help-topic.entity';
import { CreateHelpTopicInput, UpdateHelpTopicInput } from './help-topic.inputs';
import * as topics from './help-topic.service';
import type { Priority } from './priority.entity';
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
  async department(@Root() h: HelpTopic): Promise<Department | null> {
    return h.department ? ((await h.department.load()) ?? null) : null;
  }

  @FieldResolver(() => PriorityType, { nullable: true, description: "Priority of the topic's new tickets (agents only)." })
  async priority(@Root() h: HelpTopic, @Ctx() ctx: Context): Promise<Priority | null> {
    agentsOnly(ctx);
    return h.priority ? ((await h.priority.load()) ?? null) : null;
  }

  @FieldResolver(() => SlaPlanType, { nullable: true, description: "SLA plan of the topic's new tickets (agents only)." })
  async slaPlan(@Root() h: HelpTopic, @Ctx() ctx: Context): Promise<SlaPlan | null> {
    agentsOnly(ctx);
    return h.slaPlan ? ((await h.slaPlan.load()) ?? null) : null;
  }

  @FieldResolver(() => AgentType, { nullable: true, description: "Agent the topic's new tickets are assigned to (agents only)." })
  async assignAgent(@Root() h: HelpTopic, @Ctx() ctx: Context): Promise<Agent | null> {
    agentsOnly(ctx);
    return h.assignAgent ? ((await h.assignAgent.load()) ?? null) : null;
  }

  @FieldResolver(() => TeamType, { nullable: true, description: "Team the topic's new tickets are assigned to (agents only)." })
  async assignTeam(@Root() h: HelpTopic, @Ctx() ctx: Context): Promise<Team | null> {
    agentsOnly(ctx);
    return h.assignTeam ? ((await h.assignTeam.load()) ?? null) : null;
  }
}
