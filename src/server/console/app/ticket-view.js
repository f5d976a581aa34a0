import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { gql, subscribe, upload } from './api.js';
import { availableActions, runQuickAction } from './preview.js';
import * as Q from './queries.js';
import { ApiErrors, FieldErrors, TicketFlags, errorsFor, formatDate, formatSize, html, htmlToText, relative, textToHtml } from './util.js';

const KIND = { MESSAGE: 'Message', RESPONSE: 'Response', NOTE: 'Internal note' };

/** Images a browser shows by itself: shown in the thread through their signed links (no Authorization header on an <img>). */
const isImage = (a) => /^image\/(png|jpeg|gif|webp|bmp|avif)$/.test(a.contentType);

function Entry({ entry }) {
  return html`<article class=${`entry entry-${entry.type.toLowerCase()}`} aria-label=${`${KIND[entry.type]} from ${entry.poster?.name ?? 'a deleted account'}`}>
    <header>
      <span class="kind">${KIND[entry.type]}</span>
      <strong>${entry.poster?.name ?? 'Deleted account'}</strong>
      <time datetime=${entry.createdAt} title=${formatDate(entry.createdAt)}>${relative(entry.createdAt)}</time>
      ${entry.editedAt ? html`<span class="muted">(edited)</span>` : null}
    </header>
    <div class="body" dangerouslySetInnerHTML=${{ __html: entry.body }}></div>
    ${entry.attachments.length
      ? html`<ul class="attachments">
          ${entry.attachments.map(
            (a) => {
              const name = a.downloadUrl
                ? html`<a href=${a.downloadUrl} download=${a.filename}>${isImage(a) ? html`<img class="thumb" src=${a.downloadUrl} alt="" />` : null}${a.filename}</a>`
                : a.filename;
              return html`<li>${name} <span class="muted">${formatSize(a.size)}</span></li>`;
            },
          )}
        </ul>`
      : null}
  </article>`;
}

/** The outcome of a mutation for a form: userErrors, a top-level error, and a conflict flag. */
function useOutcome() {
  const [outcome, setOutcome] = useState({ errors: [], error: null });
  const run = async (work) => {
    setOutcome({ errors: [], error: null });
    try {
      const payload = await work();
      setOutcome({ errors: payload.userErrors, error: null });
      return payload;
    } catch (error) {
      setOutcome({ errors: [], error });
      return null;
    }
  };
  return [outcome, run, setOutcome];
}

/** Shown by the Send button, where the agent is looking when it happens. */
function Conflict({ onReload }) {
  return html`<div class="conflict" role="alert">
    <p><strong>This ticket changed — reload.</strong> Someone else changed it while you were writing; your text is kept.</p>
    <button type="button" onClick=${onReload}>Reload</button>
  </div>`;
}

function ReplyForm({ ticket, desk, focus, rebase, conflict, onReload, onDone, onConflict, onStartWriting }) {
  const [body, setBody] = useState('');
  const [canned, setCanned] = useState({ list: [], id: '', note: null, error: null });
  const [statusId, setStatusId] = useState('');
  const [files, setFiles] = useState([]);
  const [baseVersion, setBaseVersion] = useState(null);
  const [busy, setBusy] = useState(false);
  const [outcome, run, setOutcome] = useOutcome();
  const box = useRef(null);

  useEffect(() => {
    gql(Q.CANNED, { departmentId: ticket.department.id })
      .then((d) => setCanned((c) => ({ ...c, list: d.cannedResponses })))
      .catch((error) => setCanned((c) => ({ ...c, error })));
  }, [ticket.department.id]);
  useEffect(() => {
    if (focus) box.current?.focus();
  }, [focus]);

  // After a conflict and "Reload": the draft is kept and now answers the version just read.
  // A layout effect: it lands with the render that takes the conflict away, so a Send clicked
  // right after it never goes out with the old version.
  useLayoutEffect(() => {
    if (!rebase.n) return;
    setBaseVersion(rebase.version);
    setOutcome({ errors: [], error: null });
  }, [rebase.n]);

  // The version this draft was written against: a change meanwhile is a CONFLICT on send.
  const started = () => {
    if (baseVersion == null) setBaseVersion(ticket.version);
    onStartWriting();
  };

  const pickCanned = async (e) => {
    const id = e.currentTarget.value;
    setCanned((c) => ({ ...c, id, note: null, error: null }));
    if (!id) return;
    started();
    try {
      const r = (await gql(Q.RENDER_CANNED, { cannedResponseId: id, ticketId: ticket.id })).renderCannedResponse;
      setBody(htmlToText(r.body));
      const notes = [];
      if (r.unknownVariables.length) notes.push(`Unknown variables left as they are: ${r.unknownVariables.join(', ')}`);
      if (r.attachments.length) notes.push(`Its attachments go with the reply: ${r.attachments.map((a) => a.filename).join(', ')}`);
      setCanned((c) => ({ ...c, note: notes.join('. ') || null }));
      box.current?.focus();
    } catch (error) {
      setCanned((c) => ({ ...c, error }));
    }
  };

  const addFiles = async (e) => {
    const picked = [...e.currentTarget.files];
    e.currentTarget.value = '';
    started();
    for (const file of picked) {
      const key = `${file.name}-${Math.random()}`;
      setFiles((f) => [...f, { key, name: file.name, size: file.size, state: 'uploading' }]);
      try {
        const a = await upload(file);
        setFiles((f) => f.map((x) => (x.key === key ? { ...x, id: a.id, state: 'ready' } : x)));
      } catch (error) {
        setFiles((f) => f.map((x) => (x.key === key ? { ...x, state: 'failed', error: error.message } : x)));
      }
    }
  };

  const send = async (e) => {
    e.preventDefault();
    setBusy(true);
    const input = {
      ticketId: ticket.id,
      body: body.trim() ? textToHtml(body) : '',
      expectedVersion: baseVersion ?? ticket.version,
      ...(statusId ? { statusId } : {}),
      ...(canned.id ? { cannedResponseId: canned.id } : {}),
      attachmentIds: files.filter((f) => f.id).map((f) => f.id),
    };
    const payload = await run(async () => (await gql(Q.REPLY, { input })).replyToTicket);
    setBusy(false);
    if (!payload) return;
    if (payload.userErrors.some((x) => x.code === 'CONFLICT')) onConflict();
    if (payload.userErrors.length) return;
    setBody('');
    setStatusId('');
    setFiles([]);
    setBaseVersion(null);
    setCanned((c) => ({ ...c, id: '', note: null }));
    setOutcome({ errors: [], error: null });
    onDone(payload.ticket);
  };

  const shown = ['body', 'statusId', 'cannedResponseId', 'attachmentIds', 'expectedVersion'];
  const ok = !busy && !files.some((f) => f.state === 'uploading');
  return html`<form class="reply" onSubmit=${send} aria-label="Reply to the owner">
    <div class="row">
      <label>Canned response
        <select value=${canned.id} onChange=${pickCanned}>
          <option value="">— none —</option>
          ${canned.list.map((c) => html`<option value=${c.id}>${c.title}</option>`)}
        </select>
      </label>
      <label>Status
        <select value=${statusId} onChange=${(e) => setStatusId(e.currentTarget.value)}>
          <option value="">${ticket.status.name} (unchanged)</option>
          ${desk.statuses.filter((s) => s.id !== ticket.status.id && s.state !== 'DELETED').map((s) => html`<option value=${s.id}>${s.name}</option>`)}
        </select>
      </label>
    </div>
    ${canned.note ? html`<p class="hint">${canned.note}</p>` : null}
    <${ApiErrors} error=${canned.error} />
    <${FieldErrors} errors=${errorsFor(outcome.errors, 'cannedResponseId')} />
    <${FieldErrors} errors=${errorsFor(outcome.errors, 'statusId')} />
    <label class="stack">Reply
      <textarea ref=${box} rows="7" value=${body} aria-describedby="reply-errors" onFocus=${onStartWriting} onInput=${(e) => { started(); setBody(e.currentTarget.value); }}></textarea>
    </label>
    <${FieldErrors} errors=${errorsFor(outcome.errors, 'body')} id="reply-errors" />
    <div class="row">
      <label class="file">Attach files <input type="file" multiple onChange=${addFiles} /></label>
      <ul class="uploads">
        ${files.map(
          (f) => html`<li class=${f.state}>${f.name} <span class="muted">${formatSize(f.size)} · ${f.state === 'failed' ? f.error : f.state}</span>
            <button type="button" class="link" aria-label=${`Remove ${f.name}`} onClick=${() => setFiles((all) => all.filter((x) => x.key !== f.key))}>×</button></li>`,
        )}
      </ul>
    </div>
    <${FieldErrors} errors=${errorsFor(outcome.errors, 'attachmentIds')} />
    <${FieldErrors} errors=${errorsFor(outcome.errors, null, shown)} />
    <${ApiErrors} error=${outcome.error} />
    ${conflict ? html`<${Conflict} onReload=${onReload} />` : null}
    <div class="row end"><button type="submit" class="primary" disabled=${!ok}>Send</button></div>
  </form>`;
}

function NoteForm({ ticket, focus, onDone }) {
  const [body, setBody] = useState('');
  const [outcome, run] = useOutcome();
  const box = useRef(null);
  useEffect(() => {
    if (focus) box.current?.focus();
  }, [focus]);
  const save = async (e) => {
    e.preventDefault();
    const payload = await run(async () => (await gql(Q.NOTE, { input: { ticketId: ticket.id, body: body.trim() ? textToHtml(body) : '' } })).addNote);
    if (payload && !payload.userErrors.length) {
      setBody('');
      onDone(payload.ticket);
    }
  };
  return html`<form class="note" onSubmit=${save}>
    <label class="stack">Internal note
      <textarea ref=${box} rows="3" value=${body} onInput=${(e) => setBody(e.currentTarget.value)}></textarea>
    </label>
    <${FieldErrors} errors=${outcome.errors} />
    <${ApiErrors} error=${outcome.error} />
    <div class="row end"><button type="submit">Add note</button></div>
  </form>`;
}

function AssignPanel({ ticket, desk, focus, onDone, onTransferred }) {
  const [target, setTarget] = useState('');
  const [department, setDepartment] = useState('');
  const [agents, setAgents] = useState(null);
  const [outcome, run] = useOutcome();
  const pick = useRef(null);
  const can = ticket.viewerCan;
  useEffect(() => {
    if (!can.assign) return;
    gql(Q.AGENTS)
      .then((d) => setAgents(d.agents.edges.map((e) => e.node).filter((a) => a.isActive)))
      .catch(() => setAgents([]));
  }, [can.assign]);
  useEffect(() => {
    if (focus) pick.current?.focus();
  }, [focus]);
  const done = (payload) => payload && !payload.userErrors.length && onDone(payload.ticket);
  const assign = async () => {
    const [kind, id] = target.split(':');
    const input = { ticketId: ticket.id, ...(kind === 'agent' ? { agentId: id } : { teamId: id }) };
    done(await run(async () => (await gql(Q.ASSIGN, { input })).assignTicket));
  };
  const claim = async () => done(await run(async () => (await gql(Q.CLAIM, { input: { ticketId: ticket.id } })).claimTicket));
  const release = async () => done(await run(async () => (await gql(Q.RELEASE, { input: { ticketId: ticket.id } })).releaseTicket));
  const transfer = async () => {
    const payload = await run(async () => (await gql(Q.TRANSFER, { input: { ticketId: ticket.id, departmentId: department } })).transferTicket);
    if (payload && !payload.userErrors.length) onTransferred(desk.departments.find((d) => d.id === department)?.name ?? 'another department');
  };
  // Claim takes an unassigned ticket (a team's included); the API refuses it (CONFLICT) while another agent has it.
  return html`<section class="panel" aria-labelledby="assign-title">
    <h2 id="assign-title">Assignment</h2>
    <p>${ticket.assignee ? html`Assigned to <strong>${ticket.assignee.name}</strong>` : 'Unassigned'}${ticket.team ? html` · team <strong>${ticket.team.name}</strong>` : null}</p>
    ${can.assign
      ? html`<div class="row">
          <label>Assign to
            <select ref=${pick} value=${target} onChange=${(e) => setTarget(e.currentTarget.value)}>
              <option value="">— choose —</option>
              <optgroup label="Agents">${(agents ?? []).map((a) => html`<option value=${`agent:${a.id}`}>${a.name}</option>`)}</optgroup>
              <optgroup label="Teams">${desk.teams.map((t) => html`<option value=${`team:${t.id}`}>${t.name}</option>`)}</optgroup>
            </select>
          </label>
          <button type="button" disabled=${!target} onClick=${assign}>Assign</button>
          ${!ticket.assignee ? html`<button type="button" onClick=${claim}>Claim</button>` : null}
        </div>`
      : null}
    ${can.release && (ticket.assignee || ticket.team) ? html`<button type="button" onClick=${release}>Release</button>` : null}
    ${can.transfer
      ? html`<div class="row">
          <label>Department
            <select value=${department} onChange=${(e) => setDepartment(e.currentTarget.value)}>
              <option value="">— choose —</option>
              ${desk.departments.filter((d) => d.id !== ticket.department.id).map((d) => html`<option value=${d.id}>${d.name}</option>`)}
            </select>
          </label>
          <button type="button" disabled=${!department} onClick=${transfer}>Transfer</button>
        </div>`
      : null}
    <${FieldErrors} errors=${outcome.errors} />
    <${ApiErrors} error=${outcome.error} />
  </section>`;
}

function CollaboratorsPanel({ ticket, focus, onDone }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('CC');
  const [outcome, run] = useOutcome();
  const field = useRef(null);
  useEffect(() => {
    if (focus) field.current?.focus();
  }, [focus]);
  const can = ticket.viewerCan.manageCollaborators;
  const add = async (e) => {
    e.preventDefault();
    const payload = await run(async () => (await gql(Q.ADD_COLLABORATORS, { input: { ticketId: ticket.id, people: [{ email: email.trim() }], role } })).addCollaborators);
    if (payload && !payload.userErrors.length) {
      setEmail('');
      onDone();
    }
  };
  const remove = async (c) => {
    const payload = await run(async () => (await gql(Q.REMOVE_COLLABORATOR, { input: { collaboratorId: c.id } })).removeCollaborator);
    if (payload && !payload.userErrors.length) onDone();
  };
  return html`<section class="panel" aria-labelledby="collab-title">
    <h2 id="collab-title">Collaborators</h2>
    ${ticket.collaborators.length
      ? html`<ul class="collaborators">
          ${ticket.collaborators.map(
            (c) => html`<li class=${c.isActive ? '' : 'inactive'}><span class="who">${c.user.name ?? c.user.email}</span> <span class="muted">${c.user.email}</span> <span class="badge">${c.role}</span>
              ${!c.isActive
                ? html` <span class="muted">removed</span>`
                : can
                  ? html`<button type="button" class="link" aria-label=${`Remove ${c.user.email}`} onClick=${() => remove(c)}>Remove</button>`
                  : null}</li>`,
          )}
        </ul>`
      : html`<p class="muted">None</p>`}
    ${can
      ? html`<form class="row" onSubmit=${add}>
          <label>Collaborator email <input ref=${field} type="email" value=${email} onInput=${(e) => setEmail(e.currentTarget.value)} /></label>
          <label>As
            <select value=${role} onChange=${(e) => setRole(e.currentTarget.value)}><option value="CC">CC</option><option value="BCC">BCC</option></select>
          </label>
          <button type="submit" disabled=${!email.trim()}>Add collaborator</button>
        </form>`
      : null}
    <${FieldErrors} errors=${outcome.errors} />
    <${ApiErrors} error=${outcome.error} />
  </section>`;
}

/** One ticket: its thread, the reply box, note, assignment and collaborators, live through ticketUpdates. */
export function TicketView({ number, section, desk, resync }) {
  const [ticket, setTicket] = useState(null);
  const [entries, setEntries] = useState([]);
  const [threadPage, setThreadPage] = useState(null);
  const [error, setError] = useState(null);
  const [conflict, setConflict] = useState(false);
  const [rebase, setRebase] = useState({ n: 0, version: null });
  const [live, setLive] = useState(null);
  const [actionErrors, setActionErrors] = useState([]);
  // Set when a transfer took the ticket where this agent has no access: said so, instead of "not found".
  const [gone, setGone] = useState(null);
  const [, tick] = useState(0);
  const holding = useRef(false);
  const ticketRef = useRef(null);
  ticketRef.current = ticket;
  const shownRef = useRef(0);
  shownRef.current = entries.length;

  /** The ticket, then its thread from the first page up to as many entries as are shown. */
  const load = async () => {
    try {
      const [d, first] = await Promise.all([gql(Q.TICKET, { number }), gql(Q.THREAD_PAGE, { number, after: null })]);
      if (!d.ticket || !first.ticket) {
        setError({ errors: [{ message: `Ticket #${number} does not exist or you may not see it`, extensions: { code: 'NOT_FOUND' } }] });
        return;
      }
      const all = first.ticket.thread.edges.map((e) => e.node);
      let page = first.ticket.thread.pageInfo;
      while (page.hasNextPage && all.length < shownRef.current) {
        const next = (await gql(Q.THREAD_PAGE, { number, after: page.endCursor })).ticket.thread;
        all.push(...next.edges.map((e) => e.node));
        page = next.pageInfo;
      }
      setError(null);
      setTicket(d.ticket);
      setEntries(all);
      setThreadPage(page);
      return d.ticket;
    } catch (e) {
      setError(e);
      return null;
    }
  };
  useEffect(() => {
    setTicket(null);
    setConflict(false);
    setLive(null);
    load();
  }, [number]);
  useEffect(() => {
    if (resync) load();
  }, [resync]);

  // Live: every change to this ticket, from anyone, while the view is open.
  const ticketId = ticket?.id;
  useEffect(() => {
    if (!ticketId) return;
    return subscribe(Q.TICKET_UPDATES, { ticketId }, (d) => {
      const u = d.ticketUpdates;
      setLive({ kind: u.event.kind, actor: u.event.actor?.name ?? 'The system', at: u.event.createdAt });
      load();
    });
  }, [ticketId]);

  // The lock: taken when this agent starts writing, shown when another holds it, let go on leaving.
  useEffect(() => {
    if (!ticketId) return;
    const timer = setInterval(async () => {
      tick((n) => n + 1);
      if (!navigator.onLine) return;
      try {
        const d = await gql(Q.LOCK_STATE, { id: ticketId });
        setTicket((t) => (t && t.id === d.node?.id ? { ...t, lock: d.node.lock } : t));
      } catch {
        // the next tick asks again
      }
    }, 15_000);
    return () => {
      clearInterval(timer);
      if (holding.current) gql(Q.UNLOCK, { input: { ticketId } }).catch(() => {});
      holding.current = false;
    };
  }, [ticketId]);
  const takeLock = async () => {
    const t = ticketRef.current;
    if (!t || holding.current || !t.viewerCan.reply) return;
    holding.current = true;
    try {
      const r = (await gql(Q.LOCK, { input: { ticketId: t.id } })).lockTicket;
      if (r.userErrors.length) holding.current = false;
      setTicket((x) => (x ? { ...x, lock: r.lock ?? x.lock } : x));
    } catch {
      holding.current = false;
    }
  };

  const moreThread = async () => {
    const d = await gql(Q.THREAD_PAGE, { number, after: threadPage.endCursor });
    setEntries((e) => [...e, ...d.ticket.thread.edges.map((x) => x.node)]);
    setThreadPage(d.ticket.thread.pageInfo);
  };

  if (gone)
    return html`<section class="ticket-view">
      <p class="notice" role="status">${gone}</p>
      <p><a href="#/">Back to the queues</a></p>
    </section>`;
  if (error) return html`<section class="ticket-view"><${ApiErrors} error=${error} /></section>`;
  if (!ticket) return html`<section class="ticket-view"><p class="muted">Loading #${number}…</p></section>`;
  const t = ticket;
  const otherLock = t.lock && t.lock.agent.id !== desk.viewer.id && new Date(t.lock.expiresAt) > new Date() ? t.lock : null;
  const quick = availableActions(t).filter((a) => a.run);
  const afterChange = () => {
    setConflict(false);
    load();
  };
  const afterTransfer = async (department) => {
    setConflict(false);
    const fresh = await load();
    if (!fresh) setGone(`#${number} is now in ${department}, where you have no access.`);
  };
  const reloadAfterConflict = async () => {
    const fresh = await load();
    if (!fresh) return;
    setConflict(false);
    setRebase((r) => ({ n: r.n + 1, version: fresh.version }));
  };
  const runQuick = async (a) => {
    try {
      setActionErrors(await runQuickAction(a.run, t, desk.statuses));
      load();
    } catch (e) {
      setActionErrors([{ message: e.message, code: e.code }]);
    }
  };

  return html`<section class="ticket-view" aria-labelledby="ticket-title">
    <header class="ticket-head">
      <div>
        <h1 id="ticket-title"><span class="muted">#${t.number}</span> ${t.subject}</h1>
        <p class="flags"><span class=${`status status-${t.state.toLowerCase()}`}>${t.status.name}</span> <${TicketFlags} ticket=${t} />
          <span class="muted">opened ${relative(t.createdAt)} by ${t.owner.name} via ${t.source.toLowerCase()}${t.reopenCount ? ` · reopened ${t.reopenCount}×` : ''}</span></p>
      </div>
      <div class="quick">${quick.map((a) => html`<button type="button" onClick=${() => runQuick(a)}>${a.label}</button>`)}</div>
    </header>
    <${FieldErrors} errors=${actionErrors} />
    ${otherLock ? html`<p class="lock-banner" role="status"><strong>Locked:</strong> ${otherLock.agent.name} is working on this ticket (until ${formatDate(otherLock.expiresAt)}).</p>` : null}
    ${live ? html`<p class="live-note" role="status">Updated live: ${live.kind.toLowerCase().replace(/_/g, ' ')} by ${live.actor} ${relative(live.at)}</p>` : null}
    <div class="ticket-body">
      <div class="thread-column">
        <section class="thread" aria-label="Thread">
          ${entries.map((e) => html`<${Entry} key=${e.id} entry=${e} />`)}
          ${threadPage?.hasNextPage ? html`<button type="button" onClick=${moreThread}>Later entries…</button>` : null}
        </section>
        ${t.viewerCan.reply
          ? html`<${ReplyForm} ticket=${t} desk=${desk} rebase=${rebase} conflict=${conflict} onReload=${reloadAfterConflict} focus=${section === 'reply'} onStartWriting=${takeLock} onConflict=${() => setConflict(true)} onDone=${afterChange} />`
          : html`<p class="muted">You may not reply to this ticket.</p>`}
        ${t.viewerCan.addNote ? html`<${NoteForm} ticket=${t} focus=${section === 'note'} onDone=${afterChange} />` : null}
      </div>
      <aside class="facts-column">
        <section class="panel" aria-labelledby="facts-title">
          <h2 id="facts-title">Ticket</h2>
          <dl class="facts">
            <dt>Status</dt><dd>${t.status.name}</dd>
            <dt>Priority</dt><dd>${t.priority.name}</dd>
            <dt>Department</dt><dd>${t.department.name}</dd>
            <dt>Help topic</dt><dd>${t.helpTopic?.name ?? '—'}</dd>
            <dt>Owner</dt><dd>${t.owner.name}<br /><span class="muted">${t.owner.email}</span></dd>
            <dt>Due</dt><dd class=${t.isOverdue ? 'late' : ''}>${formatDate(t.dueAt)}</dd>
            <dt>Last message</dt><dd>${formatDate(t.lastMessageAt)}</dd>
            <dt>Last response</dt><dd>${formatDate(t.lastResponseAt)}</dd>
          </dl>
        </section>
        <${AssignPanel} ticket=${t} desk=${desk} focus=${section === 'assign' || section === 'transfer'} onDone=${afterChange} onTransferred=${afterTransfer} />
        <${CollaboratorsPanel} ticket=${t} focus=${section === 'collaborators'} onDone=${afterChange} />
      </aside>
    </div>
  </section>`;
}
