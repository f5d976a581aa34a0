import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from './api.js';
import { PREVIEW, SET_STATUS, RELEASE } from './queries.js';
import { ACTIONS, ApiErrors, FieldErrors, TicketFlags, formatDate, go, html, quickStatus, relative, ticketHref } from './util.js';

const OPEN_DELAY_MS = 250;
const CLOSE_DELAY_MS = 200;

/** The actions this viewer may take on this ticket now (from viewerCan), as the preview's buttons. */
export function availableActions(t) {
  return ACTIONS.filter((a) => {
    if (!t.viewerCan[a.can]) return false;
    if (a.run === 'release') return Boolean(t.assignee || t.team);
    if (a.run === 'close') return t.state === 'OPEN';
    if (a.run === 'reopen') return t.state === 'CLOSED';
    return true;
  });
}

/** Runs a preview/ticket-view quick action; resolves to userErrors (empty on success). */
export async function runQuickAction(action, ticket, statuses) {
  if (action === 'release') {
    const r = (await gql(RELEASE, { input: { ticketId: ticket.id } })).releaseTicket;
    return r.userErrors;
  }
  const status = quickStatus(statuses, action === 'close' ? 'CLOSED' : 'OPEN');
  const r = (await gql(SET_STATUS, { input: { ticketIds: [ticket.id], statusId: status.id } })).setTicketStatus;
  return r.userErrors;
}

/**
 * A ticket number: a link to the ticket, and on hover or keyboard focus a
 * pop-up (role dialog) with the ticket's state and the viewer's actions
 * along its bottom — one Preview query.
 */
export function TicketNumber({ ticket, desk }) {
  const [open, setOpen] = useState(false);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [userErrors, setUserErrors] = useState([]);
  const timer = useRef(0);
  const wrap = useRef(null);
  const id = `preview-${ticket.id.replace(/[^\w-]/g, '')}`;

  const later = (fn, ms) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(fn, ms);
  };
  const show = (delay = OPEN_DELAY_MS) => later(() => setOpen(true), delay);
  const hide = (delay = CLOSE_DELAY_MS) => later(() => setOpen(false), delay);
  useEffect(() => () => clearTimeout(timer.current), []);

  useEffect(() => {
    if (!open) return;
    let live = true;
    setError(null);
    setUserErrors([]);
    gql(PREVIEW, { id: ticket.id })
      .then((d) => live && setData(d.node))
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [open, ticket.id, ticket.version]);

  const onKeyDown = (e) => {
    if (e.key === 'Escape' && open) {
      e.stopPropagation();
      setOpen(false);
      wrap.current?.querySelector('a')?.focus();
    }
  };
  const onFocusOut = (e) => {
    if (!wrap.current?.contains(e.relatedTarget)) hide(0);
  };

  const act = async (a) => {
    if (a.section) {
      setOpen(false);
      go(ticketHref(data.number, a.section));
      return;
    }
    try {
      const errors = await runQuickAction(a.run, data, desk.statuses);
      setUserErrors(errors);
      if (!errors.length) setOpen(false);
    } catch (e) {
      setError(e);
    }
  };

  const t = data;
  // Who is copied now: a removed collaborator stays on the ticket (their past entries do) but is no longer copied.
  const copied = t ? t.collaborators.filter((c) => c.isActive) : [];
  return html`<span class="ticket-number" ref=${wrap} onMouseEnter=${() => show()} onMouseLeave=${() => hide()} onFocusIn=${() => show(0)} onFocusOut=${onFocusOut} onKeyDown=${onKeyDown}>
    <a href=${ticketHref(ticket.number)} aria-describedby=${open ? id : undefined} aria-expanded=${open ? 'true' : 'false'}>#${ticket.number}</a>
    ${open
      ? html`<div class="preview" role="dialog" id=${id} aria-label=${`Ticket #${ticket.number} preview`}>
          ${error ? html`<${ApiErrors} error=${error} />` : null}
          ${!t && !error ? html`<p class="muted">Loading…</p>` : null}
          ${t
            ? html`<header>
                  <strong>#${t.number}</strong> ${t.subject}
                  <div class="flags"><span class=${`status status-${t.state.toLowerCase()}`}>${t.status.name}</span> <${TicketFlags} ticket=${t} /></div>
                </header>
                <dl class="preview-facts">
                  <dt>Priority</dt><dd>${t.priority.name}</dd>
                  <dt>Department</dt><dd>${t.department.name}</dd>
                  <dt>Owner</dt><dd>${t.owner.name} <span class="muted">${t.owner.email}</span></dd>
                  <dt>Assignee</dt><dd>${t.assignee?.name ?? '—'}</dd>
                  <dt>Team</dt><dd>${t.team?.name ?? '—'}</dd>
                  <dt>Due</dt><dd>${formatDate(t.dueAt)}</dd>
                  <dt>Last message</dt><dd>${t.lastMessageAt ? relative(t.lastMessageAt) : '—'}</dd>
                  <dt>Last response</dt><dd>${t.lastResponseAt ? relative(t.lastResponseAt) : '—'}</dd>
                  <dt>Collaborators</dt>
                  <dd>${copied.length ? copied.map((c) => html`<span class="chip">${c.user.name ?? c.user.email} <small>${c.role}</small></span> `) : '—'}</dd>
                </dl>
                ${t.lock && t.lock.agent.id !== desk.viewer.id && new Date(t.lock.expiresAt) > new Date()
                  ? html`<p class="lock-note">${t.lock.agent.name} is working on it</p>`
                  : null}
                <${FieldErrors} errors=${userErrors} />
                <footer class="preview-actions">
                  ${availableActions(t).map((a) => html`<button type="button" onClick=${() => act(a)}>${a.label}</button>`)}
                </footer>`
            : null}
        </div>`
      : null}
  </span>`;
}
