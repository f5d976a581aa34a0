import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment as MailAttachment, type ParsedMail } from 'mailparser';
import { escapeHtml } from '../canned/canned.template';
import { oneLine } from './templates';

export interface ParsedInbound {
  messageId: string;
  from: { address: string; name: string | null } | null;
  /** To, Cc and the delivery headers: where it was sent (mailboxes are found among these). */
  recipients: string[];
  cc: { address: string; name: string | null }[];
  subject: string;
  /** Message-IDs of In-Reply-To and References, newest first. */
  replyTo: string[];
  autoReply: boolean;
  bounce: { recipients: string[] } | null;
  html: string | null;
  text: string;
  attachments: MailAttachment[];
}

/** The Message-ID to deduplicate by: the header's, or one made from the bytes when there is none. */
export function fallbackMessageId(raw: Buffer): string {
  return `<${createHash('sha256').update(raw).digest('hex')}@deskql.invalid>`;
}

/** A cheap look at the raw header for the Message-ID, before parsing (storing comes first). */
export function headerMessageId(raw: Buffer): string {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const header = (end === -1 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id:\s*(<[^<>\s]{1,900}>)/im.exec(header);
  return m ? m[1]! : fallbackMessageId(raw);
}

function addressesOf(value: AddressObject | AddressObject[] | undefined): { address: string; name: string | null }[] {
  const list = value ? (Array.isArray(value) ? value : [value]) : [];
  return list.flatMap((a) => a.value).flatMap((v) => (v.address ? [{ address: v.address.trim().toLowerCase(), name: v.name ? oneLine(v.name).slice(0, 200) || null : null }] : []));
}

/**
 * A header's values as text, one per occurrence: a structured header's main value, an
 * address header's addresses (mailparser parses Delivered-To, among others, into addresses).
 */
function headerValues(mail: ParsedMail, name: string): string[] {
  const v: unknown = mail.headers.get(name);
  return (Array.isArray(v) ? (v as unknown[]) : [v]).flatMap((x): string[] => {
    if (typeof x === 'string') return [x];
    if (!x || typeof x !== 'object' || !('value' in x)) return [];
    if (typeof x.value === 'string') return [x.value];
    return Array.isArray(x.value) ? addressesOf(x as AddressObject).map((a) => a.address) : [];
  });
}

const header = (mail: ParsedMail, name: string): string => headerValues(mail, name).join(',');

/** RFC 3834 and the usual vendor headers; mail daemons. */
function isAutoReply(mail: ParsedMail, from: string | null): boolean {
  const auto = header(mail, 'auto-submitted').trim().toLowerCase();
  if (auto && auto !== 'no') return true;
  if (mail.headers.has('x-autoreply') || mail.headers.has('x-autorespond')) return true;
  if (/^(bulk|junk|list)$/i.test(header(mail, 'precedence').trim())) return true;
  return from !== null && /^(mailer-daemon|postmaster)@/i.test(from);
}

/** A delivery status notification (RFC 3464): the recipients that failed. */
function bounceOf(mail: ParsedMail): { recipients: string[] } | null {
  const ct = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (!ct || ct.value?.toLowerCase() !== 'multipart/report' || ct.params?.['report-type']?.toLowerCase() !== 'delivery-status') return null;
  const recipients = new Set<string>();
  // mailparser folds a message/delivery-status part into the text (or keeps it as an attachment)
  const parts = [mail.text ?? '', ...mail.attachments.filter((a) => a.contentType.toLowerCase() === 'message/delivery-status').map((a) => a.content.toString('utf8'))];
  for (const text of parts) {
    for (const block of text.split(/\r?\n\r?\n/)) {
      const rcpt = /^final-recipient:\s*[^;]*;\s*(\S+)/im.exec(block)?.[1];
      const action = /^action:\s*(\S+)/im.exec(block)?.[1]?.toLowerCase();
      if (rcpt && (action === undefined || action === 'failed')) recipients.add(rcpt.replace(/[<>]/g, '').toLowerCase());
    }
  }
  return { recipients: [...recipients] };
}

function idsOf(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(' ') : (value ?? '');
  return text.match(/<[^<>\s]{1,900}>/g) ?? [];
}

/** Parses a stored message; throws when it is not MIME we can read. */
export async function parseInbound(raw: Buffer): Promise<ParsedInbound> {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  if (mail.headerLines.length === 0) throw new Error('no header');
  const from = addressesOf(mail.from)[0] ?? null;
  const to = addressesOf(mail.to);
  const cc = addressesOf(mail.cc);
  const delivered = ['delivered-to', 'x-original-to', 'envelope-to'].flatMap((h) => headerValues(mail, h)).map((a) => a.trim().toLowerCase()).filter(Boolean);
  const references = idsOf(mail.references);
  const replyTo = [...idsOf(mail.inReplyTo), ...references.reverse()];
  const attachments = mail.attachments.filter((a) => !['message/delivery-status', 'message/rfc822-headers', 'text/rfc822-headers'].includes(a.contentType.toLowerCase()));
  return {
    messageId: mail.messageId && /^<[^<>\s]{1,900}>$/.test(mail.messageId) ? mail.messageId : headerMessageId(raw),
    from,
    recipients: [...new Set([...to.map((a) => a.address), ...cc.map((a) => a.address), ...delivered])],
    cc: [...to, ...cc],
    subject: oneLine(mail.subject ?? ''),
    replyTo: [...new Set(replyTo)],
    autoReply: isAutoReply(mail, from?.address ?? null),
    bounce: bounceOf(mail),
    html: typeof mail.html === 'string' ? mail.html : null,
    text: mail.text ?? '',
    attachments,
  };
}

interface ReplyParser {
  read(text: string): { getVisibleText(): string };
}
// Its package declares ESM types over a CommonJS build; required as what it is.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const EmailReplyParser = (require('email-reply-parser') as { default: new () => ReplyParser }).default;

/** A reply's new text: quoted history and the "On … wrote:" marker stripped, as HTML paragraphs. */
export function replyBody(text: string): string {
  const visible = new EmailReplyParser().read(text.replace(/\r\n?/g, '\n')).getVisibleText().trim();
  return textToHtml(visible);
}

export function textToHtml(text: string): string {
  return text
    .trim()
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** The `[#123456]` token of a subject. */
export function numberToken(subject: string): string | null {
  return /\[#(\d{6,15})\]/.exec(subject)?.[1] ?? null;
}
