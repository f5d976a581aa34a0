import { randomBytes } from 'node:crypto';
import { ref } from '@mikro-orm/core';
import { decodeIdOf } from '../../common/global-id';
import { refById, refOf, refRows, refWhere } from '../../common/reference-cache';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Attachment } from '../attachments/attachment.entity';
import { variableValues } from '../canned/canned.use';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { EndUser } from '../directory/end-user.entity';
import { actorAgentName } from '../events/events.service';
import { createdInTransaction, transactionEvents } from '../events/outbox';
import { TicketEventKind, type TicketEvent } from '../events/ticket-event.entity';
import { ThreadEntry } from '../threads/thread-entry.entity';
import { Collaborator, CollaboratorRole } from '../tickets/collaborator.entity';
import { Ticket } from '../tickets/ticket.entity';
import { heldCollaborators } from '../tickets/ticket.snapshot';
import { agentPrincipal, canSee, principalColumns, type PrincipalRow } from '../tickets/ticket.policy';
import { TicketSource } from '../tickets/ticket-source';
import type { TicketSnapshot } from '../tickets/ticket-predicate';
import { fromJson } from '../events/snapshot-json';
import {
  DepartmentEmailSettings,
  InboundEmail,
  InboundEmailStatus,
  OutboundEmail,
  OutboundEmailKind,
  OutboundEmailStatus,
  RecipientKind,
  type Recipient,
} from './email.entity';
import { AlreadyProcessed, inboundScope, type InboundScope } from './intake-scope';
import { Mailbox } from './mailbox.entity';
import { oneLine, renderEmail, templateFor, type EmailValues } from './templates';

/** What the outbox hook needs of the server it runs in (one per ORM: tests run several servers in a process). */
export interface OutboxSettings {
  smtpConfigured: boolean;
  mailFrom: string | undefined;
  autoResponseMaxPerHour: number;
}

const settingsOf = new WeakMap<object, OutboxSettings>();

/** Called by the server as it starts, per database: without settings `writeEmails` writes nothing (scripts). */
export function outboxSettingsFor(orm: { config: object }, settings: OutboxSettings): void {
  settingsOf.set(orm.config, settings);
}

const EMAIL_EVENTS = new Set([TicketEventKind.CREATED, TicketEventKind.RESPONSE, TicketEventKind.MESSAGE, TicketEventKind.ASSIGNED, TicketEventKind.OVERDUE]);

/**
 * The before-commit work (registered in src/server/app.ts): the emails the
 * transaction's events cause, written to the outbox in the same transaction
 * (nothing is sent for a change that rolls back; nothing committed is left
 * unsent). Runs after the events are sealed.
 */
export async function writeEmails(em: EntityManager): Promise<boolean> {
  const settings = settingsOf.get(em.config);
  if (!settings) return false;
  const events = transactionEvents(em);
  const found = inboundScope.getStore();
  const scope = found?.open ? found : undefined;
  if (scope && !scope.claimed && events.some((e) => e.kind === TicketEventKind.CREATED || e.kind === TicketEventKind.MESSAGE)) await claimInbound(em, scope, events);
  const wanted = events.filter((e) => EMAIL_EVENTS.has(e.kind));
  if (wanted.length === 0) return false;
  const writer = new OutboxWriter(em, settings, scope ?? null);
  const autoReplied = new Set(wanted.filter((e) => e.kind === TicketEventKind.RESPONSE && isAutoReply(e)).map((e) => e.ticket.id));
  for (const event of wanted) {
    const ticket = await em.findOneOrFail(Ticket, event.ticket.id);
    switch (event.kind) {
      case TicketEventKind.CREATED:
        if (!autoReplied.has(ticket.id) && (ticket.source === TicketSource.EMAIL || ticket.source === TicketSource.WEB)) await writer.autoResponse(ticket, { id: null, attachments: 0 });
        await writer.newTicketAlert(ticket, sealedSnapshot(event));
        break;
      case TicketEventKind.RESPONSE:
        if (isAutoReply(event)) await writer.autoResponse(ticket, postedOf(event));
        else await writer.response(ticket, postedOf(event), event.actorAgent?.id ?? null, actorAgentName(event));
        break;
      case TicketEventKind.MESSAGE:
        await writer.newMessageAlert(ticket, entryOf(event), sealedSnapshot(event));
        break;
      case TicketEventKind.ASSIGNED: {
        const agentId = (event.data?.['after'] as { agentId?: number | null } | undefined)?.agentId ?? null;
        // claiming a ticket needs no email to oneself
        if (agentId !== null && agentId !== event.actorAgent?.id) await writer.agentAlert(ticket, OutboundEmailKind.ASSIGNMENT_ALERT, { ids: [agentId] }, null, sealedSnapshot(event));
        break;
      }
      case TicketEventKind.OVERDUE:
        if (ticket.assignee) await writer.agentAlert(ticket, OutboundEmailKind.OVERDUE_ALERT, { ids: [ticket.assignee.id] }, null, sealedSnapshot(event));
        break;
      default:
        break;
    }
  }
  await em.flush();
  return false;
}

/** The ticket's facts as the transaction leaves them: the sealed event's "after" (the hook runs after the seal). */
const sealedSnapshot = (e: TicketEvent): TicketSnapshot => fromJson(e.after!);

const isAutoReply = (e: TicketEvent): boolean => Boolean((e.data?.['after'] as { autoReply?: unknown } | undefined)?.autoReply);

function entryOf(e: TicketEvent): number | null {
  const id = (e.data?.['after'] as { entryId?: string } | undefined)?.entryId;
  return id ? decodeIdOf('ThreadEntry', id) : null;
}

/** A thread entry an event posted: its id, and its number of attachments when the event says (null: read them). */
type Posted = { id: number | null; attachments: number | null };

/** The event's entry (its number of attachments, as the event records it: none need not be read). */
function postedOf(e: TicketEvent): Posted {
  const count = (e.data?.['after'] as { attachments?: unknown } | undefined)?.attachments;
  return { id: entryOf(e), attachments: typeof count === 'number' ? count : null };
}

/**
 * Records what the inbound message became, in the command's transaction: a
 * second run of the same message (another process, a retry after a crash)
 * finds it processed and rolls its command back.
 */
async function claimInbound(em: EntityManager, scope: InboundScope, events: readonly TicketEvent[]): Promise<void> {
  const created = events.find((e) => e.kind === TicketEventKind.CREATED);
  const message = events.find((e) => e.kind === TicketEventKind.MESSAGE);
  const ticketId = (created ?? message ?? events[0]!).ticket.id;
  let entryId = message ? entryOf(message) : null;
  if (created) entryId = (await em.findOne(ThreadEntry, { ticket: ticketId }, { orderBy: { id: 'asc' } }))?.id ?? null;
  const status = created ? InboundEmailStatus.TICKET : InboundEmailStatus.MESSAGE;
  const n = await em.nativeUpdate(
    InboundEmail,
    { id: scope.inboundId, status: InboundEmailStatus.RECEIVED },
    { status, ticket: ref(Ticket, ticketId), entry: entryId ? ref(ThreadEntry, entryId) : null, processedAt: new Date(), reason: scope.reason },
  );
  if (n !== 1) throw new AlreadyProcessed();
  if (entryId && scope.attachmentIds.length) await em.nativeUpdate(Attachment, { id: { $in: scope.attachmentIds }, entry: null }, { entry: ref(ThreadEntry, entryId) });
  scope.claimed = { ticketId, entryId };
}

export function domainOf(address: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(address);
  return m ? m[1]!.toLowerCase() : 'deskql.invalid';
}

export function newMessageId(domain: string): string {
  return `<${Date.now().toString(36)}.${randomBytes(9).toString('base64url')}@${domain}>`;
}

/**
 * The mailbox a ticket's mail goes out from: the one it came in through
 * (`inboundMailboxId`, its first inbound email's), else its department's, else the first.
 */
async function mailboxForTicket(em: EntityManager, ticket: Ticket, inboundMailboxId: number | null): Promise<Mailbox | null> {
  if (inboundMailboxId !== null) {
    const box = await refById(em, Mailbox, inboundMailboxId);
    if (box) return box;
  }
  const boxes = await refWhere(em, Mailbox, () => true);
  return boxes.find((b) => b.department?.id === ticket.department.id) ?? boxes[0] ?? null;
}

async function departmentSettings(em: EntityManager, departmentId: number): Promise<{ autoResponse: boolean; responses: boolean; alerts: boolean }> {
  const row = (await refRows(em, DepartmentEmailSettings)).find((r) => Number(r.department) === departmentId);
  return row ? { autoResponse: row.autoResponse !== false, responses: row.responses !== false, alerts: row.alerts !== false } : { autoResponse: true, responses: true, alerts: true };
}

/**
 * The short notice to someone who wrote to an archived or deleted ticket, in
 * the caller's transaction (capped like auto-responses: a loop ends).
 */
export async function writeNotice(em: EntityManager, ticket: Ticket, to: { address: string; name: string | null }): Promise<void> {
  const settings = settingsOf.get(em.config);
  if (settings) await new OutboxWriter(em, settings, null).notice(ticket, to);
}

class OutboxWriter {
  private readonly perTicket = new Map<number, { mailbox: Mailbox | null; from: string; thread: string[] }>();

  constructor(
    private readonly em: EntityManager,
    private readonly settings: OutboxSettings,
    private readonly scope: InboundScope | null,
  ) {}

  private async ticketMail(ticket: Ticket) {
    let m = this.perTicket.get(ticket.id);
    if (!m) {
      // a ticket this transaction created, outside an inbound email's scope: no mail about it exists but what this writer writes
      const fresh = !this.scope && createdInTransaction(this.em, ticket.id);
      // One statement for what the ticket's mail so far says: the mailbox it came in through, the thread's last Message-IDs.
      const [known] = fresh
        ? [{ mailbox_id: null, thread: [] as string[] }]
        : await this.em.execute<[{ mailbox_id: number | null; thread: string[] | string }]>(
            `select (select mailbox_id from inbound_email where ticket_id = ? and mailbox_id is not null order by id limit 1) as mailbox_id,
                    coalesce((select json_agg(message_id order by at, id) from (
                      select message_id, received_at as at, id from inbound_email where ticket_id = ? and status in ('TICKET', 'MESSAGE')
                      union all
                      select message_id, created_at as at, id from outbound_email where ticket_id = ? and kind in ('RESPONSE', 'AUTO_RESPONSE')
                      order by at desc, id desc limit 20) x), '[]') as thread`,
            [ticket.id, ticket.id, ticket.id],
          );
      const mailbox = await mailboxForTicket(this.em, ticket, known.mailbox_id === null ? null : Number(known.mailbox_id));
      const department = await refOf(this.em, Department, ticket.department.id);
      const address = this.settings.mailFrom ?? mailbox?.address ?? 'deskql@localhost';
      const from = this.settings.mailFrom ?? `"${oneLine(mailbox?.name ?? department.name).replace(/["\\]/g, '')}" <${address}>`;
      const thread = typeof known.thread === 'string' ? (JSON.parse(known.thread) as string[]) : known.thread;
      m = { mailbox, from, thread };
      this.perTicket.set(ticket.id, m);
    }
    return m;
  }

  private async values(ticket: Ticket, staffName: string, recipient: { name: string; email: string }, message: string): Promise<EmailValues> {
    const owner = await this.em.findOneOrFail(EndUser, ticket.owner.id);
    const base = await variableValues(this.em, ticket, staffName);
    return { ...base, 'recipient.name': recipient.name, 'recipient.email': recipient.email, message, 'ticket.owner': `${owner.name} <${owner.email}>` };
  }

  private async write(
    ticket: Ticket,
    kind: OutboundEmailKind,
    recipients: Recipient[],
    rendered: { subject: string; html: string; text: string },
    options: { entryId?: number | null; attachmentIds?: number[]; autoSubmitted?: boolean; threaded?: boolean },
  ): Promise<OutboundEmail> {
    const mail = await this.ticketMail(ticket);
    const replyTo = mail.mailbox?.address ?? null;
    const row = this.em.create(OutboundEmail, {
      kind,
      ticket: ref(ticket),
      entry: options.entryId ? ref(ThreadEntry, options.entryId) : null,
      messageId: newMessageId(domainOf(replyTo ?? mail.from)),
      recipients,
      fromAddress: mail.from,
      replyTo,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      inReplyTo: options.threaded === false ? null : (mail.thread.at(-1) ?? null),
      references: options.threaded === false || mail.thread.length === 0 ? null : mail.thread.join(' '),
      autoSubmitted: options.autoSubmitted ?? false,
      attachmentIds: options.attachmentIds ?? [],
      status: this.settings.smtpConfigured ? OutboundEmailStatus.PENDING : OutboundEmailStatus.NOT_CONFIGURED,
    });
    if (options.threaded !== false) mail.thread.push(row.messageId);
    return row;
  }

  /** An entry's attachment ids in upload order; none read when the event says it has none. */
  private async attachmentsOf(entryId: number, posted: Posted): Promise<number[]> {
    if (posted.attachments === 0) return [];
    return (await this.em.find(Attachment, { entry: entryId }, { orderBy: { id: 'asc' } })).map((a) => a.id);
  }

  /** The acknowledgement of a new ticket (or a filter's auto-reply as it): not to capped, bouncing or auto-submitting senders. */
  async autoResponse(ticket: Ticket, posted: Posted): Promise<void> {
    const entryId = posted.id;
    if (this.scope?.autoSubmitted) return;
    if (!(await departmentSettings(this.em, ticket.department.id)).autoResponse) return;
    const owner = await this.em.findOneOrFail(EndUser, ticket.owner.id);
    if (await this.capped(owner.email)) return;
    const entry = entryId ? await this.em.findOne(ThreadEntry, entryId) : null;
    const department = await refOf(this.em, Department, ticket.department.id);
    const template = entry ? { ...(await templateFor(this.em, OutboundEmailKind.AUTO_RESPONSE)), body: '%{message}' } : await templateFor(this.em, OutboundEmailKind.AUTO_RESPONSE);
    const rendered = renderEmail(template, await this.values(ticket, department.name, owner, entry?.body ?? ''));
    const attachments = entry ? await this.attachmentsOf(entry.id, posted) : [];
    await this.write(ticket, OutboundEmailKind.AUTO_RESPONSE, [{ address: owner.email, name: owner.name, kind: RecipientKind.TO }], rendered, {
      entryId,
      attachmentIds: attachments,
      autoSubmitted: true,
    });
  }

  /**
   * Whether an auto-response or notice to `address` is held back: it bounces, or had its hourly
   * number. One statement; the count reads outbound_email_auto_recipient_index (those kinds have
   * one recipient) and stops at the limit.
   */
  private async capped(address: string): Promise<boolean> {
    const [row] = await this.em.execute<[{ bouncing: boolean | null; n: string | number }]>(
      `select (select s.is_bouncing from email_address_state s where s.address = ?) as bouncing,
              (select count(*) from (select 1 from outbound_email
                 where kind in ('AUTO_RESPONSE', 'NOTICE') and recipients -> 0 ->> 'address' = ? and created_at > now() - interval '1 hour'
                 limit ?) x) as n`,
      [address, address, this.settings.autoResponseMaxPerHour],
    );
    return row.bouncing === true || Number(row.n) >= this.settings.autoResponseMaxPerHour;
  }

  async notice(ticket: Ticket, to: { address: string; name: string | null }): Promise<void> {
    if (await this.capped(to.address)) return;
    const department = await refOf(this.em, Department, ticket.department.id);
    const rendered = renderEmail(await templateFor(this.em, OutboundEmailKind.NOTICE), await this.values(ticket, department.name, { name: to.name ?? to.address, email: to.address }, ''));
    await this.write(ticket, OutboundEmailKind.NOTICE, [{ address: to.address, name: to.name, kind: RecipientKind.TO }], rendered, { autoSubmitted: true, threaded: false });
  }

  /** An agent's RESPONSE: owner (To) and active CCs (Cc) in one message; each active BCC a message of its own. */
  async response(ticket: Ticket, posted: Posted, agentId: number | null, agentName: string | undefined): Promise<void> {
    const entryId = posted.id;
    if (entryId === null || !(await departmentSettings(this.em, ticket.department.id)).responses) return;
    const entry = await this.em.findOneOrFail(ThreadEntry, entryId);
    const owner = await this.em.findOneOrFail(EndUser, ticket.owner.id);
    const collaborators = heldCollaborators(this.em, ticket.id) ?? (await this.em.find(Collaborator, { ticket: ticket.id, isActive: true }, { populate: ['user'], orderBy: { id: 'asc' } }));
    // the replier's name as the command had it, else read
    const staffName = agentName ?? (agentId ? ((await this.em.findOne(Agent, agentId))?.name ?? '') : '');
    const template = await templateFor(this.em, OutboundEmailKind.RESPONSE);
    const rendered = renderEmail(template, await this.values(ticket, staffName, owner, entry.body));
    const attachmentIds = await this.attachmentsOf(entry.id, posted);
    const main: Recipient[] = [{ address: owner.email, name: owner.name, kind: RecipientKind.TO }];
    for (const c of collaborators) {
      const user = c.user.getEntity();
      if (c.role === CollaboratorRole.CC && user.email !== owner.email) main.push({ address: user.email, name: user.name, kind: RecipientKind.CC });
    }
    await this.write(ticket, OutboundEmailKind.RESPONSE, main, rendered, { entryId, attachmentIds });
    for (const c of collaborators) {
      const user = c.user.getEntity();
      if (c.role !== CollaboratorRole.BCC || main.some((r) => r.address === user.email)) continue;
      // the same message to one more address; its headers name only the owner and CCs
      await this.write(ticket, OutboundEmailKind.RESPONSE, [...main.map((r) => ({ ...r })), { address: user.email, name: user.name, kind: RecipientKind.BCC }], rendered, {
        entryId,
        attachmentIds,
        threaded: false,
      });
    }
  }

  async newTicketAlert(ticket: Ticket, snapshot: TicketSnapshot): Promise<void> {
    const to: AlertRecipients = ticket.assignee ? { ids: [ticket.assignee.id] } : { department: ticket.department.id };
    return this.agentAlert(ticket, OutboundEmailKind.NEW_TICKET_ALERT, to, await this.firstEntry(ticket), snapshot);
  }

  private async firstEntry(ticket: Ticket): Promise<number | null> {
    if (createdInTransaction(this.em, ticket.id)) {
      // all its entries are in this unit of work
      const ids = [...this.em.getUnitOfWork().getIdentityMap().values()].filter((e): e is ThreadEntry => e instanceof ThreadEntry && e.ticket.id === ticket.id).map((e) => e.id);
      if (ids.length) return Math.min(...ids);
    }
    return (await this.em.findOne(ThreadEntry, { ticket: ticket.id }, { orderBy: { id: 'asc' } }))?.id ?? null;
  }

  async newMessageAlert(ticket: Ticket, entryId: number | null, snapshot: TicketSnapshot): Promise<void> {
    if (ticket.assignee) await this.agentAlert(ticket, OutboundEmailKind.NEW_MESSAGE_ALERT, { ids: [ticket.assignee.id] }, entryId, snapshot);
    else if (ticket.team) await this.agentAlert(ticket, OutboundEmailKind.NEW_MESSAGE_ALERT, { team: ticket.team.id }, entryId, snapshot);
  }

  /**
   * One email per agent, each only to active agents who may see the ticket.
   * The recipients, their addresses and their access are one statement,
   * whatever their number.
   */
  async agentAlert(ticket: Ticket, kind: OutboundEmailKind, to: AlertRecipients, entryId: number | null, snapshot: TicketSnapshot): Promise<void> {
    if (('ids' in to && to.ids.length === 0) || !(await departmentSettings(this.em, ticket.department.id)).alerts) return;
    const [where, params, limit] =
      'ids' in to
        ? [`a.id in (${to.ids.map(() => '?').join(', ')})`, to.ids, '']
        : 'team' in to
          ? ['exists (select 1 from team_member tm where tm.team_id = ? and tm.agent_id = a.id)', [to.team], '']
          : // a department's alert goes to at most 200 of its agents
            ['not a.assigned_only and (a.primary_department_id = ? or exists (select 1 from department_access d where d.agent_id = a.id and d.department_id = ?))', [to.department, to.department], ' limit 200'];
    const rows = await this.em.execute<(PrincipalRow & { id: number; name: string; email: string; is_admin: boolean; assigned_only: boolean; primary_department_id: number })[]>(
      `select a.id, a.name, a.email, a.is_admin, a.assigned_only, a.primary_department_id, ${principalColumns('a')}
         from agent a where a.is_active and ${where} order by a.id${limit}`,
      params,
    );
    if (rows.length === 0) return;
    const entry = entryId ? await this.em.findOne(ThreadEntry, entryId) : null;
    const template = await templateFor(this.em, kind);
    for (const row of rows) {
      const principal = agentPrincipal({ id: Number(row.id), isAdmin: row.is_admin, assignedOnly: row.assigned_only, primaryDepartment: { id: Number(row.primary_department_id) } }, row);
      if (!canSee(principal, snapshot)) continue;
      const rendered = renderEmail(template, await this.values(ticket, row.name, { name: row.name, email: row.email }, entry?.body ?? ''));
      await this.write(ticket, kind, [{ address: row.email, name: row.name, kind: RecipientKind.TO }], rendered, { threaded: false });
    }
  }
}

/** Whom an agent alert goes to: named agents, a team's members, or a department's agents. */
type AlertRecipients = { ids: number[] } | { team: number } | { department: number };
