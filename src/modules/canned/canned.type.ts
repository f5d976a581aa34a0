import { Field, ObjectType } from 'type-graphql';
import { NodeInterface } from '../../common/node';
import { DateTimeScalar, HTMLScalar } from '../../common/scalars';

@ObjectType('CannedResponse', { implements: NodeInterface, description: 'A reply template with `%{…}` variables, for one department or all.' })
export class CannedResponseType extends NodeInterface {
  @Field(() => String)
  title!: string;

  @Field(() => HTMLScalar, { description: 'Sanitized HTML with its variables unrendered.' })
  body!: string;

  @Field(() => Boolean, { description: 'Disabled responses are neither listed for use nor usable.' })
  isEnabled!: boolean;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}
