import { Field, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../common/connection';
import { NodeInterface } from '../../common/node';
import { DateTimeScalar, EmailAddressScalar, JSONScalar } from '../../common/scalars';
import { CannedResponseType } from '../canned/canned.type';
import { AgentType, DepartmentType, TeamType } from '../directory/directory.type';
import { SlaPlanType } from '../sla/sla.type';
import { PriorityType, TicketStatusType } from '../tickets/reference.type';
import { HelpTopicType } from '../tickets/ticket.type';
import { TicketSource } from '../tickets/ticket-source';
import { MatchOperator, TicketFilterField } from './ticket-filter.entity';

@ObjectType('TicketFilterRule', { description: 'One rule of a ticket filter.' })
export class TicketFilterRuleType {
  @Field(() => TicketFilterField)
  field!: TicketFilterField;

  @Field(() => MatchOperator)
  operator!: MatchOperator;

  @Field(() => String)
  value!: string;
}

@ObjectType('TicketFilterPerson', { description: 'Someone a filter copies on a ticket.' })
export class TicketFilterPersonType {
  @Field(() => EmailAddressScalar)
  email!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;
}

@ObjectType('TicketFilterActions', { description: 'What a matching filter does. An object deleted since the filter was saved is null here and skipped at intake.' })
export class TicketFilterActionsType {
  @Field(() => Boolean)
  reject!: boolean;

  @Field(() => DepartmentType, { nullable: true })
  department!: object | null;

  @Field(() => PriorityType, { nullable: true })
  priority!: object | null;

  @Field(() => SlaPlanType, { nullable: true })
  slaPlan!: object | null;

  @Field(() => TicketStatusType, { nullable: true })
  status!: object | null;

  @Field(() => HelpTopicType, { nullable: true })
  helpTopic!: object | null;

  @Field(() => AgentType, { nullable: true })
  assignAgent!: object | null;

  @Field(() => TeamType, { nullable: true })
  assignTeam!: object | null;

  @Field(() => CannedResponseType, { nullable: true, description: "Posted as the ticket's first RESPONSE." })
  autoReplyCannedResponse!: object | null;

  @Field(() => [TicketFilterPersonType])
  addCollaborators!: TicketFilterPersonType[];
}

@ObjectType('TicketFilter', { implements: NodeInterface, description: 'Runs on every new ticket (SPEC §4): rules decide whether it matches, actions what it does.' })
export class TicketFilterType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  isActive!: boolean;

  @Field(() => Int, { description: 'Lower runs first; ties run in creation order.' })
  executionOrder!: number;

  @Field(() => Boolean, { description: 'All rules must match (true) or any one (false).' })
  matchAll!: boolean;

  @Field(() => Boolean, { description: 'A match ends the run: later filters do not run.' })
  stopOnMatch!: boolean;

  @Field(() => [TicketSource], { description: 'The sources it applies to; empty: all.' })
  sources!: TicketSource[];

  @Field(() => [TicketFilterRuleType])
  rules!: TicketFilterRuleType[];

  @Field(() => Int, { description: 'How many times one of its regex rules ran out of time at intake (the filter then did not match).' })
  timeoutCount!: number;

  @Field(() => DateTimeScalar, { nullable: true })
  lastTimeoutAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType('TicketFilterRejection', { implements: NodeInterface, description: 'A new ticket a filter refused. Nothing else of it was stored.' })
export class TicketFilterRejectionType extends NodeInterface {
  @Field(() => String, { description: 'The filter\'s name when it rejected.' })
  filterName!: string;

  @Field(() => String)
  subject!: string;

  @Field(() => EmailAddressScalar)
  email!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => TicketSource)
  source!: TicketSource;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const { Connection: TicketFilterRejectionConnection } = connectionTypes('TicketFilterRejection', TicketFilterRejectionType);

@ObjectType('TicketFilterVerdict', { description: 'A filter the dry run reached that matched or ran out of time.' })
export class TicketFilterVerdictType {
  @Field(() => TicketFilterType)
  filter!: object;

  @Field(() => Boolean)
  matched!: boolean;

  @Field(() => Boolean, { description: 'A regex rule ran out of time: the filter did not match.' })
  timedOut!: boolean;

  @Field(() => Boolean, { description: 'The filter ended the run (stop-on-match or reject).' })
  stoppedRun!: boolean;

  @Field(() => JSONScalar, { nullable: true, description: "What it would change: the data of the FILTER_APPLIED event intake would write (null when it did not match, or when the ticket is rejected)." })
  effect!: Record<string, unknown> | null;
}

@ObjectType('TicketFilterTestResult', { description: 'A dry run of the filters on a draft ticket: nothing is written. The ticket fields are null when it would be rejected.' })
export class TicketFilterTestResultType {
  @Field(() => [TicketFilterVerdictType], { description: 'In execution order.' })
  filters!: TicketFilterVerdictType[];

  @Field(() => Boolean)
  rejected!: boolean;

  @Field(() => DepartmentType, { nullable: true })
  department!: object | null;

  @Field(() => PriorityType, { nullable: true })
  priority!: object | null;

  @Field(() => SlaPlanType, { nullable: true })
  slaPlan!: object | null;

  @Field(() => TicketStatusType, { nullable: true })
  status!: object | null;

  @Field(() => HelpTopicType, { nullable: true })
  helpTopic!: object | null;

  @Field(() => AgentType, { nullable: true })
  assignee!: object | null;

  @Field(() => TeamType, { nullable: true })
  team!: object | null;

  @Field(() => [TicketFilterPersonType], { description: 'End users the filters would copy on the ticket.' })
  collaborators!: TicketFilterPersonType[];

  @Field(() => CannedResponseType, { nullable: true, description: 'The canned response intake would post as the first RESPONSE.' })
  autoReplyCannedResponse!: object | null;
}
