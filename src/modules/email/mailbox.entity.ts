import { Entity, Enum, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { Department } from '../directory/department.entity';
import type { HelpTopic } from '../tickets/help-topic.entity';
import type { Priority } from '../tickets/priority.entity';

export enum ImapTls {
  /** Plain connection (a loopback or otherwise trusted network only). */
  NONE = 'NONE',
  /** Plain connection upgraded with STARTTLS. */
  STARTTLS = 'STARTTLS',
  /** TLS from the first byte (port 993). */
  TLS = 'TLS',
}

/**
 * A support address (support@…): mail to it becomes tickets of its
 * department, help topic and priority. Optionally fetched by IMAP; its
 * password is stored encrypted with the server's key and never returned.
 */
@Entity({ tableName: 'mailbox' })
export class Mailbox {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  /** Lower-cased; unique. */
  @Property({ type: 'string', length: 320, unique: true })
  address!: string;

  @Property({ type: 'string', length: 120, nullable: true })
  name: string | null = null;

  @ManyToOne({ entity: 'Department', ref: true, nullable: true, deleteRule: 'set null' })
  department: Ref<Department> | null = null;

  @ManyToOne({ entity: 'HelpTopic', ref: true, nullable: true, deleteRule: 'set null' })
  helpTopic: Ref<HelpTopic> | null = null;

  @ManyToOne({ entity: 'Priority', ref: true, nullable: true, deleteRule: 'set null' })
  priority: Ref<Priority> | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  imapHost: string | null = null;

  @Property({ type: 'integer', nullable: true })
  imapPort: number | null = null;

  @Enum({ items: () => ImapTls, nativeEnumName: 'imap_tls', nullable: true })
  imapTls: ImapTls | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  imapUser: string | null = null;

  /** AES-256-GCM under the server's email key (see credentials.ts); never leaves the server. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  imapPasswordSealed: string | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  imapFolder: string | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  imapArchiveFolder: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
