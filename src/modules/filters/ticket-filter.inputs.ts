import { Field, ID, InputType, Int } from 'type-graphql';
import { PersonInput } from '../tickets/ticket.inputs';
import { TicketSource } from '../tickets/ticket-source';
import { MatchOperator, TicketFilterField } from './ticket-filter.entity';

@InputType({ description: 'One rule: field × operator × value. Comparisons ignore case.' })
export class TicketFilterRuleInput {
  @Field(() => TicketFilterField)
  field!: TicketFilterField;

  @Field(() => MatchOperator)
  operator!: MatchOperator;

  @Field(() => String, { description: 'Text to compare with; a regular expression for MATCHES/NOT_MATCHES (checked at save).' })
  value!: string;
}

@InputType({ description: 'What a matching filter does. A later filter overrides an earlier one; collaborators add up.' })
export class TicketFilterActionsInput {
  @Field(() => Boolean, { nullable: true, description: 'Refuse the ticket: nothing is created, the caller gets REJECTED. Ends the run; no other action may go with it.' })
  reject?: boolean | null;

  @Field(() => ID, { nullable: true })
  departmentId?: string | null;

  @Field(() => ID, { nullable: true })
  priorityId?: string | null;

  @Field(() => ID, { nullable: true, description: 'An active SLA plan.' })
  slaPlanId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A status whose state is OPEN or CLOSED.' })
  statusId?: string | null;

  @Field(() => ID, { nullable: true, description: 'An active help topic; its defaults then fill what is still unset.' })
  helpTopicId?: string | null;

  @Field(() => ID, { nullable: true, description: 'An active agent.' })
  assignAgentId?: string | null;

  @Field(() => ID, { nullable: true })
  assignTeamId?: string | null;

  @Field(() => ID, { nullable: true, description: "An enabled canned response without unknown variables, posted as the ticket's first RESPONSE once its due date is computed (it does not mark the ticket answered). At intake it is skipped, and the skip reported in FILTER_APPLIED, when it is of another department than the ticket's." })
  autoReplyCannedResponseId?: string | null;

  @Field(() => [PersonInput], { nullable: true, description: 'Added as CC collaborators (created as end users when new).' })
  addCollaborators?: PersonInput[] | null;
}

@InputType()
export class CreateTicketFilterInput {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  isActive?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Lower runs first; ties run in creation order. Default 0.' })
  executionOrder?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'All rules must match (default) or any one.' })
  matchAll?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'A match ends the run. Default false.' })
  stopOnMatch?: boolean | null;

  @Field(() => [TicketSource], { nullable: true, description: 'The sources the filter applies to; empty or omitted: all.' })
  sources?: TicketSource[] | null;

  @Field(() => [TicketFilterRuleInput])
  rules!: TicketFilterRuleInput[];

  @Field(() => TicketFilterActionsInput)
  actions!: TicketFilterActionsInput;
}

@InputType({ description: 'Omitted fields keep their value; `rules` and `actions` replace the whole list or set.' })
export class UpdateTicketFilterInput {
  @Field(() => ID)
  ticketFilterId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Boolean, { nullable: true })
  isActive?: boolean | null;

  @Field(() => Int, { nullable: true })
  executionOrder?: number | null;

  @Field(() => Boolean, { nullable: true })
  matchAll?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  stopOnMatch?: boolean | null;

  @Field(() => [TicketSource], { nullable: true })
  sources?: TicketSource[] | null;

  @Field(() => [TicketFilterRuleInput], { nullable: true })
  rules?: TicketFilterRuleInput[] | null;

  @Field(() => TicketFilterActionsInput, { nullable: true })
  actions?: TicketFilterActionsInput | null;
}

@InputType({ description: 'A draft ticket for a dry run of the filters, as openTicket would receive it.' })
export class TestTicketFiltersInput {
  @Field(() => String)
  subject!: string;

  @Field(() => String, { description: 'HTML, as openTicket takes it; rules look at its sanitized plain text.' })
  body!: string;

  @Field(() => String, { description: "The owner's email." })
  email!: string;

  @Field(() => String, { nullable: true, description: "The owner's name (an existing end user's stored name wins, as at intake)." })
  name?: string | null;

  @Field(() => TicketSource, { nullable: true, description: 'Default WEB.' })
  source?: TicketSource | null;

  @Field(() => ID, { nullable: true })
  helpTopicId?: string | null;

  @Field(() => ID, { nullable: true })
  priorityId?: string | null;

  @Field(() => ID, { nullable: true })
  departmentId?: string | null;
}
