import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook as Signer } from 'standardwebhooks';
import type { Target } from './webhook.address';

// One delivery attempt: a POST of the body with the Standard Webhooks headers,
// to the address the SSRF check approved (the name is not resolved again), no
// redirect followed, bounded in time from connect to the end of the response,
// and at most RESPONSE_CAP bytes of the response read.

/** How much of a receiver's response is read (for `lastError`); the rest is dropped with the connection. */
export const RESPONSE_CAP = 4096;

export interface Attempt {
  /** The HTTP status, when the receiver answered. */
  status: number | null;
  /** Why it failed: the status line and the start of the body, or the network error. Null on 2xx. */
  error: string | null;
}

/** Standard Webhooks' `webhook-signature`: one `v1,<base64>` per secret still verifying, space-separated. */
export function signatureOf(secrets: readonly string[], id: string, at: Date, body: string): string {
  return secrets.map((s) => new Signer(s).sign(id, at, body)).join(' ');
}

const agentOptions = { keepAlive: true, maxSockets: 8, maxFreeSockets: 4 };
const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

/** The socket connects to the checked address whatever the name would resolve to now. */
function pinnedLookup(target: Target): LookupFunction {
  return (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

export function postDelivery(target: Target, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Attempt> {
  return new Promise<Attempt>((resolve) => {
    const { url } = target;
    const isHttps = url.protocol === 'https:';
    let settled = false;
    const finish = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const payload = Buffer.from(body, 'utf8');
    const req = (isHttps ? https : http).request({
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || (isHttps ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      agent: isHttps ? agents.https : agents.http,
      lookup: pinnedLookup(target),
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length), 'user-agent': 'DeskQL-Webhooks/1' },
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: null, error: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish({ status: null, error: `${err.code ?? 'error'}: ${err.message}`.slice(0, 500) }));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const text = Buffer.concat(chunks).subarray(0, RESPONSE_CAP).toString('utf8');
        const ok = status >= 200 && status < 300;
        finish({ status, error: ok ? null : `HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}${text ? `: ${text.slice(0, 500)}` : ''}` });
      };
      res.on('data', (chunk: Buffer) => {
        if (size >= RESPONSE_CAP) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= RESPONSE_CAP) {
          // Enough read: the rest is not wanted, and the connection is not reused.
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', () => done());
    });
    req.end(payload);
  });
}
