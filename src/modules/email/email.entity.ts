import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import type { Department } from '../directory/department.entity';
import type { ThreadEntry } from '../threads/thread-entry.entity';
import type { Ticket } from '../tickets/ticket.entity';
import type { Mailbox } from './mailbox.entity';

export enum OutboundEmailStatus {
  PENDING = 'PENDING',
  SENT = 'SENT',
  FAILED = 'FAILED',
  NOT_CONFIGURED = 'NOT_CONFIGURED',
}

export enum OutboundEmailKind {
  RESPONSE = 'RESPONSE',
  AUTO_RESPONSE = 'AUTO_RESPONSE',
  NOTICE = 'NOTICE',
  NEW_TICKET_ALERT = 'NEW_TICKET_ALERT',
  NEW_MESSAGE_ALERT = 'NEW_MESSAGE_ALERT',
  ASSIGNMENT_ALERT = 'ASSIGNMENT_ALERT',
  OVERDUE_ALERT = 'OVERDUE_ALERT',
}

export enum RecipientKind {
  TO = 'TO',
  CC = 'CC',
  BCC = 'BCC',
}

export interface Recipient {
  address: string;
  name: string | null;
  kind: RecipientKind;
}

/**
 * One email to send: written in the transaction of the change that causes
 * it, sent after commit by the sender (row-locked, SKIP LOCKED across
 * processes), with a Message-ID fixed here so a retry is the same message.
 */
@Entity({ tableName: 'outbound_email' })
@Index({ properties: ['status', 'nextAttemptAt'] })
// The auto-response cap (auto-responses and notices to one address in the last hour) reads this
// instead of every email ever written; those kinds have exactly one recipient.
@Index({
  name: 'outbound_email_auto_recipient_index',
  expression: `create index "outbound_email_auto_recipient_index" on "outbound_email" (("recipients" -> 0 ->> 'address'), "created_at") where "kind" in ('AUTO_RESPONSE', 'NOTICE')`,
})
export class OutboundEmail {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Enum({ items: () => OutboundEmailKind, nativeEnumName: 'outbound_email_kind' })
  kind!: OutboundEmailKind;

  @ManyToOne({ entity: 'Ticket', ref: true, nullable: true, deleteRule: 'cascade', index: true })
  ticket: Ref<Ticket> | null = null;

  /** The RESPONSE it carries (null for auto-responses, alerts and notices). */
  @ManyToOne({ entity: 'ThreadEntry', ref: true, nullable: true, deleteRule: 'set null', index: true })
  entry: Ref<ThreadEntry> | null = null;

  /** `<…@…>`, unique. */
  @Property({ type: 'string', length: 250, unique: true })
  messageId!: string;

  @Property({ type: 'json' })
  recipients!: Recipient[];

  @Property({ type: 'string', length: 400 })
  fromAddress!: string;

  @Property({ type: 'string', length: 320, nullable: true })
  replyTo: string | null = null;

  @Property({ type: 'string', length: 400 })
  subject!: string;

  @Property({ type: 'text' })
  html!: string;

  @Property({ type: 'text' })
  text!: string;

  @Property({ type: 'string', length: 250, nullable: true })
  inReplyTo: string | null = null;

  /** Message-IDs, space-separated. */
  @Property({ type: 'text', nullable: true })
  references: string | null = null;

  @Property({ type: 'boolean' })
  autoSubmitted: boolean & Opt = false;

  @Property({ type: 'json' })
  attachmentIds: number[] & Opt = [];

  @Enum({ items: () => OutboundEmailStatus, nativeEnumName: 'outbound_email_status' })
  status!: OutboundEmailStatus;

  @Property({ type: 'integer' })
  attempts: number & Opt = 0;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'datetime' })
  nextAttemptAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  sentAt: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}

export enum InboundEmailStatus {
  /** Stored, not yet processed. */
  RECEIVED = 'RECEIVED',
  /** Opened a new ticket. */
  TICKET = 'TICKET',
  /** Added a MESSAGE to an existing ticket. */
  MESSAGE = 'MESSAGE',
  /** A ticket filter rejected it (no reply). */
  REJECTED = 'REJECTED',
  /** An auto-reply or a bounce: recorded, nothing else. */
  IGNORED = 'IGNORED',
  /** For an archived or deleted ticket: the sender got a short notice. */
  REFUSED = 'REFUSED',
  /** Could not be processed (malformed, over a limit); kept with the reason. */
  FAILED = 'FAILED',
}

export enum InboundDoor {
  IMAP = 'IMAP',
  SMTP = 'SMTP',
  HTTP = 'HTTP',
}

/**
 * A received message, stored raw before anything else happens (a crash after
 * acceptance loses nothing), then processed once: the Message-ID is unique.
 */
@Entity({ tableName: 'inbound_email' })
@Unique({ properties: ['mailbox', 'imapUidValidity', 'imapUid'] })
export class InboundEmail {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne({ entity: 'Mailbox', ref: true, nullable: true, deleteRule: 'set null' })
  mailbox: Ref<Mailbox> | null = null;

  /** The header's Message-ID, or `<sha256@deskql.invalid>` of the bytes when it has none. */
  @Property({ type: 'string', length: 998, unique: true })
  messageId!: string;

  @Enum({ items: () => InboundDoor, nativeEnumName: 'inbound_door' })
  door!: InboundDoor;

  @Property({ type: 'bigint', nullable: true })
  imapUidValidity: string | null = null;

  @Property({ type: 'integer', nullable: true })
  imapUid: number | null = null;

  @Property({ type: 'blob', lazy: true })
  raw!: Buffer;

  @Property({ type: 'integer' })
  size!: number;

  @Property({ type: 'string', length: 320, nullable: true })
  fromAddress: string | null = null;

  @Property({ type: 'string', length: 400, nullable: true })
  subject: string | null = null;

  @Enum({ items: () => InboundEmailStatus, nativeEnumName: 'inbound_email_status' })
  status: InboundEmailStatus & Opt = InboundEmailStatus.RECEIVED;

  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  @ManyToOne({ entity: 'Ticket', ref: true, nullable: true, deleteRule: 'set null', index: true })
  ticket: Ref<Ticket> | null = null;

  @ManyToOne({ entity: 'ThreadEntry', ref: true, nullable: true, deleteRule: 'set null', index: true })
  entry: Ref<ThreadEntry> | null = null;

  @Property({ type: 'integer' })
  attempts: number & Opt = 0;

  @Property({ type: 'datetime' })
  receivedAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  processedAt: Date | null = null;
}

/** What DeskQL knows of an address it mails: bounces mark it. */
@Entity({ tableName: 'email_address_state' })
export class EmailAddressState {
  @PrimaryKey({ type: 'string', length: 320 })
  address!: string;

  @Property({ type: 'boolean' })
  isBouncing: boolean & Opt = false;

  @Property({ type: 'datetime', nullable: true })
  bouncedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  bounceReason: string | null = null;
}

/** An admin's version of one kind of email (the built-in one is used when there is none). */
@Entity({ tableName: 'email_template' })
export class EmailTemplate {
  @PrimaryKey({ type: 'string', length: 40 })
  kind!: OutboundEmailKind;

  @Property({ type: 'string', length: 400 })
  subject!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}

/** Which emails a department sends (every one on by default). */
@Entity({ tableName: 'department_email_settings' })
export class DepartmentEmailSettings {
  @ManyToOne({ entity: 'Department', primary: true, ref: true, deleteRule: 'cascade' })
  department!: Ref<Department>;

  @Property({ type: 'boolean' })
  autoResponse: boolean & Opt = true;

  @Property({ type: 'boolean' })
  responses: boolean & Opt = true;

  @Property({ type: 'boolean' })
  alerts: boolean & Opt = true;
}
