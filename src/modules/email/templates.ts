import type { EntityManager } from '@mikro-orm/postgresql';
import { sanitizeHtml } from '../../common/html';
import { escapeHtml, renderTemplate, type CannedValues } from '../canned/canned.template';
import { refRows } from '../../common/reference-cache';
import { EmailTemplate, OutboundEmailKind } from './email.entity';

/**
 * The emails' built-in texts, per kind. Admins may replace each (subject and
 * HTML body) with `updateEmailTemplate`. Both are rendered with the canned
 * responses' variables (`%{ticket.number}`, `%{recipient.name}`…) and
 * `%{message}`: the thread entry the email is about, as sanitized HTML.
 */
export const BUILT_IN: Record<OutboundEmailKind, { subject: string; body: string }> = {
  RESPONSE: { subject: 'Re: [#%{ticket.number}] %{ticket.subject}', body: '%{message}' },
  AUTO_RESPONSE: {
    subject: '[#%{ticket.number}] %{ticket.subject}',
    body:
      '<p>Dear %{recipient.name},</p><p>We received your request and opened ticket #%{ticket.number}. ' +
      'We will answer as soon as we can; reply to this email to add to it.</p><p>%{ticket.dept}</p>',
  },
  NOTICE: {
    subject: 'Re: [#%{ticket.number}] %{ticket.subject}',
    body: '<p>Dear %{recipient.name},</p><p>Ticket #%{ticket.number} is closed for good and takes no more replies, so your message was not added to it. Please write a new email to open a new ticket.</p>',
  },
  NEW_TICKET_ALERT: {
    subject: 'New ticket [#%{ticket.number}] %{ticket.subject}',
    body: '<p>A new ticket in %{ticket.dept} from %{ticket.owner}:</p>%{message}',
  },
  NEW_MESSAGE_ALERT: {
    subject: 'New message [#%{ticket.number}] %{ticket.subject}',
    body: '<p>%{ticket.owner} wrote on ticket #%{ticket.number}:</p>%{message}',
  },
  ASSIGNMENT_ALERT: {
    subject: 'Assigned to you [#%{ticket.number}] %{ticket.subject}',
    body: '<p>Ticket #%{ticket.number} (%{ticket.dept}, %{ticket.priority}) is now assigned to %{ticket.assigned}.</p>',
  },
  OVERDUE_ALERT: {
    subject: 'Overdue [#%{ticket.number}] %{ticket.subject}',
    body: '<p>Ticket #%{ticket.number} assigned to %{ticket.assigned} was due %{ticket.due_date}.</p>',
  },
};

export interface EmailValues extends CannedValues {
  message: string;
  'ticket.owner': string;
}

const TEXT_VARIABLE = /%\{([^\s{}%<>]{1,100})\}/g;

/** Any control character or line break becomes a space: header values are one line, whatever a name or subject held. */
export const oneLine = (value: string): string => value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').trim();

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export async function templateFor(em: EntityManager, kind: OutboundEmailKind): Promise<{ subject: string; body: string; isCustom: boolean }> {
  const custom = (await refRows(em, EmailTemplate)).find((t) => t.kind === kind);
  return custom ? { subject: String(custom.subject), body: String(custom.body), isCustom: true } : { ...BUILT_IN[kind], isCustom: false };
}

/**
 * Subject (plain text, one line, at most 400 characters) and body (HTML,
 * sanitized again after substitution, with a text alternative).
 * `%{message}` is already sanitized HTML and is put in after the others.
 */
export function renderEmail(template: { subject: string; body: string }, values: EmailValues): RenderedEmail {
  const plain = (name: string, whole: string) => (name === 'message' ? '' : name in values ? values[name as keyof EmailValues] : whole);
  const subject = oneLine(template.subject.replace(TEXT_VARIABLE, (whole, name: string) => plain(name, whole))).slice(0, 400);
  const { ['ticket.owner']: owner, message, ...canned } = values;
  // Left as written by the canned renderer (they are not its variables), then put in.
  const rendered = renderTemplate(template.body, canned).html;
  // sanitizing is idempotent: the text of this result is that of its html
  const clean = sanitizeHtml(rendered.replaceAll('%{ticket.owner}', escapeHtml(owner)).replaceAll('%{message}', message));
  return { subject, html: clean.html, text: clean.text };
}
