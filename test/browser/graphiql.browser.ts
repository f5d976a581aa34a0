import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';
import { openTicket } from '../support/tickets';

/**
 * GraphiQL in a real browser: Debian's Chromium, driven by playwright-core,
 * against a real server. Not part of `npm test` (a fresh machine has no
 * Chromium): `npm run test:browser`, which .ci/run runs after installing it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.GRAPHIQL_SCREENSHOT ?? path.join(os.tmpdir(), 'graphiql.png');

let t: TestServer;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const requests: string[] = [];
const consoleErrors: string[] = [];
const failedResponses: string[] = [];

const isFavicon = (url: string) => url.endsWith('/favicon.ico');

/** Replaces the whole text of a CodeMirror editor the way a user would: click, select all, type. */
async function fillEditor(selector: string, text: string): Promise<void> {
  const editor = page.locator(`${selector} .CodeMirror`).first();
  await editor.waitFor({ state: 'visible' });
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  // insertText types the text as one input: no auto-closed brackets or auto-indent on the way.
  await page.keyboard.insertText(text);
  await expect.poll(() => editor.evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue())).toBe(text);
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  t = await startTestServer();
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskql-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (request) => requests.push(request.url()));
  page.on('response', (response) => {
    if (response.status() >= 400 && !isFavicon(response.url())) failedResponses.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  page.on('console', (message) => {
    // Chromium asks for /favicon.ico on its own; the 404 it gets is no fault of the page.
    if (message.type() === 'error' && !isFavicon(message.location().url)) consoleErrors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  page.on('websocket', (socket) => requests.push(socket.url()));
});

afterAll(async () => {
  await context?.close();
  await t?.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

describe('GraphiQL in Chromium', () => {
  it('loads from this server alone, logs in through the Headers tab and runs a query', async () => {
    // A normal navigation: the browser's own Accept header (text/html first) gets the page.
    const introspection = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('IntrospectionQuery'));
    const response = await page.goto(t.url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toContain('text/html');
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
    await expect.poll(() => page.title()).toContain('GraphiQL');
    // The schema loads before anyone logs in (docs and completion work at once).
    const schema = await introspection;
    expect(schema.status()).toBe(200);
    expect(((await schema.json()) as { data?: { __schema?: unknown } }).data?.__schema).toBeTruthy();

    await page.getByRole('button', { name: 'Headers' }).click();
    const token = await t.adminToken();
    await fillEditor('.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${token}` }));

    await fillEditor('.graphiql-query-editor', '{ viewer { name } departments { name } }');
    // GraphiQL reads the operations 100 ms after an edit; until then the
    // button is still the operation picker of the two-operation default query.
    const execute = page.locator('.graphiql-execute-button:not([aria-haspopup])');
    await execute.waitFor({ state: 'visible' });
    await execute.click();

    const result = page.locator('.graphiql-response .result-window');
    await expect.poll(() => result.innerText(), { timeout: 15_000 }).toContain('Administrator');
    const text = await result.innerText();
    expect(text).toContain('"departments"');
    expect(text).not.toContain('"errors"');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Every request the page made went to this server: no CDN, no fonts, no telemetry.
    expect(requests.length).toBeGreaterThan(5);
    const foreign = requests.filter((url) => {
      const { protocol, hostname } = new URL(url);
      if (protocol === 'data:' || protocol === 'blob:') return false;
      return !['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
    });
    expect(foreign).toEqual([]);
    expect(failedResponses).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('runs a subscription over WebSocket with the same Authorization header', async () => {
    // The Headers tab still holds the admin token from the previous test.
    await fillEditor('.graphiql-query-editor', 'subscription Live { ticketEvents { cursor node { kind ticket { subject } } } }');
    const execute = page.locator('.graphiql-execute-button:not([aria-haspopup])');
    await execute.waitFor({ state: 'visible' });
    const socket = page.waitForEvent('websocket');
    await execute.click();
    expect(new URL((await socket).url()).hostname).toBe('127.0.0.1');
    // Make a change through the API. The page does not say when the subscription is set up, and a
    // change before that is never shown: change again until one is.
    const result = page.locator('.graphiql-response .result-window');
    const admin = await t.adminToken();
    for (const deadline = Date.now() + 15_000; ; ) {
      await openTicket(t, admin, { subject: 'Seen live in GraphiQL', owner: { email: 'live@customer.test' } });
      const shown = await expect
        .poll(() => result.innerText(), { timeout: 1_000 })
        .toContain('Seen live in GraphiQL')
        .then(() => true, () => false);
      if (shown) break;
      if (Date.now() > deadline) throw new Error(`the subscription showed no change in 15 s: ${await result.innerText()}`);
    }
    expect(await result.innerText()).toContain('CREATED');
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-subscription.png'), fullPage: true });
    expect(requests.filter((url) => !['127.0.0.1', 'localhost'].includes(new URL(url).hostname))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
