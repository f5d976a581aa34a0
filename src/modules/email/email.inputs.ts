import { Field, ID, InputType, Int } from 'type-graphql';
import { OutboundEmailKind } from './email.entity';
import { ImapTls } from './mailbox.entity';

@InputType()
export class ImapSettingsInput {
  @Field(() => String)
  host!: string;

  @Field(() => Int, { nullable: true, description: 'Default 993 with TLS, 143 otherwise.' })
  port?: number | null;

  @Field(() => ImapTls, { nullable: true, defaultValue: ImapTls.TLS })
  tls?: ImapTls | null;

  @Field(() => String)
  user!: string;

  @Field(() => String, { nullable: true, description: 'Stored encrypted; omitted on update: the stored one is kept.' })
  password?: string | null;

  @Field(() => String, { nullable: true, defaultValue: 'INBOX' })
  folder?: string | null;

  @Field(() => String, { nullable: true, description: 'Processed messages are moved here (created if missing); null: flagged seen and left.' })
  archiveFolder?: string | null;
}

@InputType()
export class CreateMailboxInput {
  @Field(() => String)
  address!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => ID, { nullable: true })
  departmentId?: string | null;

  @Field(() => ID, { nullable: true })
  helpTopicId?: string | null;

  @Field(() => ID, { nullable: true })
  priorityId?: string | null;

  @Field(() => ImapSettingsInput, { nullable: true, description: 'Omitted: not fetched (mail arrives by the SMTP receiver or POST /inbound/email).' })
  imap?: ImapSettingsInput | null;
}

@InputType()
export class UpdateMailboxInput {
  @Field(() => ID)
  mailboxId!: string;

  @Field(() => String, { nullable: true })
  address?: string | null;

  @Field(() => String, { nullable: true, description: 'Null: cleared; omitted: unchanged (as for the ids below).' })
  name?: string | null;

  @Field(() => ID, { nullable: true })
  departmentId?: string | null;

  @Field(() => ID, { nullable: true })
  helpTopicId?: string | null;

  @Field(() => ID, { nullable: true })
  priorityId?: string | null;

  @Field(() => ImapSettingsInput, { nullable: true, description: 'Null: no longer fetched.' })
  imap?: ImapSettingsInput | null;
}

@InputType()
export class UpdateEmailTemplateInput {
  @Field(() => OutboundEmailKind)
  kind!: OutboundEmailKind;

  @Field(() => String, { nullable: true, description: 'With `body`; both null: back to the built-in one.' })
  subject?: string | null;

  @Field(() => String, { nullable: true })
  body?: string | null;
}

@InputType()
export class UpdateDepartmentEmailSettingsInput {
  @Field(() => ID)
  departmentId!: string;

  @Field(() => Boolean, { nullable: true })
  autoResponse?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  responses?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  alerts?: boolean | null;
}
