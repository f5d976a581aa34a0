import { Field, ID, InputType, Int } from 'type-graphql';

// The thread mutations' inputs (thread.resolver.ts).

@InputType()
export class ReplyToTicketInput {
  @Field(() => ID)
  ticketId!: string;

  @Field(() => String)
  body!: string;

  @Field(() => ID, { nullable: true, description: 'A status to move to with the reply, in the same transaction.' })
  statusId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "A canned response used for this reply: its attachments are copied onto the response; an empty body means its rendering for this ticket.",
  })
  cannedResponseId?: string | null;

  @Field(() => [ID], { nullable: true })
  attachmentIds?: string[] | null;

  @Field(() => Int, { nullable: true })
  expectedVersion?: number | null;
}

@InputType()
export class PostMessageInput {
  @Field(() => ID)
  ticketId!: string;

  @Field(() => String)
  body!: string;

  @Field(() => [ID], { nullable: true })
  attachmentIds?: string[] | null;
}

@InputType()
export class AddNoteInput {
  @Field(() => ID)
  ticketId!: string;

  @Field(() => String)
  body!: string;

  @Field(() => ID, { nullable: true })
  statusId?: string | null;

  @Field(() => [ID], { nullable: true })
  attachmentIds?: string[] | null;
}

@InputType()
export class EditThreadEntryInput {
  @Field(() => ID)
  entryId!: string;

  @Field(() => String)
  body!: string;
}
