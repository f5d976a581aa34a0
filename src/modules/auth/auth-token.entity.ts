import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { Agent } from '../directory/agent.entity';
import type { EndUser } from '../directory/end-user.entity';

export enum TokenKind {
  /** A login session of an agent or end user. */
  SESSION = 'SESSION',
  /** A partner's API key, acting as a named agent. */
  API_KEY = 'API_KEY',
  /** An anonymous intake's access token, scoped to one ticket's owner. */
  TICKET_ACCESS = 'TICKET_ACCESS',
}

/**
 * Bearer credentials. Only a SHA-256 of the secret is stored: a database
 * leak reveals no usable token. Secrets carry 256 bits from a CSPRNG.
 */
@Entity({ tableName: 'auth_token' })
@Index({ properties: ['agent'] })
@Index({ properties: ['endUser'] })
export class AuthToken {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Enum({ items: () => TokenKind, nativeEnumName: 'token_kind' })
  kind!: TokenKind;

  @Property({ type: 'string', length: 64, unique: true })
  secretHash!: string;

  /** A label (API keys); null for sessions. */
  @Property({ type: 'string', length: 120, nullable: true })
  name: string | null = null;

  @ManyToOne({ entity: 'Agent', ref: true, nullable: true, deleteRule: 'cascade' })
  agent: Ref<Agent> | null = null;

  @ManyToOne({ entity: 'EndUser', ref: true, nullable: true, deleteRule: 'cascade' })
  endUser: Ref<EndUser> | null = null;

  /** TICKET_ACCESS: the ticket the token opens. */
  @Property({ type: 'integer', nullable: true })
  ticketScope: number | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  /** Null: never expires (API keys until revoked). */
  @Property({ type: 'datetime', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Date | null = null;
}
