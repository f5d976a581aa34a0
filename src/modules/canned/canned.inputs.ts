import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateCannedResponseInput {
  @Field(() => String, { description: 'Plain text, one line, at most 200 characters.' })
  title!: string;

  @Field(() => String, { description: 'HTML, sanitized when saved; may hold `%{…}` variables (see `renderCannedResponse`).' })
  body!: string;

  @Field(() => ID, { nullable: true, description: 'Omitted or null: all departments (administrators only).' })
  departmentId?: string | null;

  @Field(() => [ID], { nullable: true, description: "Uploads of yours not yet used anywhere; they become the response's own." })
  attachmentIds?: string[] | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  isEnabled?: boolean | null;
}

@InputType()
export class UpdateCannedResponseInput {
  @Field(() => ID)
  cannedResponseId!: string;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  body?: string | null;

  @Field(() => ID, { nullable: true, description: 'Null: all departments (administrators only); omitted: unchanged.' })
  departmentId?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description: 'The whole new set: attachments the response already has (kept) and uploads of yours (added); the others are deleted. Omitted: unchanged.',
  })
  attachmentIds?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  isEnabled?: boolean | null;
}
