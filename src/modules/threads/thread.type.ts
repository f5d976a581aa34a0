import { Field, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../common/connection';
import { NodeInterface } from '../../common/node';
import { DateTimeScalar, HTMLScalar } from '../../common/scalars';
import { ThreadEntryType } from './thread-entry.entity';

@ObjectType('ThreadEntry', { implements: NodeInterface, description: 'A message, response or internal note on a ticket.' })
export class ThreadEntryObject extends NodeInterface {
  @Field(() => ThreadEntryType)
  type!: ThreadEntryType;

  @Field(() => String, { description: 'Plain-text rendering of the body.' })
  bodyText!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  editedAt!: Date | null;
}

@ObjectType('ThreadEntryRevision', { description: 'A body a thread entry had before an edit.' })
export class ThreadEntryRevisionObject {
  @Field(() => HTMLScalar)
  body!: string;

  @Field(() => String)
  bodyText!: string;

  @Field(() => DateTimeScalar, { description: 'When this body was replaced by the next one.' })
  replacedAt!: Date;
}

export const { Connection: ThreadEntryConnection } = connectionTypes('ThreadEntry', ThreadEntryObject);
