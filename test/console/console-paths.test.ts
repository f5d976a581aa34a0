import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { buildSchema, parse, validate, specifiedRules, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';

/**
 * The agent console's serving: its page and modules with a strict CSP, only
 * allowlisted files of node_modules, no path ever reaching another file; and
 * every GraphQL document it sends accepted by the schema and the query limits.
 */
let t: TestServer;
let origin: string;
const APP = path.resolve(__dirname, '../../src/server/console/app');

/** A raw GET: the path is sent exactly as written (fetch would normalise `..` away). */
function rawGet(rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, method: 'GET', headers: { accept: 'text/html,*/*' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  t = await startTestServer();
  origin = new URL(t.url).origin;
});
afterAll(() => t?.close());

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));

describe('the console page', () => {
  it('redirects /console to /console/ and serves the page with a strict CSP whose hash is the inline import map', async () => {
    const bare = await rawGet('/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/console/');

    const page = await rawGet('/console/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const csp = directives(String(page.headers['content-security-policy']));
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'blob:']);
    expect(csp.get('connect-src')).toEqual(["'self'", 'ws:', 'wss:']);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    // No 'unsafe-inline', no 'unsafe-eval', no remote origin anywhere.
    const all = [...csp.values()].flat();
    expect(all.filter((v) => /unsafe|https?:|\*/.test(v))).toEqual([]);

    // Exactly one inline script, the import map, allowed by its hash and nothing else.
    const inline = [...page.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)];
    expect(inline).toHaveLength(1);
    expect(inline[0]![0]).toContain('type="importmap"');
    const hash = `'sha256-${crypto.createHash('sha256').update(inline[0]![1]!).digest('base64')}'`;
    expect(csp.get('script-src')).toEqual(["'self'", hash]);

    // Every reference is to this server's /console/ paths.
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    const map = JSON.parse(inline[0]![1]!) as { imports: Record<string, string> };
    expect(Object.keys(map.imports).sort()).toEqual(['graphql-ws', 'htm', 'preact', 'preact/hooks']);
    for (const ref of [...refs, ...Object.values(map.imports)]) {
      expect(ref.startsWith('/console/')).toBe(true);
      const res = await rawGet(ref);
      expect(res.status, ref).toBe(200);
      expect(res.headers['content-type']).toMatch(/^(text\/javascript|text\/css|image\/svg\+xml)/);
      expect(res.headers['content-security-policy']).toBeDefined();
    }
  });

  it('serves graphql-ws\'s browser build with the chunk it imports, and the app\'s own modules', async () => {
    const client = await rawGet('/console/vendor/graphql-ws/client.js');
    expect(client.status).toBe(200);
    const chunks = [...client.body.matchAll(/from\s*['"]\.\/([\w.-]+\.js)['"]/g)].map((m) => m[1]!);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect((await rawGet(`/console/vendor/graphql-ws/${chunk}`)).status).toBe(200);
    // Bare imports in the vendored files are all in the import map (no bundler resolves them).
    const bare = [client.body, (await rawGet('/console/vendor/preact-hooks.js')).body]
      .flatMap((src) => [...src.matchAll(/(?:^|;)\s*(?:import|export)\b[^;'"]*?from\s*["']([^"'./][^"']*)["']/gm)].map((m) => m[1]!));
    expect(bare).toContain('preact');
    expect([...new Set(bare)].every((name) => ['preact', 'htm', 'preact/hooks', 'graphql-ws'].includes(name))).toBe(true);
    for (const name of fs.readdirSync(APP).filter((n) => /\.(js|css)$/.test(n))) {
      const res = await rawGet(`/console/app/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.body).toBe(fs.readFileSync(path.join(APP, name), 'utf8'));
    }
  });

  it('refuses every path outside the allowlists, traversal included', async () => {
    const secret = fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8');
    const attempts = [
      '/console/vendor/../../package.json',
      '/console/vendor/..%2f..%2f..%2fpackage.json',
      '/console/vendor/%2e%2e/%2e%2e/package.json',
      '/console/vendor/preact.js/../../../package.json',
      '/console/vendor/graphql-ws/../../../package.json',
      '/console/vendor/graphql-ws/..%2fpackage.json',
      '/console/vendor/graphql-ws/server-zBhvXJ_Z.js',
      '/console/vendor/preact/package.json',
      '/console/vendor/node_modules/preact/package.json',
      '/console/vendor/constructor',
      '/console/vendor/__proto__',
      '/console/vendor/toString',
      '/console/app/../console.ts',
      '/console/app/..%2fconsole.ts',
      '/console/app/..%5cconsole.ts',
      '/console/app/%2e%2e%2f%2e%2e%2f..%2f..%2f..%2fpackage.json',
      '/console/app/index.html',
      '/console/app/main.js%00.css',
      '/console/app/',
      '/console/app/sub/main.js',
      '/console/APP/main.js',
      '/console/..%2f..%2fpackage.json',
      '/console/%2e%2e/package.json',
    ];
    for (const attempt of attempts) {
      const res = await rawGet(attempt);
      // Normalised-away ".." segments land on other routes; none of them serves a file.
      expect(res.status, attempt).toBeGreaterThanOrEqual(400);
      expect(res.body, attempt).not.toContain(secret.slice(0, 60));
      expect(res.body, attempt).not.toContain('import ');
    }
    expect((await rawGet('/console/vendor/preact.js')).status).toBe(200);
  });
});

describe('the console\'s GraphQL documents', () => {
  const load = async (): Promise<Record<string, unknown>> => {
    // The browser module, as the browser gets it (a plain ES module without types).
    const file = path.join(APP, 'queries.js');
    return (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
  };

  it('are valid against the schema and pass the query limits at the console\'s page sizes', async () => {
    const Q = await load();
    expect(Q.PAGE_SIZE).toBeTypeOf('number');
    const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, '../../schema/schema.graphql'), 'utf8'));
    const token = await t.adminToken();
    const docs = Object.entries(Q).filter((e): e is [string, string] => typeof e[1] === 'string');
    expect(docs.length).toBeGreaterThan(20);
    // The list page carries its size as a literal, so the cost limit sees it.
    expect(Q.QUEUE_PAGE).toContain(`tickets(first: ${Q.PAGE_SIZE as number},`);
    for (const [name, source] of docs) {
      const doc: DocumentNode = parse(source);
      expect(validate(schema, doc, specifiedRules), name).toEqual([]);
      if (name === 'LOGOUT' || /^\s*subscription/.test(source)) continue;
      // The real server: no variables, so a valid document fails only at variable coercion.
      const res = await t.gql(source, {}, { token });
      const codes = (res.errors ?? []).map((e) => e.extensions?.code);
      expect(codes.filter((c) => c !== 'BAD_USER_INPUT'), `${name}: ${JSON.stringify(res.errors)}`).toEqual([]);
    }
  });

  it('a subscription document of the console passes the limits over WebSocket too', async () => {
    const Q = await load();
    const client = t.ws({ authorization: `Bearer ${await t.adminToken()}` });
    const errors = await new Promise<unknown[] | null>((resolve) => {
      const stop = client.subscribe(
        { query: Q.TICKET_UPDATES as string, variables: { ticketId: 'VGlja2V0Ojk5OTk5' } },
        { next: (r) => { stop(); resolve(r.errors ? [...r.errors] : null); }, error: (e) => resolve(Array.isArray(e) ? e : [e]), complete: () => resolve(null) },
      );
    });
    // An unknown ticket: the stream ends or is refused as NOT_FOUND, never for cost.
    expect(JSON.stringify(errors ?? [])).not.toContain('QUERY_TOO_COMPLEX');
    expect(JSON.stringify(errors ?? [])).not.toContain('GRAPHQL_VALIDATION_FAILED');
  });
});
