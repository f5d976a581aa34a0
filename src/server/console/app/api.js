// The console's only way to the server: the public GraphQL API over HTTP
// (fetch) and over graphql-ws, plus POST /attachments for uploads.
import { createClient } from 'graphql-ws';

const TOKEN_KEY = 'deskql.console.token';

/** The token lives for this tab only (sessionStorage), never in localStorage or a cookie. */
export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token) {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** A GraphQL error response: `errors` as the API gave them (message and extensions.code). */
export class ApiError extends Error {
  constructor(errors, status) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.status = status;
    this.code = errors[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
  }
}

const listeners = { unauthenticated: new Set(), connection: new Set() };
export function on(kind, fn) {
  listeners[kind].add(fn);
  return () => listeners[kind].delete(fn);
}
const emit = (kind, value) => listeners[kind].forEach((fn) => fn(value));

/** Runs one operation over HTTP. Resolves to `data`; rejects with ApiError on top-level errors. */
export async function gql(query, variables = {}) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  let res;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch {
    throw new ApiError([{ message: 'The server cannot be reached', extensions: { code: 'NETWORK' } }], 0);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError([{ message: `The server answered ${res.status}`, extensions: { code: 'INTERNAL_SERVER_ERROR' } }], res.status);
  }
  if (body.errors?.length) {
    const error = new ApiError(body.errors, res.status);
    if (error.code === 'UNAUTHENTICATED') emit('unauthenticated', error);
    // Field-level FORBIDDEN errors leave the rest of the data usable.
    if (!body.data || body.errors.some((e) => e.extensions?.code !== 'FORBIDDEN')) throw error;
  }
  return body.data;
}

/** Uploads one file (multipart, field `file`); resolves to { id, filename, contentType, size }. */
export async function upload(file) {
  const form = new FormData();
  form.append('file', file);
  const res = await fetch('/attachments', { method: 'POST', headers: { authorization: `Bearer ${session.token}` }, body: form });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(body.errors ?? [{ message: `Upload failed (${res.status})`, extensions: { code: 'BAD_REQUEST' } }], res.status);
  return body;
}

// ---- graphql-ws --------------------------------------------------------------------

let client = null;
let wasConnected = false;
let state = 'idle';
const setState = (next, detail) => {
  state = next;
  emit('connection', { state, detail, resumed: next === 'connected' && wasConnected });
  if (next === 'connected') wasConnected = true;
};
export const connectionState = () => state;

/** How often the socket is pinged, and how long a pong may take before the socket counts as dead. */
const PING_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;

/** Resolves once the browser is online again (at once when it is). */
const online = () => (navigator.onLine ? Promise.resolve() : new Promise((resolve) => addEventListener('online', resolve, { once: true })));

/**
 * One socket per tab; graphql-ws reconnects on its own (forever, with
 * backoff) and subscribes again. A socket can die silently (the network
 * goes, the TCP connection stays half open), so two things end it instead of
 * waiting for TCP: the browser going offline, and a ping left without pong.
 * While the browser is offline no reconnection is tried; it is tried at once
 * when the browser is back online.
 */
function socket() {
  if (client) return client;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  let pongTimer = 0;
  const c = createClient({
    url,
    lazy: false,
    keepAlive: PING_MS,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      if (!navigator.onLine) return online();
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** retries, 5_000) + Math.random() * 300));
      await online();
    },
    connectionParams: () => ({ authorization: `Bearer ${session.token}` }),
    // A close graphql-ws does not retry (its default here is console.error). 4401: the server
    // ended this token's session (logged out elsewhere, password changed, agent deactivated).
    onNonLazyError: (error) => {
      if (client !== c) return;
      if (error?.code === 4401) emit('unauthenticated', new ApiError([{ message: error.reason || 'Your session ended', extensions: { code: 'UNAUTHENTICATED' } }], 0));
      else setState('failed', error?.code ? `${error.code}${error.reason ? ` ${error.reason}` : ''}` : String(error?.message ?? error));
    },
    on: {
      connecting: () => setState(wasConnected ? 'reconnecting' : 'connecting'),
      connected: () => setState('connected'),
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => client === c && c.terminate(), PONG_TIMEOUT_MS);
      },
      pong: (received) => received && clearTimeout(pongTimer),
      closed: (event) => {
        clearTimeout(pongTimer);
        if (client === c) setState('lost', event?.code);
      },
      error: () => client === c && setState('lost'),
    },
  });
  client = c;
  return client;
}

addEventListener('offline', () => client?.terminate());

/** Subscribes; returns the function that stops it. `onError` gets the API's errors (or a close event). */
export function subscribe(query, variables, onNext, onError = () => {}) {
  return socket().subscribe(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) onError(new ApiError(result.errors, 0));
        if (result.data) onNext(result.data);
      },
      error: (error) => onError(Array.isArray(error) ? new ApiError(error, 0) : error),
      complete: () => {},
    },
  );
}

/** Drops the socket (log out): no reconnect. */
export function closeSocket() {
  const c = client;
  client = null;
  wasConnected = false;
  state = 'idle';
  c?.dispose();
}
