import { Field, ID, InputType, Int } from 'type-graphql';
import { DateTimeScalar } from '../../common/scalars';
import { CollaboratorRole } from './collaborator.entity';
import { TicketSource } from './ticket-source';
import { TicketState } from './ticket-state';
import { OrderDirection, TicketOrderField } from './ticket.type';

@InputType({ description: 'Someone identified by email; created as an end user when new.' })
export class PersonInput {
  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;
}

@InputType()
export class OpenTicketInput {
  @Field(() => String)
  subject!: string;

  @Field(() => String, { description: 'HTML; sanitized before it is stored.' })
  body!: string;

  @Field(() => PersonInput, { nullable: true, description: 'Required for agents and anonymous callers; omitted by a logged-in end user.' })
  owner?: PersonInput | null;

  @Field(() => ID, { nullable: true })
  departmentId?: string | null;

  @Field(() => ID, { nullable: true })
  helpTopicId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Agents only.' })
  priorityId?: string | null;

  @Field(() => TicketSource, { nullable: true, description: 'Agents only; end users always open WEB tickets.' })
  source?: TicketSource | null;

  @Field(() => [PersonInput], { nullable: true })
  collaborators?: PersonInput[] | null;

  @Field(() => [ID], { nullable: true })
  attachmentIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'The same key from the same caller within 24 hours returns the first ticket.' })
  idempotencyKey?: string | null;
}

@InputType()
export class AssignTicketInput {
  @Field(() => ID)
  ticketId!: string;

  @Field(() => ID, { nullable: true })
  agentId?: string | null;

  @Field(() => ID, { nullable: true })
  teamId?: string | null;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType()
export class TicketRefInput {
  @Field(() => ID)
  ticketId!: string;
}

@InputType()
export class TransferTicketInput {
  @Field(() => ID)
  ticketId!: string;

  @Field(() => ID)
  departmentId!: string;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType()
export class SetTicketStatusInput {
  @Field(() => [ID], { description: 'At most 100; all change or none.' })
  ticketIds!: string[];

  @Field(() => ID)
  statusId!: string;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType()
export class UpdateTicketInput {
  @Field(() => ID)
  ticketId!: string;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => ID, { nullable: true })
  priorityId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Null clears the help topic.' })
  helpTopicId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Null clears the SLA plan; the due date is recomputed.' })
  slaPlanId?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'An agent-set due date wins over the SLA plan; null goes back to the plan.' })
  dueAt?: Date | null;

  @Field(() => Int, { nullable: true })
  expectedVersion?: number | null;
}

@InputType()
export class MarkTicketAnsweredInput {
  @Field(() => ID)
  ticketId!: string;

  @Field(() => Boolean)
  answered!: boolean;
}

@InputType()
export class AddCollaboratorsInput {
  @Field(() => ID)
  ticketId!: string;

  @Field(() => [PersonInput])
  people!: PersonInput[];

  @Field(() => CollaboratorRole, { nullable: true, description: 'CC when omitted.' })
  role?: CollaboratorRole | null;
}

@InputType()
export class RemoveCollaboratorInput {
  @Field(() => ID)
  collaboratorId!: string;
}

@InputType({ description: 'Ticket list filters, combined with AND.' })
export class TicketSearch {
  @Field(() => String, { nullable: true, description: 'Words in the subject, or a ticket number.' })
  text?: string | null;

  @Field(() => [TicketState], { nullable: true })
  states?: TicketState[] | null;

  @Field(() => [ID], { nullable: true })
  statusIds?: string[] | null;

  @Field(() => [ID], { nullable: true })
  departmentIds?: string[] | null;

  @Field(() => [ID], { nullable: true })
  assigneeIds?: string[] | null;

  @Field(() => [ID], { nullable: true })
  teamIds?: string[] | null;

  @Field(() => [ID], { nullable: true })
  priorityIds?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  isAnswered?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  isOverdue?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Assigned to an agent or a team.' })
  isAssigned?: boolean | null;

  @Field(() => String, { nullable: true })
  ownerEmail?: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  createdAfter?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  createdBefore?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  dueBefore?: Date | null;
}

@InputType()
export class TicketOrder {
  @Field(() => TicketOrderField)
  field!: TicketOrderField;

  @Field(() => OrderDirection)
  direction!: OrderDirection;
}
