import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { TicketSource } from '../tickets/ticket-source';

/** What a filter rule looks at (SPEC §4). */
export enum TicketFilterField {
  SUBJECT = 'SUBJECT',
  BODY = 'BODY',
  EMAIL = 'EMAIL',
  NAME = 'NAME',
  EMAIL_DOMAIN = 'EMAIL_DOMAIN',
  SOURCE = 'SOURCE',
  HELP_TOPIC = 'HELP_TOPIC',
  PRIORITY = 'PRIORITY',
  DEPARTMENT = 'DEPARTMENT',
}

registerEnumType(TicketFilterField, {
  name: 'TicketFilterField',
  description: "What a ticket filter rule looks at: the new ticket as its caller sent it (earlier filters' actions do not change it).",
  valuesConfig: {
    SUBJECT: { description: 'The subject.' },
    BODY: { description: 'The plain text of the sanitized first message.' },
    EMAIL: { description: "The owner's email address." },
    NAME: { description: "The owner's name (an existing end user's stored name)." },
    EMAIL_DOMAIN: { description: "The part of the owner's email address after the @." },
    SOURCE: { description: 'The source, as its enum name (WEB, EMAIL, PHONE, API, OTHER).' },
    HELP_TOPIC: { description: 'The help topic the caller chose: EQUALS/NOT_EQUALS take its id or its name; the other operators look at its name ("" when none).' },
    PRIORITY: { description: 'The priority the caller chose: EQUALS/NOT_EQUALS take its id or its name; the other operators look at its name ("" when none).' },
    DEPARTMENT: { description: 'The department the caller chose: EQUALS/NOT_EQUALS take its id or its name; the other operators look at its name ("" when none).' },
  },
});

/** How a rule compares (SPEC §4). Comparisons ignore case; each NOT_ operator is the negation of its positive one. */
export enum MatchOperator {
  EQUALS = 'EQUALS',
  NOT_EQUALS = 'NOT_EQUALS',
  CONTAINS = 'CONTAINS',
  NOT_CONTAINS = 'NOT_CONTAINS',
  STARTS_WITH = 'STARTS_WITH',
  ENDS_WITH = 'ENDS_WITH',
  MATCHES = 'MATCHES',
  NOT_MATCHES = 'NOT_MATCHES',
}

registerEnumType(MatchOperator, {
  name: 'MatchOperator',
  description: 'How a ticket filter rule compares. Comparisons ignore case.',
  valuesConfig: {
    EQUALS: { description: 'The whole value is equal.' },
    NOT_EQUALS: { description: 'The whole value is not equal.' },
    CONTAINS: { description: 'The value contains the text.' },
    NOT_CONTAINS: { description: 'The value does not contain the text.' },
    STARTS_WITH: { description: 'The value starts with the text.' },
    ENDS_WITH: { description: 'The value ends with the text.' },
    MATCHES: { description: 'A JavaScript regular expression (case-insensitive, unanchored) matches; run with a time bound.' },
    NOT_MATCHES: { description: 'The regular expression does not match; a test that runs out of time matches neither way.' },
  },
});

export interface FilterRule {
  field: TicketFilterField;
  operator: MatchOperator;
  value: string;
}

/** Stored actions: database keys of the objects they name (checked at save, and again when they run). */
export interface FilterActions {
  reject?: boolean;
  departmentId?: number;
  priorityId?: number;
  slaPlanId?: number;
  statusId?: number;
  helpTopicId?: number;
  assignAgentId?: number;
  assignTeamId?: number;
  /** A canned response posted as the first RESPONSE (SPEC §3: after the due date is computed). */
  autoReplyCannedResponseId?: number;
  addCollaborators?: { email: string; name: string | null }[];
}

/**
 * A ticket filter (SPEC §4): run on every new ticket, in execution order,
 * before help-topic and department defaults.
 */
@Entity({ tableName: 'ticket_filter' })
@Index({ properties: ['isActive', 'executionOrder', 'id'] })
export class TicketFilter {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 120, unique: true })
  name!: string;

  @Property({ type: 'boolean' })
  isActive: boolean & Opt = true;

  /** Lower runs first; ties run in creation order. */
  @Property({ type: 'integer' })
  executionOrder: number & Opt = 0;

  /** All rules must match (true) or any one (false). */
  @Property({ type: 'boolean' })
  matchAll: boolean & Opt = true;

  /** A match ends the run: later filters do not run. */
  @Property({ type: 'boolean' })
  stopOnMatch: boolean & Opt = false;

  /** The sources the filter applies to; empty: every source. */
  @Property({ type: 'json' })
  sources: TicketSource[] & Opt = [];

  @Property({ type: 'json' })
  rules: FilterRule[] & Opt = [];

  @Property({ type: 'json' })
  actions: FilterActions & Opt = {};

  /** How many times one of its regex rules ran out of time at intake (the filter then did not match). */
  @Property({ type: 'integer' })
  timeoutCount: number & Opt = 0;

  @Property({ type: 'datetime', nullable: true })
  lastTimeoutAt: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}

/**
 * A ticket a filter rejected (SPEC §4): nothing else of it is stored, not its
 * body, not its owner as an end user. Admins read these.
 */
@Entity({ tableName: 'ticket_filter_rejection' })
@Index({ properties: ['createdAt', 'id'] })
export class TicketFilterRejection {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne({ entity: () => TicketFilter, ref: true, nullable: true, deleteRule: 'set null', index: true })
  filter: Ref<TicketFilter> | null = null;

  /** The filter's name when it rejected (kept after the filter is renamed or deleted). */
  @Property({ type: 'string', length: 120 })
  filterName!: string;

  @Property({ type: 'string', length: 255 })
  subject!: string;

  @Property({ type: 'string', length: 320 })
  email!: string;

  @Property({ type: 'string', length: 200, nullable: true })
  name: string | null = null;

  @Enum({ items: () => TicketSource, nativeEnumName: 'ticket_source' })
  source!: TicketSource;

  /** Who called openTicket: `agent:<id>`, `user:<id>` or `anon`. */
  @Property({ type: 'string', length: 120 })
  caller!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}
