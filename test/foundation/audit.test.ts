import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';

// The GraphQL-over-HTTP spec's own audit suite, every MUST and SHOULD (and MAY),
// against the real server.
const DECLINED = new Set([
  'MAY accept application/x-www-form-urlencoded formatted GET requests',
  'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
]);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

describe('GraphQL over HTTP audit', () => {
  for (const audit of serverAudits({ url: () => t.url, fetchFn: fetch })) {
    it(audit.name, async () => {
      const result = await audit.fn();
      if (DECLINED.has(audit.name)) {
        // A simple GET is what a CSRF attack sends: Apollo's CSRF prevention refuses it
        // unless the client adds a preflight header (content-type or apollo-require-preflight).
        expect(result.status).not.toBe('ok');
        return;
      }
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
    });
  }
});
