/**
 * The baseline of `npm run bench:fanout -- --baseline` (not run on its own):
 * a bare graphql-ws 6 server on `ws`, with the same `queueUpdates` types and
 * selection as DeskQL, fed from memory. Each change is published to every
 * subscription and graphql-js executes the selection once per subscriber, as
 * a naive graphql-ws server does: no database, no access checks, no grouping.
 *
 *   PORT=…  node -r @swc-node/register scripts/bench-fanout-baseline.ts
 *
 * HTTP: GET /healthz → 200; POST /change?label=… → publishes one ENTERED
 * update of a new ticket and answers { id, number }. WebSocket: graphql-ws on
 * /graphql (any connectionParams are accepted). Listens on 127.0.0.1 only.
 */
import http from 'node:http';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const schema = buildSchema(`
  type Query { ok: Boolean! }
  type TicketStatus { id: ID! name: String! }
  type Ticket { id: ID! number: String! subject: String! status: TicketStatus! }
  type Queue { id: ID! key: String name: String! count: Int! }
  enum QueueChange { ENTERED LEFT CHANGED }
  type QueueUpdate { queue: Queue! change: QueueChange! ticket: Ticket count: Int! cursor: String! }
  type Subscription { queueUpdates(queueIds: [ID!]): QueueUpdate! }
`);

interface Update {
  queueUpdates: {
    queue: { id: string; key: string; name: string; count: number };
    change: 'ENTERED';
    ticket: { id: string; number: string; subject: string; status: { id: string; name: string } };
    count: number;
    cursor: string;
  };
}

/** One subscription's stream: an async iterator fed by `publish`. */
class Feed implements AsyncIterableIterator<Update> {
  private readonly queued: Update[] = [];
  private waiting: ((r: IteratorResult<Update>) => void) | null = null;
  private done = false;

  constructor(private readonly onEnd: (feed: Feed) => void) {}

  push(u: Update): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: u, done: false });
    } else this.queued.push(u);
  }

  next(): Promise<IteratorResult<Update>> {
    const u = this.queued.shift();
    if (u) return Promise.resolve({ value: u, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<Update>> {
    this.done = true;
    this.onEnd(this);
    this.waiting?.({ value: undefined, done: true });
    this.waiting = null;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Update> {
    return this;
  }
}

const feeds = new Set<Feed>();
let tickets = 0;

const rootValue = {
  queueUpdates: () => {
    const feed = new Feed((f) => feeds.delete(f));
    feeds.add(feed);
    return feed;
  },
};

function publish(label: string): { id: string; number: string } {
  tickets += 1;
  const ticket = { id: `T${tickets}`, number: String(100000 + tickets), subject: `Fan-out bench ${label}`, status: { id: 'S1', name: 'Open' } };
  const update: Update = {
    queueUpdates: { queue: { id: 'open', key: 'open', name: 'Open', count: tickets }, change: 'ENTERED', ticket, count: tickets, cursor: `c${tickets}` },
  };
  for (const feed of feeds) feed.push(update);
  return { id: ticket.id, number: ticket.number };
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/healthz') {
    res.writeHead(200).end('ok');
    return;
  }
  if (req.method === 'POST' && url.pathname === '/change') {
    const body = JSON.stringify(publish(url.searchParams.get('label') ?? 'change'));
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  res.writeHead(404).end();
});

const wss = new WebSocketServer({ server, path: '/graphql' });
// graphql-ws's own subscribe: graphql-js `subscribe`, which executes the selection for each payload of each subscription.
useServer({ schema, roots: { subscription: rootValue } }, wss);

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`baseline graphql-ws server on ${typeof address === 'object' && address ? address.port : '?'}\n`);
});

process.once('SIGTERM', () => {
  for (const client of wss.clients) client.close(1001, 'Going away');
  wss.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5_000).unref();
});
