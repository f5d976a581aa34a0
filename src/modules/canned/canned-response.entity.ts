import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { Department } from '../directory/department.entity';

/**
 * A canned response (SPEC §5): a titled HTML template an agent inserts into a
 * reply, with `%{…}` variables rendered for a ticket. Its attachments are
 * `Attachment` rows owned through `Attachment.cannedResponse`; a reply gets
 * copies of them, never the rows themselves.
 */
@Entity({ tableName: 'canned_response' })
@Index({ properties: ['department', 'isEnabled'] })
export class CannedResponse {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  /** Plain text, one line. */
  @Property({ type: 'string', length: 200 })
  title!: string;

  /** Sanitized HTML, variables still unrendered. */
  @Property({ type: 'text' })
  body!: string;

  /** Null: usable in every department. A department that still has canned responses cannot be deleted. */
  @ManyToOne({ entity: 'Department', ref: true, nullable: true, deleteRule: 'restrict' })
  department: Ref<Department> | null = null;

  @Property({ type: 'boolean' })
  isEnabled: boolean & Opt = true;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
