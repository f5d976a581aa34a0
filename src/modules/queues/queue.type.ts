import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { NodeInterface } from '../../common/node';
import { TicketOrder } from '../tickets/ticket.inputs';
import { QueueCriterionField, QueueOperator } from './queue-criteria';

@ObjectType('Queue', { implements: NodeInterface, description: 'A saved view of tickets: a system queue or a custom one.' })
export class QueueType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: 'Stable key of a system queue (`open`, `open.overdue`, `mine`…); null for custom queues.' })
  key!: string | null;
}

@ObjectType('QueueCriterion', { description: 'One condition of a custom queue (criteria are combined with AND).' })
export class QueueCriterionType {
  @Field(() => QueueCriterionField)
  field!: QueueCriterionField;

  @Field(() => QueueOperator)
  operator!: QueueOperator;

  @Field(() => [String])
  values!: string[];
}

@InputType()
export class QueueCriterionInput {
  @Field(() => QueueCriterionField)
  field!: QueueCriterionField;

  @Field(() => QueueOperator)
  operator!: QueueOperator;

  @Field(() => [String], { defaultValue: [], description: 'Ids, enum names, an ISO date or text, depending on the operator.' })
  values!: string[];
}

@InputType()
export class CreateQueueInput {
  @Field(() => String)
  name!: string;

  @Field(() => [QueueCriterionInput])
  criteria!: QueueCriterionInput[];

  @Field(() => TicketOrder, { nullable: true, description: 'Newest first when omitted.' })
  sortOrder?: TicketOrder | null;

  @Field(() => ID, { nullable: true, description: 'A custom queue to nest under.' })
  parentId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Admins: share with departments instead of keeping it personal.' })
  shared?: boolean | null;

  @Field(() => [ID], { nullable: true, description: 'Only with `shared`: the departments that see it (none: every agent). A personal queue has none; making a queue personal clears them.' })
  departmentIds?: string[] | null;
}

@InputType()
export class UpdateQueueInput {
  @Field(() => ID)
  queueId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [QueueCriterionInput], { nullable: true })
  criteria?: QueueCriterionInput[] | null;

  @Field(() => TicketOrder, { nullable: true })
  sortOrder?: TicketOrder | null;

  @Field(() => ID, { nullable: true })
  parentId?: string | null;

  @Field(() => Boolean, { nullable: true })
  shared?: boolean | null;

  @Field(() => [ID], { nullable: true })
  departmentIds?: string[] | null;
}

export enum QueueChange {
  ENTERED = 'ENTERED',
  LEFT = 'LEFT',
  CHANGED = 'CHANGED',
}

registerEnumType(QueueChange, {
  name: 'QueueChange',
  description: 'How a ticket moved relative to a queue.',
  valuesConfig: {
    ENTERED: { description: 'The ticket now meets the queue (and the viewer can see it).' },
    LEFT: { description: 'The ticket no longer meets the queue, or the viewer lost sight of it (then `ticket` is null).' },
    CHANGED: { description: 'The ticket stays in the queue but changed.' },
  },
});

@ObjectType('QueueUpdate', { description: "A change to one of the subscriber's queues, with the queue's new exact count." })
export class QueueUpdateType {
  @Field(() => QueueChange)
  change!: QueueChange;

  @Field(() => Int)
  count!: number;

  @Field(() => String, { description: 'Position in the event stream (for `ticketEvents(after:)`).' })
  cursor!: string;
}

@ObjectType('TicketUpdate', { description: 'A change to a watched ticket.' })
export class TicketUpdateType {
  @Field(() => String)
  cursor!: string;
}

