import { createHash } from 'node:crypto';
import { ref, UniqueConstraintViolationException } from '@mikro-orm/core';
import { DomainError, ErrorCode } from '../../common/errors';
import { toGlobalId } from '../../common/global-id';
import { attachmentPath } from '../../common/html';
import { inTransaction } from '../../common/tx';
import { ContentRefused, checkContent } from '../attachments/attachment.content';
import { sanitizeFilename } from '../attachments/attachment.filename';
import { EndUser } from '../directory/end-user.entity';
import { MAX_ATTACHMENTS_PER_ENTRY } from '../threads/thread.service';
import { Collaborator } from '../tickets/collaborator.entity';
import { Ticket } from '../tickets/ticket.entity';
import { isLive, TicketState } from '../tickets/ticket-state';
import { EmailAddressState, InboundDoor, InboundEmail, InboundEmailStatus, OutboundEmail } from './email.entity';
import { InboundReason } from './email.errors';
import { headerMessageId, numberToken, parseInbound, replyBody, textToHtml, type ParsedInbound } from './inbound.parse';
import { AlreadyProcessed, forInbound, type InboundScope } from './intake-scope';
import { Mailbox } from './mailbox.entity';
import { writeNotice } from './outbound.service';
import { endUserFor, openTicketFromEmail, postMessageFromEmail, storeSenderAttachment, type BridgeDeps } from './ticket-bridge';

/** Largest attachment taken from an email (the upload route's limit). */
const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

export interface Delivery {
  door: InboundDoor;
  mailboxId?: number | null;
  imap?: { uidValidity: string; uid: number };
}

/**
 * The inbound pipeline, one for all three doors: the raw message is stored
 * first (a crash after acceptance loses nothing), then processed once — the
 * command that acts on it also marks it processed, in its own transaction.
 */
export class InboundMail {
  constructor(private readonly deps: BridgeDeps) {}

  /** Stores the raw message; the same Message-ID (or IMAP UID) again returns the stored one. */
  async store(raw: Buffer, delivery: Delivery): Promise<{ id: number; duplicate: boolean }> {
    const messageId = headerMessageId(raw);
    const em = this.deps.orm.em.fork();
    try {
      const row = em.create(InboundEmail, {
        messageId,
        door: delivery.door,
        mailbox: delivery.mailboxId ? ref(Mailbox, delivery.mailboxId) : null,
        imapUidValidity: delivery.imap?.uidValidity ?? null,
        imapUid: delivery.imap?.uid ?? null,
        raw,
        size: raw.length,
      });
      await em.flush();
      return { id: row.id, duplicate: false };
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const existing = await this.deps.orm.em.fork().findOne(InboundEmail, { messageId }, { fields: ['id'] });
      if (existing) return { id: existing.id, duplicate: true };
      const byUid = delivery.imap ? await this.deps.orm.em.fork().findOne(InboundEmail, { mailbox: delivery.mailboxId ?? null, imapUidValidity: delivery.imap.uidValidity, imapUid: delivery.imap.uid }, { fields: ['id'] }) : null;
      if (byUid) return { id: byUid.id, duplicate: true };
      throw error;
    }
  }

  /** Stores, then processes; the status it ended in. */
  async receive(raw: Buffer, delivery: Delivery): Promise<{ id: number; status: InboundEmailStatus }> {
    const { id } = await this.store(raw, delivery);
    return { id, status: await this.process(id) };
  }

  /** Messages stored but never processed (the process stopped in between). */
  async resume(): Promise<void> {
    const rows = await this.deps.orm.em.fork().find(InboundEmail, { status: InboundEmailStatus.RECEIVED }, { fields: ['id'], orderBy: { id: 'asc' }, limit: 100 });
    for (const r of rows) await this.process(r.id).catch((err: unknown) => this.deps.log.error({ err, inboundEmailId: r.id }, 'processing an email failed'));
  }

  private async finish(id: number, status: InboundEmailStatus, reason: string | null, extra: Partial<InboundEmail> = {}): Promise<InboundEmailStatus> {
    await this.deps.orm.em.fork().nativeUpdate(InboundEmail, { id, status: InboundEmailStatus.RECEIVED }, { status, reason, processedAt: new Date(), ...extra });
    if (status === InboundEmailStatus.FAILED) this.deps.log.warn({ inboundEmailId: id, reason }, 'an inbound email was not processed');
    return (await this.deps.orm.em.fork().findOneOrFail(InboundEmail, id, { fields: ['status'] })).status;
  }

  async process(id: number): Promise<InboundEmailStatus> {
    const em = this.deps.orm.em.fork();
    const row = await em.findOne(InboundEmail, id, { populate: ['raw'] });
    if (!row) throw new Error(`no inbound email ${id}`);
    if (row.status !== InboundEmailStatus.RECEIVED) return row.status;
    await em.nativeUpdate(InboundEmail, { id }, { attempts: row.attempts + 1 });
    let mail: ParsedInbound;
    try {
      // the embedded database hands bytea back as a Uint8Array
      mail = await parseInbound(Buffer.from(row.raw));
    } catch (error) {
      return this.finish(id, InboundEmailStatus.FAILED, `${InboundReason.MALFORMED}: ${String((error as Error).message ?? error).slice(0, 300)}`);
    }
    const facts = { fromAddress: mail.from?.address.slice(0, 320) ?? null, subject: mail.subject.slice(0, 400) || null };
    if (mail.bounce) {
      await inTransaction({ em: this.deps.orm.em.fork(), services: this.deps.services }, async (tx) => {
        for (const address of mail.bounce!.recipients) {
          const state = (await tx.findOne(EmailAddressState, { address })) ?? tx.create(EmailAddressState, { address });
          state.isBouncing = true;
          state.bouncedAt = new Date();
          state.bounceReason = mail.subject.slice(0, 500);
        }
        await tx.flush();
      });
      return this.finish(id, InboundEmailStatus.IGNORED, `${InboundReason.BOUNCE}${mail.bounce.recipients.length ? ` for ${mail.bounce.recipients.join(', ')}` : ''}`, facts);
    }
    if (mail.autoReply) return this.finish(id, InboundEmailStatus.IGNORED, InboundReason.AUTO_REPLY, facts);
    if (!mail.from || !/^[^\s@<>]+@[^\s@<>]+$/.test(mail.from.address)) return this.finish(id, InboundEmailStatus.FAILED, InboundReason.NO_SENDER, facts);
    await em.nativeUpdate(InboundEmail, { id }, facts);

    const mailboxes = await em.find(Mailbox, {});
    const boxAddresses = new Set(mailboxes.map((m) => m.address));
    const mailbox = (row.mailbox ? mailboxes.find((m) => m.id === row.mailbox!.id) : undefined) ?? mailboxes.find((m) => mail.recipients.includes(m.address)) ?? null;
    if (mailbox && !row.mailbox) await em.nativeUpdate(InboundEmail, { id }, { mailbox: ref(mailbox) });
    const from = mail.from;
    try {
      const target = await this.replyTarget(mail, from.address);
      if (target) {
        // A message cannot reopen a ticket that is not live: the sender gets a notice instead.
        if (!isLive(target.state)) {
          await inTransaction({ em: this.deps.orm.em.fork(), services: this.deps.services }, async (tx) => {
            const ticket = await tx.findOneOrFail(Ticket, target.id);
            await writeNotice(tx, ticket, from);
            await tx.nativeUpdate(InboundEmail, { id, status: InboundEmailStatus.RECEIVED }, { status: InboundEmailStatus.REFUSED, reason: InboundReason.CLOSED_FOR_GOOD, ticket: ref(ticket), processedAt: new Date() });
          });
          return this.statusOf(id);
        }
        const user = await this.deps.orm.em.fork().findOneOrFail(EndUser, { email: from.address });
        const scope = await this.scopeWithAttachments(id, mail, user);
        try {
          await forInbound(scope.scope, () => postMessageFromEmail(this.deps, user, toGlobalId('Ticket', target.id), this.body(mail, scope.cids, true)));
          return this.statusOf(id);
        } catch (error) {
          // not the sender's to post on after all (removed meanwhile): a new ticket, as for a stranger
          if (!(error instanceof DomainError) || !error.errors.some((e) => e.code === ErrorCode.FORBIDDEN || e.code === ErrorCode.NOT_FOUND)) throw error;
        }
      }
      const owner = await endUserFor(this.deps, from.address, from.name);
      const scope = await this.scopeWithAttachments(id, mail, owner);
      const collaborators = mail.cc.filter((c) => !boxAddresses.has(c.address) && c.address !== from.address && /^[^\s@<>]+@[^\s@<>]+$/.test(c.address)).slice(0, 50);
      await forInbound(scope.scope, () =>
        openTicketFromEmail(this.deps, {
          subject: mail.subject.slice(0, 255) || '(no subject)',
          body: this.body(mail, scope.cids, false),
          owner: { email: from.address, name: from.name },
          departmentId: mailbox?.department ? toGlobalId('Department', mailbox.department.id) : null,
          helpTopicId: mailbox?.helpTopic ? toGlobalId('HelpTopic', mailbox.helpTopic.id) : null,
          priorityId: mailbox?.priority ? toGlobalId('Priority', mailbox.priority.id) : null,
          collaborators: [...new Map(collaborators.map((c) => [c.address, c])).values()].map((c) => ({ email: c.address, name: c.name })),
        }),
      );
      return this.statusOf(id);
    } catch (error) {
      if (error instanceof AlreadyProcessed) return this.statusOf(id);
      if (error instanceof DomainError) {
        const rejected = error.errors.some((e) => e.code === ErrorCode.REJECTED);
        return this.finish(id, rejected ? InboundEmailStatus.REJECTED : InboundEmailStatus.FAILED, error.message.slice(0, 2000));
      }
      throw error;
    }
  }

  /** Whether the message was processed before `at`. */
  async processedBefore(id: number, at: Date): Promise<boolean> {
    return (await this.deps.orm.em.fork().count(InboundEmail, { id, processedAt: { $lt: at } })) > 0;
  }

  private async statusOf(id: number): Promise<InboundEmailStatus> {
    return (await this.deps.orm.em.fork().findOneOrFail(InboundEmail, id, { fields: ['status'] })).status;
  }

  /**
   * The ticket a reply belongs to: one whose email DeskQL sent is named by
   * In-Reply-To/References, or whose `[#number]` the subject carries — and
   * in both cases the sender must be its owner or an active collaborator
   * (the message command checks it again). Anything else is a new ticket.
   */
  private async replyTarget(mail: ParsedInbound, sender: string): Promise<{ id: number; state: TicketState } | null> {
    const em = this.deps.orm.em.fork();
    const user = await em.findOne(EndUser, { email: sender });
    if (!user) return null;
    const candidates: number[] = [];
    if (mail.replyTo.length) {
      const sent = await em.find(OutboundEmail, { messageId: { $in: mail.replyTo.slice(0, 50) }, ticket: { $ne: null } }, { fields: ['ticket', 'messageId'] });
      for (const ref of mail.replyTo) {
        const hit = sent.find((s) => s.messageId === ref);
        if (hit?.ticket && !candidates.includes(hit.ticket.id)) candidates.push(hit.ticket.id);
      }
    }
    const token = numberToken(mail.subject);
    if (token) {
      const t = await em.findOne(Ticket, { number: token }, { fields: ['id'] });
      if (t && !candidates.includes(t.id)) candidates.push(t.id);
    }
    for (const ticketId of candidates) {
      const ticket = await em.findOneOrFail(Ticket, ticketId);
      const participant = ticket.owner.id === user.id || (await em.count(Collaborator, { ticket: ticketId, user: user.id, isActive: true })) > 0;
      if (participant) return { id: ticket.id, state: ticket.state };
    }
    return null;
  }

  /** The email's attachments stored as the sender's uploads (limits and type checks of the upload route); cid → our path. */
  private async scopeWithAttachments(id: number, mail: ParsedInbound, user: EndUser): Promise<{ scope: InboundScope; cids: Map<string, string>; refused: string[] }> {
    const scope: InboundScope = { inboundId: id, autoSubmitted: mail.autoReply, attachmentIds: [], reason: null, open: false };
    const cids = new Map<string, string>();
    const refused: string[] = [];
    for (const a of mail.attachments) {
      const filename = sanitizeFilename(a.filename ?? (a.contentType.startsWith('image/') ? `image.${a.contentType.slice(6).replace(/[^a-z0-9]/g, '') || 'bin'}` : 'attachment'));
      if (scope.attachmentIds.length >= MAX_ATTACHMENTS_PER_ENTRY) {
        refused.push(`${filename} (at most ${MAX_ATTACHMENTS_PER_ENTRY} attachments)`);
        continue;
      }
      if (a.content.length > MAX_ATTACHMENT_BYTES) {
        refused.push(`${filename} (larger than ${MAX_ATTACHMENT_BYTES} bytes)`);
        continue;
      }
      let contentType: string;
      try {
        contentType = await checkContent(a.content, filename, a.contentType);
      } catch (error) {
        if (!(error instanceof ContentRefused)) throw error;
        refused.push(`${filename} (${error.message})`);
        continue;
      }
      const stored = await storeSenderAttachment(this.deps, user, { filename, contentType, bytes: a.content, sha256: createHash('sha256').update(a.content).digest('hex') });
      scope.attachmentIds.push(stored.id);
      if (a.cid) cids.set(a.cid.replace(/^<|>$/g, ''), attachmentPath(toGlobalId('Attachment', stored.id)));
    }
    if (refused.length) scope.reason = `Attachments not accepted: ${refused.join('; ')}`.slice(0, 2000);
    return { scope, cids, refused };
  }

  /** The body as the thread stores it: a reply's new text, or a new message's HTML (inline images pointing at their attachments). */
  private body(mail: ParsedInbound, cids: Map<string, string>, reply: boolean): string {
    let html: string;
    if (reply || !mail.html) html = reply ? replyBody(mail.text) : textToHtml(mail.text);
    else html = mail.html.replace(/(["'])cid:([^"']+)\1/gi, (whole, q: string, cid: string) => (cids.has(cid) ? `${q}${cids.get(cid)}${q}` : whole));
    return html.replace(/<[^>]*>/g, '').trim() === '' && !/<img/i.test(html) ? '<p>(no text)</p>' : html;
  }
}
