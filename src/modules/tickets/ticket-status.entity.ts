import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { TicketState } from './ticket-state';

@Entity({ tableName: 'ticket_status' })
@Index({ name: 'ticket_status_one_default', expression: 'create unique index "ticket_status_one_default" on "ticket_status" ("state") where "is_default"' })
export class TicketStatus {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 60, unique: true })
  name!: string;

  @Enum({ items: () => TicketState, nativeEnumName: 'ticket_state' })
  state!: TicketState;

  /** The default status of its state (Open is the one new and reopened tickets get). */
  @Property({ type: 'boolean' })
  isDefault: boolean & Opt = false;

  @Property({ type: 'integer' })
  sort: number & Opt = 0;
}
