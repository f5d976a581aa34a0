import { Field, Int, ObjectType } from 'type-graphql';
import { NodeInterface } from '../../common/node';

@ObjectType('SlaPlan', { implements: NodeInterface, description: 'How long the desk has to answer a ticket.' })
export class SlaPlanType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Hours from creation (or reopening) until the ticket is due.' })
  gracePeriodHours!: number;

  @Field(() => Boolean)
  isActive!: boolean;

  @Field(() => Boolean, { description: 'Applies when nothing else sets a plan.' })
  isDefault!: boolean;
}
