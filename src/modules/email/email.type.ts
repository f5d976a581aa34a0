import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionTypes } from '../../common/connection';
import { NodeInterface } from '../../common/node';
import { DateTimeScalar } from '../../common/scalars';
import { InboundDoor, InboundEmailStatus, OutboundEmailKind, OutboundEmailStatus, RecipientKind } from './email.entity';
import { ImapTls } from './mailbox.entity';

registerEnumType(ImapTls, {
  name: 'ImapTls',
  description: 'How the IMAP connection is protected.',
  valuesConfig: {
    NONE: { description: 'No TLS (trusted networks only).' },
    STARTTLS: { description: 'A plain connection upgraded with STARTTLS.' },
    TLS: { description: 'TLS from the first byte (usually port 993).' },
  },
});

registerEnumType(OutboundEmailStatus, {
  name: 'OutboundEmailStatus',
  description: 'Where an outgoing email stands.',
  valuesConfig: {
    PENDING: { description: 'Waiting to be sent, or to be retried.' },
    SENT: { description: 'The SMTP server accepted it.' },
    FAILED: { description: 'Refused for good, or out of attempts.' },
    NOT_CONFIGURED: { description: 'No DESKQL_SMTP_URL: kept unsent so you can see what would go out.' },
  },
});

registerEnumType(OutboundEmailKind, {
  name: 'OutboundEmailKind',
  description: 'Why an email is sent.',
  valuesConfig: {
    RESPONSE: { description: "An agent's RESPONSE, to the owner and collaborators." },
    AUTO_RESPONSE: { description: 'The acknowledgement of a new ticket.' },
    NOTICE: { description: 'A short notice (a reply to an archived or deleted ticket).' },
    NEW_TICKET_ALERT: { description: 'Agents: a new ticket.' },
    NEW_MESSAGE_ALERT: { description: 'Agents: a new message on a ticket.' },
    ASSIGNMENT_ALERT: { description: 'Agents: a ticket was assigned to you.' },
    OVERDUE_ALERT: { description: 'Agents: a ticket assigned to you is overdue.' },
  },
});

registerEnumType(RecipientKind, {
  name: 'EmailRecipientKind',
  valuesConfig: { TO: { description: 'To' }, CC: { description: 'Cc' }, BCC: { description: 'Bcc (a message of its own)' } },
});

@ObjectType('ImapSettings', { description: 'How a mailbox is fetched by IMAP. The password is never returned.' })
export class ImapSettingsType {
  @Field(() => String) host!: string;
  @Field(() => Int) port!: number;
  @Field(() => ImapTls) tls!: ImapTls;
  @Field(() => String) user!: string;
  @Field(() => Boolean, { description: 'Whether a password is stored (it is never shown).' }) hasPassword!: boolean;
  @Field(() => String, { description: 'The folder fetched.' }) folder!: string;
  @Field(() => String, { nullable: true, description: 'Where processed messages are moved; null: they are flagged seen and left.' }) archiveFolder!: string | null;
}

@ObjectType('Mailbox', { implements: NodeInterface, description: 'A support address: mail to it becomes tickets.' })
export class MailboxType extends NodeInterface {
  @Field(() => String, { description: 'Lower-cased.' })
  address!: string;

  @Field(() => String, { nullable: true, description: 'The display name of mail sent from it.' })
  name!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType('EmailRecipient')
export class EmailRecipientType {
  @Field(() => String) address!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => RecipientKind) kind!: RecipientKind;
}

@ObjectType('OutboundEmail', { implements: NodeInterface, description: 'An email DeskQL sends or would send (the outbox).' })
export class OutboundEmailType extends NodeInterface {
  @Field(() => OutboundEmailKind) kind!: OutboundEmailKind;
  @Field(() => [EmailRecipientType]) recipients!: EmailRecipientType[];
  @Field(() => String) subject!: string;
  @Field(() => String, { description: 'The Message-ID header, `<…@…>`, the same on every attempt.' }) messageId!: string;
  @Field(() => OutboundEmailStatus) status!: OutboundEmailStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) sentAt!: Date | null;
}

export const { Connection: OutboundEmailConnection } = connectionTypes('OutboundEmail', OutboundEmailType);

export enum EmailDeliveryState {
  PENDING = 'PENDING',
  SENT = 'SENT',
  FAILED = 'FAILED',
  BOUNCED = 'BOUNCED',
  NOT_CONFIGURED = 'NOT_CONFIGURED',
}

registerEnumType(EmailDeliveryState, {
  name: 'EmailDeliveryState',
  valuesConfig: {
    PENDING: { description: 'Not sent yet.' },
    SENT: { description: 'Accepted by the SMTP server.' },
    FAILED: { description: 'Could not be sent.' },
    BOUNCED: { description: 'Sent, and the address has bounced since.' },
    NOT_CONFIGURED: { description: 'No outgoing mail server is configured.' },
  },
});

@ObjectType('EmailDelivery', { description: 'How a RESPONSE reached one recipient by email.' })
export class EmailDeliveryType {
  @Field(() => String) address!: string;
  @Field(() => RecipientKind) kind!: RecipientKind;
  @Field(() => EmailDeliveryState) state!: EmailDeliveryState;
  @Field(() => String, { nullable: true }) lastError!: string | null;
}

@ObjectType('EmailTemplate', { description: 'The subject and HTML body of one kind of email, with canned-response variables and `%{message}`.' })
export class EmailTemplateType {
  @Field(() => OutboundEmailKind) kind!: OutboundEmailKind;
  @Field(() => String) subject!: string;
  @Field(() => String) body!: string;
  @Field(() => Boolean, { description: 'False: the built-in text.' }) isCustom!: boolean;
}

@ObjectType('DepartmentEmailSettings', { description: 'Which emails a department sends.' })
export class DepartmentEmailSettingsType {
  @Field(() => Boolean) autoResponse!: boolean;
  @Field(() => Boolean) responses!: boolean;
  @Field(() => Boolean) alerts!: boolean;
}

registerEnumType(InboundEmailStatus, {
  name: 'InboundEmailStatus',
  description: 'What a received message became.',
  valuesConfig: {
    RECEIVED: { description: 'Stored, not processed yet.' },
    TICKET: { description: 'Opened a new ticket.' },
    MESSAGE: { description: 'Added a message to an existing ticket.' },
    REJECTED: { description: 'A ticket filter rejected it (no reply was sent).' },
    IGNORED: { description: 'An automatic reply or a bounce: recorded, nothing else.' },
    REFUSED: { description: 'For an archived or deleted ticket: the sender got a short notice.' },
    FAILED: { description: 'Could not be processed (malformed, no sender…); `reason` says why. The message is kept.' },
  },
});

registerEnumType(InboundDoor, {
  name: 'InboundEmailDoor',
  valuesConfig: { IMAP: { description: 'Fetched by IMAP.' }, SMTP: { description: 'The built-in SMTP receiver.' }, HTTP: { description: 'POST /inbound/email.' } },
});

@ObjectType('InboundEmail', { implements: NodeInterface, description: 'A message DeskQL received, kept as it arrived.' })
export class InboundEmailType extends NodeInterface {
  @Field(() => String) messageId!: string;
  @Field(() => InboundDoor) door!: InboundDoor;
  @Field(() => InboundEmailStatus) status!: InboundEmailStatus;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, { nullable: true }) fromAddress!: string | null;
  @Field(() => String, { nullable: true }) subject!: string | null;
  @Field(() => Int, { description: 'Bytes.' }) size!: number;
  @Field(() => DateTimeScalar) receivedAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) processedAt!: Date | null;
}

export const { Connection: InboundEmailConnection } = connectionTypes('InboundEmail', InboundEmailType);
