import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateHelpTopicInput {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { nullable: true, description: 'True when omitted; end users see active topics only.' })
  isActive?: boolean | null;

  @Field(() => ID, { nullable: true, description: "Department of the topic's new tickets (unless the caller names one)." })
  departmentId?: string | null;

  @Field(() => ID, { nullable: true })
  priorityId?: string | null;

  @Field(() => ID, { nullable: true, description: "SLA plan of the topic's new tickets; the department's applies when omitted." })
  slaPlanId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "Agent the topic's new tickets are assigned to: active, with access to the topic's department (the default department when it has none).",
  })
  assignAgentId?: string | null;

  @Field(() => ID, { nullable: true, description: "Team the topic's new tickets are assigned to." })
  assignTeamId?: string | null;
}

@InputType({ description: 'Omitted fields stay; null clears a reference.' })
export class UpdateHelpTopicInput {
  @Field(() => ID)
  helpTopicId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Boolean, { nullable: true })
  isActive?: boolean | null;

  @Field(() => ID, { nullable: true })
  departmentId?: string | null;

  @Field(() => ID, { nullable: true })
  priorityId?: string | null;

  @Field(() => ID, { nullable: true })
  slaPlanId?: string | null;

  @Field(() => ID, { nullable: true })
  assignAgentId?: string | null;

  @Field(() => ID, { nullable: true })
  assignTeamId?: string | null;
}
