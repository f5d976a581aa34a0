import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, fail, topLevelError } from '../../common/errors';
import { decodeIdOf } from '../../common/global-id';
import { refOf } from '../../common/reference-cache';
import { Attachment } from '../attachments/attachment.entity';
import { Department } from '../directory/department.entity';
import { Priority } from '../tickets/priority.entity';
import type { Ticket } from '../tickets/ticket.entity';
import { TicketStatus } from '../tickets/ticket-status.entity';
import { ticketById } from '../tickets/ticket.query';
import { CannedResponse } from './canned-response.entity';
import { CANNED_AGENTS_ONLY, cannedFacts, usableOnTicket } from './canned.policy';
import { formatDueDate, renderTemplate, unknownVariablesProblem, type CannedValues, type RenderedTemplate } from './canned.template';

// Using a canned response on a ticket: rendering it (the query) and attaching
// it to a reply. Kept apart from the management commands so the thread
// service can use it without importing them.

/**
 * The canned response with this global id if it may be used on a ticket of
 * that department (enabled; all-departments or the ticket's); null for a bad,
 * unknown, disabled or other-department id alike.
 */
export async function usableCanned(em: EntityManager, id: string, ticketDepartmentId: number, lock = false): Promise<CannedResponse | null> {
  const key = decodeIdOf('CannedResponse', id);
  const canned = key === null ? null : await em.findOne(CannedResponse, key, lock ? { lockMode: LockMode.PESSIMISTIC_READ } : {});
  return canned && usableOnTicket(cannedFacts(canned), ticketDepartmentId) ? canned : null;
}

/** A canned response's own attachments, in upload order. */
export function cannedAttachments(em: EntityManager, cannedId: number): Promise<Attachment[]> {
  return em.find(Attachment, { cannedResponse: cannedId }, { orderBy: { id: 'asc' } });
}

/** The variables' values for a ticket; `staffName` is the agent using the response. */
export async function variableValues(em: EntityManager, ticket: Ticket, staffName: string): Promise<CannedValues> {
  // status, priority and department from the reference cache (a reference would load each with a statement)
  const [status, priority, department, owner, assignee, team] = await Promise.all([
    refOf(em, TicketStatus, ticket.status.id),
    refOf(em, Priority, ticket.priority.id),
    refOf(em, Department, ticket.department.id),
    ticket.owner.loadOrFail(),
    ticket.assignee ? ticket.assignee.load() : null,
    ticket.team ? ticket.team.load() : null,
  ]);
  return {
    'ticket.number': ticket.number,
    'ticket.subject': ticket.subject,
    'ticket.status': status.name,
    'ticket.priority': priority.name,
    'ticket.dept': department.name,
    'ticket.due_date': formatDueDate(ticket.dueAt),
    'ticket.assigned': assignee?.name ?? team?.name ?? '',
    'recipient.name': owner.name,
    'recipient.email': owner.email,
    'staff.name': staffName,
  };
}

export async function renderForTicket(em: EntityManager, canned: CannedResponse, ticket: Ticket, staffName: string): Promise<RenderedTemplate> {
  return renderTemplate(canned.body, await variableValues(em, ticket, staffName));
}

export interface RenderedCanned {
  body: string;
  unknownVariables: string[];
  attachments: Attachment[];
}

/**
 * `renderCannedResponse`: the response rendered for a ticket the viewer (an
 * agent) can see. An invisible ticket, or a canned response that is
 * disabled, unknown or of another department than the ticket's, is NOT_FOUND.
 */
export async function renderCannedResponse(ctx: Context, cannedResponseId: string, ticketId: string): Promise<RenderedCanned> {
  const viewer = ctx.viewer;
  if (viewer?.kind !== 'agent') throw topLevelError('FORBIDDEN', CANNED_AGENTS_ONLY.message);
  const ticketKey = decodeIdOf('Ticket', ticketId);
  const ticket = ticketKey === null ? null : await ticketById(ctx, ticketKey);
  if (!ticket) throw topLevelError('NOT_FOUND', 'Ticket not found');
  const canned = await usableCanned(ctx.em, cannedResponseId, ticket.department.id);
  if (!canned) throw topLevelError('NOT_FOUND', 'Canned response not found');
  const rendered = await renderForTicket(ctx.em, canned, ticket, viewer.agent.name);
  return { body: rendered.html, unknownVariables: rendered.unknownVariables, attachments: await cannedAttachments(ctx.em, canned.id) };
}

export interface CannedForReply {
  canned: CannedResponse;
  attachments: Attachment[];
}

/**
 * For `replyToTicket` (inside its transaction, the ticket row locked): the
 * canned response, share-locked so a concurrent edit cannot swap its
 * attachments mid-copy, and its attachments; NOT_FOUND on `field` otherwise.
 */
export async function cannedForReply(em: EntityManager, id: string, ticket: Ticket, field: string): Promise<CannedForReply> {
  const canned = await usableCanned(em, id, ticket.department.id, true);
  if (!canned) return fail(ErrorCode.NOT_FOUND, 'Canned response not found', field);
  return { canned, attachments: await cannedAttachments(em, canned.id) };
}

/**
 * The body of a reply sent with a canned response and an empty body: the
 * response rendered for the ticket. Unknown variables are refused rather than
 * sent to the customer as `%{…}`.
 */
export async function replyBodyFrom(em: EntityManager, canned: CannedResponse, ticket: Ticket, staffName: string, field: string): Promise<string> {
  const rendered = await renderForTicket(em, canned, ticket, staffName);
  if (rendered.unknownVariables.length > 0) {
    return fail(ErrorCode.BAD_USER_INPUT, `${unknownVariablesProblem(rendered.unknownVariables)}; send an edited body instead`, field);
  }
  return rendered.html;
}
