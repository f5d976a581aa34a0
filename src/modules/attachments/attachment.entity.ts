import { Entity, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { CannedResponse } from '../canned/canned-response.entity';
import type { Agent } from '../directory/agent.entity';
import type { EndUser } from '../directory/end-user.entity';
import type { ThreadEntry } from '../threads/thread-entry.entity';

/**
 * An uploaded file: uploaded first, then referenced by id from one thread
 * entry, or from one canned response (never both). A reply that uses a canned
 * response gets copies of its attachments bound to the new entry.
 */
@Entity({ tableName: 'attachment' })
export class Attachment {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 255 })
  filename!: string;

  /** Sniffed from the bytes, not taken from the client. */
  @Property({ type: 'string', length: 120 })
  contentType!: string;

  @Property({ type: 'integer' })
  size!: number;

  @Property({ type: 'string', length: 64 })
  sha256!: string;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'set null' })
  uploaderAgent: Ref<Agent> | null = null;

  @ManyToOne({ entity: 'EndUser', ref: true, nullable: true, deleteRule: 'set null' })
  uploaderUser: Ref<EndUser> | null = null;

  /** Null until a reply, message or note references it; then it belongs to that entry. */
  @ManyToOne({ entity: 'ThreadEntry', ref: true, nullable: true, deleteRule: 'cascade', index: true })
  entry: Ref<ThreadEntry> | null = null;

  /** Set when a canned response owns it (then `entry` stays null); deleted with it. */
  @ManyToOne({ entity: 'CannedResponse', ref: true, nullable: true, deleteRule: 'cascade', index: true })
  cannedResponse: Ref<CannedResponse> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}

/** The bytes, apart from the metadata so lists never load them. */
@Entity({ tableName: 'attachment_content' })
export class AttachmentContent {
  @ManyToOne({ entity: () => Attachment, primary: true, deleteRule: 'cascade', ref: true })
  attachment!: Ref<Attachment>;

  @Property({ type: 'blob', lazy: true })
  bytes!: Buffer;
}
