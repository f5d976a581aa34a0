import type { IdRef } from '../../common/loaders';
import { registerReadShape } from '../../common/node';
import { TicketSource } from './ticket-source';
import { TicketState } from './ticket-state';


/**
 * What reading a ticket needs: its columns and the keys of its relations —
 * the fields of `TicketRow`. The entity satisfies it (a MikroORM reference
 * carries its key), and so does a row of a list page, which is never an
 * entity: lists map SQL rows straight to GraphQL objects and leave entities
 * to commands (hydrating 50 tickets into the identity map was most of a
 * page's CPU).
 */
export type TicketRead = { readonly [K in keyof TicketRow]: TicketRow[K] };

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string));
const key = (v: unknown): IdRef | null => (v === null || v === undefined ? null : { id: Number(v) });

/** A `ticket` row of a list, as the GraphQL `Ticket` reads it (columns of `select t.*`). */
export class TicketRow {
  readonly id: number;
  readonly number: string;
  readonly subject: string;
  readonly state: TicketState;
  readonly source: TicketSource;
  readonly urgency: number;
  readonly isAnswered: boolean;
  readonly dueAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly closedAt: Date | null;
  readonly reopenedAt: Date | null;
  readonly reopenCount: number;
  readonly lastMessageAt: Date | null;
  readonly lastResponseAt: Date | null;
  readonly version: number;
  readonly lockExpiresAt: Date | null;
  readonly status: IdRef;
  readonly priority: IdRef;
  readonly department: IdRef;
  readonly owner: IdRef;
  readonly helpTopic: IdRef | null;
  readonly slaPlan: IdRef | null;
  readonly assignee: IdRef | null;
  readonly team: IdRef | null;
  readonly lockAgent: IdRef | null;

  constructor(r: Record<string, unknown>) {
    this.id = Number(r.id);
    this.number = String(r.number);
    this.subject = String(r.subject);
    this.state = r.state as TicketState;
    this.source = r.source as TicketSource;
    this.urgency = Number(r.urgency);
    this.isAnswered = r.is_answered === true;
    this.dueAt = date(r.due_at);
    this.createdAt = date(r.created_at)!;
    this.updatedAt = date(r.updated_at)!;
    this.closedAt = date(r.closed_at);
    this.reopenedAt = date(r.reopened_at);
    this.reopenCount = Number(r.reopen_count);
    this.lastMessageAt = date(r.last_message_at);
    this.lastResponseAt = date(r.last_response_at);
    this.version = Number(r.version);
    this.lockExpiresAt = date(r.lock_expires_at);
    this.status = key(r.status_id)!;
    this.priority = key(r.priority_id)!;
    this.department = key(r.department_id)!;
    this.owner = key(r.owner_id)!;
    this.helpTopic = key(r.help_topic_id);
    this.slaPlan = key(r.sla_plan_id);
    this.assignee = key(r.assignee_id);
    this.team = key(r.team_id);
    this.lockAgent = key(r.lock_agent_id);
  }
}

registerReadShape(TicketRow, 'Ticket');
