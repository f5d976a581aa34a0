import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { closeSocket, gql, on, session, subscribe } from './api.js';
import * as Q from './queries.js';
import { TicketList } from './ticket-list.js';
import { TicketView } from './ticket-view.js';
import { ApiErrors, FieldErrors, errorsFor, go, html, parseRoute, queueHref } from './util.js';

function Login({ onLoggedIn, notice }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [outcome, setOutcome] = useState({ errors: [], error: null });
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setOutcome({ errors: [], error: null });
    try {
      const r = (await gql(Q.LOGIN, { email, password })).login;
      if (r.token) {
        session.set(r.token);
        onLoggedIn();
      } else setOutcome({ errors: r.userErrors, error: null });
    } catch (error) {
      setOutcome({ errors: [], error });
    }
    setBusy(false);
  };
  return html`<main class="login">
    <form onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title"><span class="logo">DeskQL</span> Agent console</h1>
      ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
      <label class="stack">Email <input type="email" autocomplete="username" required value=${email} onInput=${(e) => setEmail(e.currentTarget.value)} /></label>
      <${FieldErrors} errors=${errorsFor(outcome.errors, 'email')} />
      <label class="stack">Password <input type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} /></label>
      <${FieldErrors} errors=${errorsFor(outcome.errors, 'password')} />
      <${FieldErrors} errors=${errorsFor(outcome.errors, null, ['email', 'password'])} />
      <${ApiErrors} error=${outcome.error} />
      <button type="submit" class="primary" disabled=${busy}>Log in</button>
      <p class="muted small">Your login lasts while this tab is open.</p>
    </form>
  </main>`;
}

/**
 * The queues, nested. Each link's accessible name is exactly "<name> <count>"
 * (what screen readers announce and the tests find): the custom queues' star
 * is an aria-hidden element, not CSS generated content, which would join the name.
 */
function QueueTree({ queues, counts, current }) {
  return html`<ul>
    ${queues.map(
      (q) => html`<li key=${q.id}>
        <a href=${queueHref(q.id)} aria-current=${q.id === current ? 'page' : undefined} class=${q.key ? '' : 'custom'}>
          <span class="qname">${q.key ? null : html`<span class="star" aria-hidden="true">★ </span>`}${q.name}</span> <span class="qcount">${counts[q.id] ?? q.count}</span>
        </a>
        ${q.children?.length ? html`<${QueueTree} queues=${q.children} counts=${counts} current=${current} />` : null}
      </li>`,
    )}
  </ul>`;
}

const flatten = (queues) => queues.flatMap((q) => [q, ...flatten(q.children ?? [])]);

/** The tree's shape (ids, names, nesting), to tell whether a re-read changed it. */
const shapeOf = (queues) => JSON.stringify(queues.map((q) => [q.id, q.name, shapeOf(q.children ?? [])]));
/** The set of queues one queueUpdates subscription covers. */
const idsOf = (queues) => flatten(queues).map((q) => q.id).sort().join(' ');

/** How often the sidebar's shape is read again while the tab is shown (it is also read on returning to the tab). */
const TREE_POLL_MS = 15_000;

function ConnectionBanner({ conn }) {
  if (conn.state === 'failed')
    return html`<p class="connection lost" role="alert">Live updates stopped (${conn.detail}). Reload the page to resume them.</p>`;
  if (conn.state === 'lost' || conn.state === 'reconnecting')
    return html`<p class="connection lost" role="alert">Connection lost — reconnecting… Live updates resume by themselves.</p>`;
  if (conn.resumedAt && Date.now() - conn.resumedAt < 4000) return html`<p class="connection back" role="status">Reconnected — queues and tickets are up to date.</p>`;
  return null;
}

function Desk({ desk, onLogout }) {
  const [route, setRoute] = useState(parseRoute());
  const [queues, setQueues] = useState([]);
  const [counts, setCounts] = useState({});
  const [queuesError, setQueuesError] = useState(null);
  const [conn, setConn] = useState({ state: 'connecting' });
  const [resync, setResync] = useState(0);
  const listeners = useRef(new Set());
  const lastCursor = useRef(null);

  useEffect(() => {
    const onHash = () => setRoute(parseRoute());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const queuesRef = useRef([]);
  queuesRef.current = queues;

  // When each queue's count last came from queueUpdates: a read of the tree sent before that
  // may be older than it, so the read does not overwrite it (the stream's count is exact).
  const streamedAt = useRef(new Map());

  /** The tree with exact counts. */
  const loadQueues = useCallback(async () => {
    try {
      const sent = performance.now();
      const d = await gql(Q.QUEUES);
      setQueues(d.queues);
      setCounts((c) => Object.fromEntries(flatten(d.queues).map((q) => [q.id, (streamedAt.current.get(q.id) ?? -1) > sent && q.id in c ? c[q.id] : q.count])));
      setQueuesError(null);
      return d.queues;
    } catch (error) {
      setQueuesError(error);
      return [];
    }
  }, []);

  useEffect(() => {
    loadQueues();
  }, []);
  // Home (the first screen, the logo, "Back to the queues") is the Open queue.
  useEffect(() => {
    if (route.view !== 'home' || !queues.length) return;
    const open = flatten(queues).find((q) => q.key === 'open') ?? queues[0];
    if (open) go(queueHref(open.id));
  }, [route.view, queues]);

  // Queues created, renamed or deleted while the console is open (by an admin, or this agent
  // elsewhere): the tree's shape is read again now and then and on returning to the tab, and
  // when it changed, the tree is read with its counts (and the subscription below follows).
  useEffect(() => {
    let stopped = false;
    const check = async () => {
      if (document.hidden || !navigator.onLine || !queuesRef.current.length) return;
      try {
        const d = await gql(Q.QUEUE_TREE);
        if (!stopped && shapeOf(d.queues) !== shapeOf(queuesRef.current)) await loadQueues();
      } catch {
        // the next check (or the next visit to the tab) tries again; the tree on screen stays as it was
      }
    };
    const timer = setInterval(check, TREE_POLL_MS);
    const onVisible = () => !document.hidden && check();
    document.addEventListener('visibilitychange', onVisible);
    addEventListener('focus', check);
    return () => {
      stopped = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      removeEventListener('focus', check);
    };
  }, []);

  // One subscription for every queue in the tree: counts for the sidebar, membership for the open list.
  // queueUpdates covers the queues visible when it starts, so a new set of queues gets a new
  // subscription, started before the old one is stopped. (graphql-ws does not say when the
  // server has set a subscription up: a change that lands between the tree's read and that
  // moment shows with the queue's next update, which carries its exact count.)
  const queueIds = idsOf(queues);
  const subscription = useRef(null);
  useEffect(() => {
    if (!queueIds) return;
    const stop = subscribe(
      Q.QUEUE_UPDATES,
      {},
      (d) => {
        const u = d.queueUpdates;
        lastCursor.current = u.cursor;
        streamedAt.current.set(u.queue.id, performance.now());
        setCounts((c) => ({ ...c, [u.queue.id]: u.count }));
        listeners.current.forEach((fn) => fn(u));
      },
      (error) => setQueuesError(error),
    );
    subscription.current?.();
    subscription.current = stop;
  }, [queueIds]);
  useEffect(() => () => subscription.current?.(), []);

  useEffect(
    () =>
      on('connection', (c) => {
        setConn((prev) => ({ ...c, resumedAt: c.resumed ? Date.now() : prev.resumedAt }));
        // Back after a drop: what changed meanwhile is read again (counts are exact, lists re-read from their first page).
        if (c.resumed) {
          loadQueues();
          setResync((n) => n + 1);
        }
      }),
    [],
  );

  const updates = useCallback((fn) => {
    listeners.current.add(fn);
    return () => listeners.current.delete(fn);
  }, []);

  const all = flatten(queues);
  const currentQueue = route.view === 'queue' ? all.find((q) => q.id === route.queueId) : null;
  const viewer = desk.viewer;
  return html`<div class="desk">
    <header class="top">
      <a class="logo" href="#/">DeskQL</a>
      <span class="muted">Agent console</span>
      <span class="spacer"></span>
      <span class=${`conn conn-${conn.state}`} title="Live updates">${conn.state === 'connected' ? 'Live' : conn.state === 'connecting' ? 'Connecting…' : 'Offline'}</span>
      <span class="who">${viewer.name} <span class="muted">${viewer.role?.name ?? ''}${viewer.isAdmin ? ' · admin' : ''}</span></span>
      <button type="button" onClick=${onLogout}>Log out</button>
    </header>
    <${ConnectionBanner} conn=${conn} />
    <div class="columns">
      <nav class="queues" aria-label="Queues">
        <h2>Queues</h2>
        <${ApiErrors} error=${queuesError} />
        <${QueueTree} queues=${queues} counts=${counts} current=${route.queueId} />
      </nav>
      <main>
        ${route.view === 'ticket'
          ? html`<${TicketView} key=${route.number} number=${route.number} section=${route.section} desk=${desk} resync=${resync} />`
          : route.view === 'queue'
            ? html`<${TicketList} key=${route.queueId} queueId=${route.queueId} queueName=${currentQueue?.name} desk=${desk} updates=${updates} resync=${resync} />`
            : html`<p class="muted">Pick a queue.</p>`}
      </main>
    </div>
  </div>`;
}

function App() {
  const [desk, setDesk] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [loggedIn, setLoggedIn] = useState(Boolean(session.token));

  const loadDesk = async () => {
    try {
      const d = await gql(Q.DESK);
      if (!d.viewer) throw { errors: [{ message: 'Your session ended; log in again', extensions: { code: 'UNAUTHENTICATED' } }] };
      if (d.viewer.__typename === 'EndUser' || !('role' in d.viewer)) throw { errors: [{ message: 'The console is for agents', extensions: { code: 'FORBIDDEN' } }] };
      setDesk({ viewer: d.viewer, statuses: d.ticketStatuses, departments: d.departments, teams: d.teams });
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    if (loggedIn) loadDesk();
  }, [loggedIn]);

  const endSession = (message) => {
    session.set(null);
    closeSocket();
    setDesk(null);
    setError(null);
    setNotice(message);
    setLoggedIn(false);
  };
  useEffect(() => on('unauthenticated', () => endSession('Your session ended; log in again.')), []);

  const logout = async () => {
    // The socket goes first: the server closes the sockets of a revoked token (4401), which
    // graphql-ws takes as fatal — the console would report a lost session while logging out.
    closeSocket();
    try {
      await gql(Q.LOGOUT);
    } catch {
      // the session ends here either way
    }
    endSession('You are logged out.');
  };

  if (!loggedIn) return html`<${Login} notice=${notice} onLoggedIn=${() => { setNotice(null); setLoggedIn(true); }} />`;
  if (error) return html`<main class="login"><div class="card"><${ApiErrors} error=${error} /><button type="button" onClick=${() => endSession(null)}>Log in again</button></div></main>`;
  if (!desk) return html`<p class="boot">Loading…</p>`;
  return html`<${Desk} desk=${desk} onLogout=${logout} />`;
}

addEventListener('keydown', (e) => {
  // "/" jumps to the queues, as help desks do; Escape closes pop-ups (handled where they are).
  if (e.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName ?? '')) {
    e.preventDefault();
    document.querySelector('nav.queues a[aria-current]')?.focus() ?? document.querySelector('nav.queues a')?.focus();
  }
});

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
