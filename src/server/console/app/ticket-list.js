import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { gql } from './api.js';
import { TicketNumber } from './preview.js';
import { PAGE_SIZE, QUEUE_PAGE, SET_STATUS } from './queries.js';
import { ApiErrors, FieldErrors, TicketFlags, formatDate, html, quickStatus, relative, ticketHref } from './util.js';

/** Fetches pages from the start until `atLeast` rows are in hand (keyset paging, the queue's order). */
async function fetchWindow(queueId, atLeast) {
  const rows = [];
  let after = null;
  let page;
  do {
    page = (await gql(QUEUE_PAGE, { queueId, after })).queue;
    if (!page) return null;
    rows.push(...page.tickets.edges.map((e) => e.node));
    after = page.tickets.pageInfo.endCursor;
  } while (rows.length < atLeast && page.tickets.pageInfo.hasNextPage);
  return { queue: page, rows, pageInfo: page.tickets.pageInfo, totalCount: page.tickets.totalCount };
}

/**
 * The selected queue's tickets: keyset-paged in the queue's order, moved live
 * by queueUpdates (ENTERED / LEFT / CHANGED), several closed at once.
 */
export function TicketList({ queueId, queueName, desk, updates, resync }) {
  const [state, setState] = useState({ rows: [], pageInfo: null, totalCount: 0, loading: true, error: null });
  const [selected, setSelected] = useState(() => new Set());
  const [bulk, setBulk] = useState({ busy: false, errors: [], error: null, done: null });
  const [flash, setFlash] = useState(() => new Set());
  const rowsRef = useRef([]);
  rowsRef.current = state.rows;
  const refetchTimer = useRef(0);

  // How many rows the agent asked to see: one page, and one more for each "Load more".
  // Every re-read (after a live change, after a reconnect) reads that many again.
  const wanted = useRef(PAGE_SIZE);
  // Only the latest read may land: a slow earlier one must not undo a later one
  // (nor a re-read that went out before a "Load more" undo the page it added).
  const seq = useRef(0);
  const settled = useRef(0); // the last read that came back (landed or not)
  const load = useCallback(
    async () => {
      const mine = ++seq.current;
      try {
        const w = await fetchWindow(queueId, wanted.current);
        settled.current = Math.max(settled.current, mine);
        if (mine !== seq.current) return;
        if (!w) setState((s) => ({ ...s, loading: false, error: { errors: [{ message: 'This queue no longer exists or is not yours', extensions: { code: 'NOT_FOUND' } }] } }));
        else setState({ rows: w.rows, pageInfo: w.pageInfo, totalCount: w.totalCount, loading: false, error: null });
      } catch (error) {
        settled.current = Math.max(settled.current, mine);
        if (mine === seq.current) setState((s) => ({ ...s, loading: false, error }));
      }
    },
    [queueId],
  );

  useEffect(() => {
    wanted.current = PAGE_SIZE;
    setState({ rows: [], pageInfo: null, totalCount: 0, loading: true, error: null });
    setSelected(new Set());
    setBulk({ busy: false, errors: [], error: null, done: null });
    load();
  }, [queueId, load]);

  // After a reconnect: the same window again, from the server.
  useEffect(() => {
    if (resync) load();
  }, [resync]);

  const scheduleRefetch = () => {
    clearTimeout(refetchTimer.current);
    refetchTimer.current = setTimeout(load, 300);
  };
  useEffect(() => () => clearTimeout(refetchTimer.current), []);

  const mark = (id) => {
    setFlash((f) => new Set(f).add(id));
    setTimeout(() => setFlash((f) => { const n = new Set(f); n.delete(id); return n; }), 2500);
  };

  useEffect(
    () =>
      updates((u) => {
        if (u.queue.id !== queueId) return;
        const t = u.ticket;
        if (!t) {
          // A ticket the viewer can no longer see: only the server knows which row it was.
          scheduleRefetch();
          return;
        }
        // Folded in at once (so the change shows without waiting), then the
        // window is read again: the queue's order and membership are the server's.
        setState((s) => {
          const rest = s.rows.filter((r) => r.id !== t.id);
          if (u.change === 'LEFT') return { ...s, rows: rest, totalCount: u.count };
          if (u.change === 'CHANGED') return { ...s, rows: s.rows.some((r) => r.id === t.id) ? s.rows.map((r) => (r.id === t.id ? t : r)) : [t, ...rest], totalCount: u.count };
          return { ...s, rows: [t, ...rest], totalCount: u.count };
        });
        if (u.change === 'LEFT') setSelected((sel) => { const n = new Set(sel); n.delete(t.id); return n; });
        else mark(t.id);
        scheduleRefetch();
      }),
    [queueId, updates],
  );

  /** The next page after the last row shown (keyset: the cursor of the last row). */
  const more = async () => {
    wanted.current = rowsRef.current.length + PAGE_SIZE;
    // A re-read still out was for the smaller window: it will not land (the sequence moves on), so it is sent again after.
    const superseded = settled.current < seq.current;
    const mine = ++seq.current;
    try {
      const page = (await gql(QUEUE_PAGE, { queueId, after: state.pageInfo.endCursor })).queue;
      settled.current = Math.max(settled.current, mine);
      // A re-read that went out meanwhile reads the whole larger window: it has the last word.
      if (mine !== seq.current || !page) return;
      setState((s) => {
        const have = new Set(s.rows.map((r) => r.id));
        return { ...s, rows: [...s.rows, ...page.tickets.edges.map((e) => e.node).filter((r) => !have.has(r.id))], pageInfo: page.tickets.pageInfo, totalCount: page.tickets.totalCount };
      });
      if (superseded) scheduleRefetch();
    } catch (error) {
      settled.current = Math.max(settled.current, mine);
      if (mine === seq.current) setState((s) => ({ ...s, error }));
    }
  };

  const toggle = (id) =>
    setSelected((sel) => {
      const n = new Set(sel);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const allSelected = state.rows.length > 0 && state.rows.every((r) => selected.has(r.id));
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(state.rows.map((r) => r.id)));

  const closeSelected = async () => {
    const ids = state.rows.filter((r) => selected.has(r.id)).map((r) => r.id);
    const closed = quickStatus(desk.statuses, 'CLOSED');
    setBulk({ busy: true, errors: [], error: null, done: null });
    try {
      const r = (await gql(SET_STATUS, { input: { ticketIds: ids, statusId: closed.id } })).setTicketStatus;
      if (r.userErrors.length) setBulk({ busy: false, errors: r.userErrors.map((e) => ({ ...e, ticketId: ids[Number(e.field?.[1])] })), error: null, done: null });
      else {
        setBulk({ busy: false, errors: [], error: null, done: `${r.tickets.length} ticket${r.tickets.length === 1 ? '' : 's'} closed` });
        setSelected(new Set());
      }
    } catch (error) {
      setBulk({ busy: false, errors: [], error, done: null });
    }
  };
  const numberOf = (id) => state.rows.find((r) => r.id === id)?.number;
  // The quick close is offered when this agent may close at least one selected ticket (viewerCan);
  // a mix goes to the API as it is, which closes all or nothing and names each ticket it refused.
  const chosen = state.rows.filter((r) => selected.has(r.id));
  const closable = chosen.some((r) => r.viewerCan?.close);
  const rowErrors = (id) => bulk.errors.filter((e) => e.ticketId === id);

  return html`<section class="ticket-list" aria-labelledby="list-title">
    <div class="list-head">
      <h1 id="list-title">${queueName ?? 'Tickets'} <span class="muted count-total">${state.totalCount}</span></h1>
      <div class="bulk">
        <span class="muted">${selected.size ? `${selected.size} selected` : ''}</span>
        ${chosen.length && !closable ? html`<span class="muted" id="close-hint">Your role may not close ${chosen.length === 1 ? 'this ticket' : 'these tickets'}</span>` : null}
        <button type="button" class="danger" disabled=${!closable || bulk.busy} aria-describedby=${chosen.length && !closable ? 'close-hint' : undefined} onClick=${closeSelected}>Close selected</button>
      </div>
    </div>
    ${bulk.done ? html`<p class="notice" role="status">${bulk.done}</p>` : null}
    ${bulk.errors.length
      ? html`<div class="api-error" role="alert">
          <p>Nothing was closed:</p>
          <ul>${bulk.errors.map((e) => html`<li data-code=${e.code}>${e.ticketId ? `#${numberOf(e.ticketId)}: ` : ''}${e.message}</li>`)}</ul>
        </div>`
      : null}
    <${ApiErrors} error=${bulk.error} />
    <${ApiErrors} error=${state.error} />
    <table class="tickets">
      <thead>
        <tr>
          <th class="sel"><input type="checkbox" aria-label="Select all" checked=${allSelected} onChange=${toggleAll} /></th>
          <th>Ticket</th><th>Subject</th><th>From</th><th>Priority</th><th>Assigned to</th><th>Status</th><th>Due</th><th>Updated</th>
        </tr>
      </thead>
      <tbody>
        ${state.rows.map(
          (t) => html`<tr key=${t.id} class=${[t.isOverdue ? 'overdue' : '', flash.has(t.id) ? 'flash' : '', selected.has(t.id) ? 'selected' : ''].join(' ')} data-ticket=${t.number}>
            <td class="sel"><input type="checkbox" aria-label=${`Select #${t.number}`} checked=${selected.has(t.id)} onChange=${() => toggle(t.id)} /></td>
            <td class="num"><${TicketNumber} ticket=${t} desk=${desk} /></td>
            <td class="subject">
              <a href=${ticketHref(t.number)} tabindex="-1" class="subject-link">${t.subject}</a>
              <span class="flags"><${TicketFlags} ticket=${t} /></span>
              <${FieldErrors} errors=${rowErrors(t.id)} />
            </td>
            <td>${t.owner.name}</td>
            <td><span class=${`prio prio-${t.priority.name.toLowerCase()}`}>${t.priority.name}</span></td>
            <td>${t.assignee?.name ?? t.team?.name ?? html`<span class="muted">—</span>`}</td>
            <td><span class=${`status status-${t.state.toLowerCase()}`}>${t.status.name}</span></td>
            <td class=${t.isOverdue ? 'late' : ''}>${formatDate(t.dueAt)}</td>
            <td title=${formatDate(t.updatedAt)}>${relative(t.updatedAt)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${state.loading ? html`<p class="muted">Loading…</p>` : null}
    ${!state.loading && !state.rows.length && !state.error ? html`<p class="empty">No tickets in this queue.</p>` : null}
    ${state.pageInfo?.hasNextPage ? html`<button type="button" class="more" onClick=${more}>Load ${PAGE_SIZE} more</button>` : null}
  </section>`;
}
