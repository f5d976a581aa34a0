import { Field, Int, ObjectType } from 'type-graphql';
import { NodeInterface } from '../../common/node';

@ObjectType('Attachment', { implements: NodeInterface, description: 'A file attached to a thread entry or a canned response.' })
export class AttachmentType extends NodeInterface {
  @Field(() => String)
  filename!: string;

  @Field(() => String, { description: 'Sniffed from the content at upload.' })
  contentType!: string;

  @Field(() => Int, { description: 'Bytes.' })
  size!: number;
}
