import { once } from 'node:events';
import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';
import { collect } from '../support/subscriptions';
import { newTicket, renameTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// A socket that stops reading must not hold up anyone else: its messages queue
// in the server, and past DESKQL_WS_MAX_BUFFERED_BYTES it is closed with 4499
// (graphql-ws clients reconnect on it and resume with `after:`).

type Update = { ticketUpdates: { cursor: string; ticket: { subject: string; thread: { edges: { node: { body: string } }[] } } } };
const UPDATES = `subscription Big($ticketId: ID!) { ticketUpdates(ticketId: $ticketId) { cursor ticket { subject thread { edges { node { body } } } } } }`;

describe('a slow consumer', () => {
  let t: TestServer;
  let w: World;

  beforeAll(async () => {
    t = await startTestServer({ DESKQL_WS_MAX_BUFFERED_BYTES: String(1024 * 1024) });
    w = await buildWorld(t);
  });
  afterAll(() => t?.close());

  it('is closed with 4499 once its queue passes the bound, while another subscriber gets every update', async () => {
    const admin = w.agents.admin.token;
    // ~200 KB per message: a few dozen fill the kernel's buffers of a socket that is not read.
    const ticketId = (await newTicket(t, admin, { subject: 'Big', owner: { email: 'slow@customer.test' }, departmentId: w.supportId, body: `<p>${'word '.repeat(40_000)}</p>` })).id;

    const reader = collect(t.ws({ authorization: `Bearer ${admin}` }), parse(UPDATES) as unknown as TypedDocumentNode<Update, { ticketId: string }>, { ticketId });

    const raw = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    const rawSubjects: string[] = [];
    const rawCursors: string[] = [];
    let acked!: () => void;
    const ack = new Promise<void>((resolve) => (acked = resolve));
    raw.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { type: string; payload?: { data?: Update } };
      if (msg.type === 'connection_ack') acked();
      if (msg.type === 'next' && msg.payload?.data) {
        rawSubjects.push(msg.payload.data.ticketUpdates.ticket.subject);
        rawCursors.push(msg.payload.data.ticketUpdates.cursor);
      }
    });
    const closed = once(raw, 'close') as Promise<[number, Buffer]>;
    await once(raw, 'open');
    raw.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${admin}` } }));
    await ack;
    raw.send(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query: UPDATES, variables: { ticketId } } }));

    // Both live: a rename each hears.
    for (const deadline = Date.now() + 30_000; ; ) {
      const { subject } = await renameTicket(t, admin, ticketId);
      const heard = await reader.until((items) => items.some((u) => u.ticketUpdates.ticket.subject === subject), 5_000).then(() => true, () => false);
      if (heard && rawSubjects.includes(subject)) break;
      if (Date.now() > deadline) throw new Error('the subscriptions did not go live');
      await new Promise<void>((resolve) => raw.once('message', () => resolve()));
    }
    const from = reader.items.length;

    // The raw client stops reading; 80 more updates (~16 MB) go out.
    raw.pause();
    const subjects: string[] = [];
    for (let i = 0; i < 80; i++) subjects.push((await renameTicket(t, admin, ticketId)).subject);
    await reader.until((items) => items.at(-1)?.ticketUpdates.ticket.subject === subjects.at(-1) && items.length - from >= subjects.length, 60_000);
    // One update per rename, in commit order (a payload's ticket is read when its batch is delivered, so its subject
    // may already be a later one's: the events, by cursor, are what is exact).
    const seqOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString('utf8').slice('seq:'.length));
    const cursors = reader.items.slice(from).map((u) => u.ticketUpdates.cursor);
    expect(cursors).toHaveLength(subjects.length);
    expect(cursors.map(seqOf)).toEqual(cursors.map(seqOf).sort((a, b) => a - b));
    expect(new Set(cursors).size).toBe(subjects.length);
    expect(reader.errors).toEqual([]);

    // Reading again, it finds what was sent before the bound was passed, in order, then the close.
    raw.resume();
    const [code] = await closed;
    expect(code).toBe(4499);
    const heard = rawCursors.filter((c) => cursors.includes(c));
    expect(heard.length).toBeLessThan(cursors.length);
    expect(heard).toEqual(cursors.slice(0, heard.length));
    reader.stop();
  });
});
