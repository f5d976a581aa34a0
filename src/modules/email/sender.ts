import type { MikroORM } from '@mikro-orm/postgresql';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { mapAttachmentImages } from '../../common/html';
import { toGlobalId } from '../../common/global-id';
import type { Logger } from '../../common/logger';
import { Attachment, AttachmentContent } from '../attachments/attachment.entity';
import { OutboundEmail, OutboundEmailStatus, RecipientKind, type Recipient } from './email.entity';
import { oneLine } from './templates';

const BATCH = 10;
const MAX_ATTEMPTS = 10;
/** A claimed email is someone's for this long; past it (the sender crashed mid-send) another process takes it, same Message-ID. */
const LEASE_S = 300;
const MAX_BACKOFF_MS = 3_600_000;

export interface SenderOptions {
  smtpUrl: string;
  pollMs: number;
  retryMs: number;
}

const SAFE_ADDRESS = /^[^\s<>(),;:"\\\u0000-\u001f\u007f]+@[^\s<>(),;:"\\\u0000-\u001f\u007f]+$/;

function addresses(list: Recipient[]): Mail.Address[] {
  return list.filter((r) => SAFE_ADDRESS.test(r.address)).map((r) => ({ address: r.address, name: r.name ? oneLine(r.name) : '' }));
}

/** The bare address of a From value (`"Name" <a@b>` or `a@b`). */
function bareAddress(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim();
}

/**
 * Delivers the outbox after commit: claims due emails with row locks (SKIP
 * LOCKED, so several processes share the work), sends each with nodemailer,
 * and records the result. A failure is retried with exponential backoff; a
 * permanent refusal (5xx) or the last attempt marks it FAILED.
 */
export class EmailSender {
  private readonly transport: Transporter;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly log: Logger,
    private readonly options: SenderOptions,
  ) {
    // STARTTLS whenever the server offers it (nodemailer's default for smtp://); smtps:// is TLS from the start.
    this.transport = nodemailer.createTransport(options.smtpUrl);
  }

  start(): void {
    this.schedule();
    this.wake();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.wake();
      this.schedule();
    }, this.options.pollMs);
    this.timer.unref();
  }

  /** Something was committed: look for due emails now. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => this.log.error({ err }, 'sending emails failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const em = this.orm.em.fork();
      const claimed = await em.execute<{ id: number }[]>(
        `update outbound_email set attempts = attempts + 1, next_attempt_at = now() + interval '${LEASE_S} seconds'
         where id in (select id from outbound_email where status = 'PENDING' and next_attempt_at <= now() order by id limit ${BATCH} for update skip locked)
         returning id`,
      );
      if (claimed.length === 0) return;
      for (const { id } of [...claimed].sort((a, b) => a.id - b.id)) await this.sendOne(id);
    }
  }

  private async sendOne(id: number): Promise<void> {
    const em = this.orm.em.fork();
    const row = await em.findOneOrFail(OutboundEmail, id);
    try {
      await this.transport.sendMail(await this.message(row));
      await em.execute(`update outbound_email set status = 'SENT', sent_at = now(), last_error = null where id = ?`, [id]);
    } catch (error) {
      const e = error as { responseCode?: number; message?: string };
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
      const failed = permanent || row.attempts >= MAX_ATTEMPTS;
      const wait = Math.min(this.options.retryMs * 2 ** Math.max(0, row.attempts - 1), MAX_BACKOFF_MS);
      const reason = oneLine(String(e.message ?? error)).slice(0, 1000);
      await em.execute(`update outbound_email set status = ?, last_error = ?, next_attempt_at = now() + (? * interval '1 millisecond') where id = ?`, [
        failed ? OutboundEmailStatus.FAILED : OutboundEmailStatus.PENDING,
        reason,
        wait,
        id,
      ]);
      this.log.warn({ outboundEmailId: id, attempts: row.attempts, failed, reason }, 'an email was not sent');
      if (!failed) {
        const retry = setTimeout(() => this.wake(), wait + 10);
        retry.unref();
      }
    }
  }

  /** The message as nodemailer sends it; headers from stored values, each checked to be one line. */
  private async message(row: OutboundEmail): Promise<Mail.Options> {
    const em = this.orm.em.fork();
    const files = row.attachmentIds.length ? await em.find(Attachment, { id: { $in: row.attachmentIds } }, { orderBy: { id: 'asc' } }) : [];
    const contents = files.length ? await em.find(AttachmentContent, { attachment: { $in: files.map((f) => f.id) } }, { populate: ['bytes'] }) : [];
    const bytes = new Map(contents.map((c) => [c.attachment.id, c.bytes]));
    const cid = (id: number) => `a${id}@deskql`;
    const byGlobal = new Map(files.map((f) => [toGlobalId('Attachment', f.id), f.id]));
    // images of the entry's own attachments show the attached copy
    const html = mapAttachmentImages(row.html, (gid) => (byGlobal.has(gid) ? `cid:${cid(byGlobal.get(gid)!)}` : null));
    const visible = row.recipients.filter((r) => r.kind !== RecipientKind.BCC);
    const bcc = row.recipients.filter((r) => r.kind === RecipientKind.BCC);
    const headers: Record<string, string> = {};
    if (row.autoSubmitted) {
      headers['Auto-Submitted'] = 'auto-replied';
      headers['X-Auto-Response-Suppress'] = 'All';
    }
    const message: Mail.Options = {
      from: row.fromAddress.includes('<') ? { name: oneLine(row.fromAddress.replace(/<[^<>]*>\s*$/, '').replace(/"/g, '')), address: bareAddress(row.fromAddress) } : bareAddress(row.fromAddress),
      to: addresses(visible.filter((r) => r.kind === RecipientKind.TO)),
      cc: addresses(visible.filter((r) => r.kind === RecipientKind.CC)),
      subject: oneLine(row.subject),
      html,
      text: row.text,
      messageId: row.messageId,
      headers,
      attachments: files.map((f) => ({ filename: oneLine(f.filename), contentType: f.contentType, content: bytes.get(f.id) ?? Buffer.alloc(0), cid: cid(f.id) })),
    };
    if (row.replyTo) message.replyTo = row.replyTo;
    if (row.inReplyTo) message.inReplyTo = row.inReplyTo;
    if (row.references) message.references = row.references.split(' ');
    // a BCC copy: the headers name the owner and CCs; only the BCC address is in the envelope
    if (bcc.length) message.envelope = { from: bareAddress(row.fromAddress), to: bcc.filter((r) => SAFE_ADDRESS.test(r.address)).map((r) => r.address) };
    return message;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.transport.close();
  }
}
