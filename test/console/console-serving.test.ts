import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the console's browser modules are plain JavaScript, without declarations.
import * as untyped from '../../src/server/console/app/queries.js';
import { MAX_QUERY_COST, queryCost } from '../../src/server/query-cost';
import { deskSchema } from '../../src/server/schema';
import { startTestServer, type TestServer } from '../support/server';

const documents = untyped as Record<string, unknown> & { PAGE_SIZE: number; QUEUE_PAGE: string };

/** The agent console at /console: what it serves, with which headers, and that its documents fit the API. */
describe('agent console serving', () => {
  let t: TestServer;
  let origin: string;
  beforeAll(async () => {
    t = await startTestServer();
    origin = new URL(t.url).origin;
  });
  afterAll(() => t.close());

  it('serves the page with a strict CSP: no remote origin, the import map allowed by its hash only', async () => {
    const res = await fetch(`${origin}/console/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    const script = directives.get('script-src') ?? [];
    expect(script[0]).toBe("'self'");
    expect(script.slice(1)).toHaveLength(1);
    expect(script[1]).toMatch(/^'sha256-[A-Za-z0-9+/=]+'$/);
    expect(csp).not.toMatch(/https?:|unsafe-inline|unsafe-eval|\*/);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    const page = await res.text();
    expect(page).toContain('<script type="importmap">');
    // Every module the page and the import map name is served from this origin.
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves the allowlisted vendor modules, and nothing else of node_modules', async () => {
    const ok = await fetch(`${origin}/console/vendor/preact.js`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    for (const probe of ['vendor/package.json', 'vendor/..%2F..%2Fpackage.json', 'vendor/%2e%2e/%2e%2e/package.json', 'app/..%2Fconsole.ts', 'vendor/graphql/index.js', 'app/nope.js']) {
      const res = await fetch(`${origin}/console/${probe}`);
      expect(res.status, probe).toBe(404);
    }
  });

  it("accepts every one of the console's documents: valid against the schema and within the cost limit (a 50-ticket page included)", async () => {
    const schema = await deskSchema();
    const docs = Object.entries(documents).filter((e): e is [string, string] => typeof e[1] === 'string' && /^(query|mutation|subscription)\b/.test(e[1]));
    expect(docs.length).toBeGreaterThan(20);
    for (const [name, source] of docs) {
      const doc = parse(source);
      expect(validate(schema, doc), name).toEqual([]);
      expect(queryCost(schema, doc, {}), name).toBeLessThanOrEqual(MAX_QUERY_COST);
    }
    expect(documents.PAGE_SIZE).toBe(50);
    // And through the server: the queue page is executed, its cost reported.
    const token = await t.adminToken();
    const queues = await t.gql<{ queues: { id: string; key: string | null }[] }, Record<string, never>>('{ queues { id key } }', {}, { token });
    const open = queues.data!.queues.find((q) => q.key === 'open')!;
    const page = await t.gql<{ queue: { tickets: { totalCount: number } } }, { queueId: string }>(documents.QUEUE_PAGE, { queueId: open.id }, { token });
    expect(page.errors).toBeUndefined();
    expect(page.data!.queue.tickets.totalCount).toBe(0);
  });
});
