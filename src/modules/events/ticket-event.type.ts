import { Field, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../common/connection';
import { NodeInterface } from '../../common/node';
import { DateTimeScalar, JSONScalar } from '../../common/scalars';
import { TicketEventKind } from './ticket-event.entity';

@ObjectType('TicketEvent', { implements: NodeInterface, description: 'One change to a ticket: the audit log and the source of live updates.' })
export class TicketEventType extends NodeInterface {
  @Field(() => TicketEventKind)
  kind!: TicketEventKind;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => JSONScalar, { nullable: true, description: 'The before/after values of the change.' })
  data!: Record<string, unknown> | null;
}

export const { Connection: TicketEventConnection, Edge: TicketEventEdge } = connectionTypes('TicketEvent', TicketEventType);
