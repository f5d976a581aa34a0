import { Entity, ManyToOne, type Opt, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import type { Ticket } from './ticket.entity';

/** `idempotencyKey` of openTicket: the same key from the same caller within 24 hours returns the first ticket. */
@Entity({ tableName: 'intake_key' })
@Unique({ properties: ['caller', 'key'] })
export class IntakeKey {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  /** Who asked: `agent:<id>`, `user:<id>` or `anon:<address>`. */
  @Property({ type: 'string', length: 120 })
  caller!: string;

  @Property({ type: 'string', length: 200 })
  key!: string;

  @ManyToOne({ entity: 'Ticket', ref: true, deleteRule: 'cascade' })
  ticket!: Ref<Ticket>;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}
