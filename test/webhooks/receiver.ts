import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as Verifier } from 'standardwebhooks';

// A real HTTP receiver on loopback for webhook tests: records every request,
// answers as the test says (status, delay), and can be stopped and restarted
// on the same port (a receiver that is down for a while).

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  contentType: string | undefined;
  body: string;
  path: string;
  at: number;
}

export type Answer = { status: number; delayMs?: number; body?: string };

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** How the next requests are answered (default 204). */
  answer: (r: Received) => Answer;
  /** Waits until `check` holds over what was received, failing after `ms`. */
  until(check: (r: Received[]) => boolean, ms?: number): Promise<Received[]>;
  /** The bodies received, each webhook-id once (what a deduplicating receiver keeps), in arrival order. */
  unique(): Received[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  let port = 0;
  let server: http.Server | null = null;
  const r: Receiver = {
    url: '',
    port: 0,
    received,
    answer: () => ({ status: 204 }),
    until: (check, ms = 20_000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`receiver: not there in ${ms} ms; got ${received.length}: ${received.map((x) => x.body.slice(0, 80)).join(' | ')}`)), ms);
        const test = () => {
          if (check(received)) {
            clearTimeout(deadline);
            resolve(received);
          } else waiters.push(test);
        };
        test();
      }),
    unique: () => {
      const seen = new Set<string>();
      return received.filter((x) => (seen.has(x.id) ? false : (seen.add(x.id), true)));
    },
    start: async () => {
      const s = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const got: Received = {
            id: String(req.headers['webhook-id']),
            timestamp: String(req.headers['webhook-timestamp']),
            signature: String(req.headers['webhook-signature']),
            contentType: req.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
            path: req.url ?? '',
            at: Date.now(),
          };
          const a = r.answer(got);
          received.push(got);
          waiters.splice(0).forEach((w) => w());
          const reply = () => {
            if (!res.destroyed) res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body ?? '');
          };
          if (a.delayMs) setTimeout(reply, a.delayMs).unref();
          else reply();
        });
      });
      s.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
      port = (s.address() as AddressInfo).port;
      server = s;
      r.port = port;
      r.url = `http://127.0.0.1:${port}${path}`;
    },
    stop: async () => {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await r.start();
  return r;
}

/** Verifies a received delivery with the standardwebhooks library, as a receiver would. */
export function verify(secret: string, r: Received): unknown {
  return new Verifier(secret).verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });
}
