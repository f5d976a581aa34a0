import { Field, ObjectType } from 'type-graphql';
import { NodeInterface } from '../../common/node';
import { DateTimeScalar, HTMLScalar } from '../../common/scalars';
import { AttachmentType } from '../attachments/attachment.type';

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

@ObjectType('RenderedCannedResponse', { description: 'A canned response rendered for a ticket, for the agent to edit before sending.' })
export class RenderedCannedResponseType {
  @Field(() => HTMLScalar, { description: 'Variables replaced by their HTML-escaped values; unknown ones left as written.' })
  body!: string;

  @Field(() => [String], { description: 'Names of the `%{…}` references that are not variables, in order of appearance, once each.' })
  unknownVariables!: string[];

  @Field(() => [AttachmentType], { description: "The canned response's attachments; a reply with `cannedResponseId` gets copies of them." })
  attachments!: object[];
}
