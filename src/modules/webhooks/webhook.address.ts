import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

// Where a webhook may send (SSRF): http(s) only, no credentials in the URL, and
// every address the host resolves to must be a public unicast one unless the
// server allows private targets (DESKQL_WEBHOOK_ALLOW_PRIVATE). Checked when a
// webhook is saved and again before every attempt (DNS can change), and the
// attempt connects to the address that was checked — never to a second
// resolution of the name (webhook.sender.ts pins it).

/** Resolves a host name to its addresses (injectable: tests answer with a resolver they control). */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface Target {
  url: URL;
  /** The checked address the request connects to. */
  address: string;
  family: 4 | 6;
}

export type AddressCheck = { ok: true; target: Target } | { ok: false; reason: string };

/**
 * Whether an address is one a webhook may reach with the allowance off:
 * ipaddr.js's `unicast` range only, which leaves out loopback, private
 * (10/8, 172.16/12, 192.168/16), link-local (169.254/16 — the cloud metadata
 * address among them — and fe80::/10), unique-local (fc00::/7), carrier-grade
 * NAT, multicast, reserved, unspecified and the IPv4-mapped forms of each.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // `process` turns ::ffff:10.0.0.1 into 10.0.0.1, so a mapped private address is judged as the private one.
  return ipaddr.process(address).range() === 'unicast';
}

export function parseWebhookUrl(raw: string): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'url must be an absolute http:// or https:// URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'url must be http:// or https://' };
  if (url.username || url.password) return { ok: false, reason: 'url must not carry a user name or password (the signature authenticates deliveries)' };
  if (!url.hostname) return { ok: false, reason: 'url must name a host' };
  return { ok: true, url };
}

/** The URL's host resolved and checked; the first address is the one to connect to. */
export async function checkTarget(raw: string, allowPrivate: boolean, resolve: Resolve): Promise<AddressCheck> {
  const parsed = parseWebhookUrl(raw);
  if (!parsed.ok) return parsed;
  const { url } = parsed;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: string[];
  if (ipaddr.isValid(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      return { ok: false, reason: `the host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    if (addresses.length === 0) return { ok: false, reason: `the host ${host} does not resolve` };
  }
  if (!allowPrivate) {
    // Every address must be public: a name with one public and one private address could be connected to the private one.
    const refused = addresses.find((a) => !isPublicAddress(a));
    if (refused !== undefined) {
      return { ok: false, reason: `${host === refused ? 'the address' : `the host ${host} resolves to`} ${refused}, which is not a public address (loopback, private, link-local, unique-local and metadata addresses are refused; DESKQL_WEBHOOK_ALLOW_PRIVATE=1 allows them)` };
    }
  }
  const address = addresses[0]!;
  return { ok: true, target: { url, address, family: ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4 } };
}
