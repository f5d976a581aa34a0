import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

/** Where the console is: #/queue/<id>, #/ticket/<number>[/<section>]. */
export function parseRoute(hash = location.hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'ticket' && parts[1]) return { view: 'ticket', number: parts[1], section: parts[2] ?? null };
  if (parts[0] === 'queue' && parts[1]) return { view: 'queue', queueId: parts[1] };
  return { view: 'home' };
}
export const queueHref = (id) => `#/queue/${encodeURIComponent(id)}`;
export const ticketHref = (number, section) => `#/ticket/${encodeURIComponent(number)}${section ? `/${section}` : ''}`;
export const go = (href) => {
  if (location.hash !== href) location.hash = href;
};

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatDate = (iso) => (iso ? dateFormat.format(new Date(iso)) : '—');

export function relative(iso) {
  if (!iso) return '—';
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}

export const formatSize = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);

/** A rendered canned response (sanitized HTML) as plain text for the reply box. */
export function htmlToText(markup) {
  const doc = new DOMParser().parseFromString(markup, 'text/html');
  for (const br of doc.querySelectorAll('br')) br.replaceWith('\n');
  for (const li of doc.querySelectorAll('li')) li.prepend('• ');
  for (const block of doc.querySelectorAll('p, div, li, h1, h2, h3, h4, blockquote, pre, tr')) block.append('\n\n');
  return (doc.body.textContent ?? '').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The reply box's text as HTML: blank lines make paragraphs, single newlines line breaks. */
export function textToHtml(text) {
  return text
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** userErrors naming `field` (the first element of its path); `null` takes the ones naming no field we show. */
export function errorsFor(errors, field, shown = []) {
  if (!errors) return [];
  if (field === null) return errors.filter((e) => !e.field?.length || !shown.includes(e.field[0]));
  return errors.filter((e) => e.field?.[0] === field);
}

export function FieldErrors({ errors, id }) {
  if (!errors?.length) return null;
  return html`<ul class="field-errors" id=${id} role="alert">
    ${errors.map((e) => html`<li data-code=${e.code}>${e.message}</li>`)}
  </ul>`;
}

/** Top-level API errors (an ApiError) as the API gave them, code included. */
export function ApiErrors({ error }) {
  if (!error) return null;
  const list = error.errors ?? [{ message: String(error.message ?? error), extensions: {} }];
  return html`<div class="api-error" role="alert">
    ${list.map((e) => html`<p><strong>${e.extensions?.code ?? 'ERROR'}</strong> ${e.message}</p>`)}
  </div>`;
}

/** Runs a mutation and returns its payload; throws ApiError for top-level errors. */
export async function mutate(gql, document, input, key) {
  const data = await gql(document, { input });
  return data[key];
}

export function Badge({ kind, children, title }) {
  return html`<span class=${`badge badge-${kind}`} title=${title}>${children}</span>`;
}

export function TicketFlags({ ticket }) {
  return html`${ticket.isOverdue ? html`<${Badge} kind="overdue" title="Past its due date">Overdue<//>` : null}
  ${ticket.isAnswered ? html`<${Badge} kind="answered" title="An agent has answered the last message">Answered<//>` : null}`;
}

/** Who may do what, as the preview's and the ticket view's buttons. */
export const ACTIONS = [
  { can: 'reply', label: 'Reply', section: 'reply' },
  { can: 'addNote', label: 'Note', section: 'note' },
  { can: 'assign', label: 'Assign', section: 'assign' },
  { can: 'release', label: 'Release', run: 'release' },
  { can: 'transfer', label: 'Transfer', section: 'transfer' },
  { can: 'manageCollaborators', label: 'Collaborators', section: 'collaborators' },
  { can: 'close', label: 'Close', run: 'close' },
  { can: 'reopen', label: 'Reopen', run: 'reopen' },
];

/** The statuses the quick actions use: "Closed" (or the first closed one) and "Open" (or the first open one). */
export function quickStatus(statuses, state) {
  const name = state === 'CLOSED' ? 'Closed' : 'Open';
  return statuses.find((s) => s.state === state && s.name === name) ?? statuses.find((s) => s.state === state);
}
