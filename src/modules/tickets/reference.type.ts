import { Field, Int, ObjectType } from 'type-graphql';
import { NodeInterface } from '../../common/node';
import { TicketState } from './ticket-state';

@ObjectType('TicketStatus', { implements: NodeInterface, description: 'A named status; its state drives the lifecycle.' })
export class TicketStatusType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => TicketState)
  state!: TicketState;

  @Field(() => Boolean, { description: 'The status a ticket gets when it enters this state without one being named.' })
  isDefault!: boolean;
}

@ObjectType('Priority', { implements: NodeInterface, description: 'How urgent a ticket is.' })
export class PriorityType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Higher is more urgent.' })
  urgency!: number;

  @Field(() => Boolean)
  isDefault!: boolean;
}
