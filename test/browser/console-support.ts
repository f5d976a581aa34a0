import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestServer } from '../support/server';
import type { World } from '../support/world';

/**
 * What the agent console's browser tests (console.browser.ts,
 * console-more.browser.ts) share: Debian's Chromium, a window per agent that
 * records every request and every error, and the console's accessible names.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of the main screens, for a person to look at (not committed). */
export const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? os.tmpdir();
/** Live updates and re-reads land within a few seconds; the queue tree is re-read every 15 s. */
export const LIVE = { timeout: 15_000 };

export interface Window {
  name: string;
  context: BrowserContext;
  page: Page;
  requests: string[];
  errors: string[];
}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A browser context of its own (its own tab storage) with one page, recording requests and errors. */
export async function openWindow(browser: Browser, name: string): Promise<Window> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const win: Window = { name, context, page, requests: [], errors: [] };
  watch(win, page);
  return win;
}

/** Records a page's requests and errors into its window's lists (also for extra tabs of the window). */
export function watch(win: Window, page: Page): void {
  page.on('request', (request) => win.requests.push(request.url()));
  page.on('websocket', (socket) => win.requests.push(socket.url()));
  page.on('response', (response) => {
    if (response.status() >= 400) win.errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') win.errors.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => win.errors.push(`page error: ${error.message}`));
}

/** Every window used nothing but this server and logged no error. */
export function expectCleanWindows(wins: Window[], origin: string): void {
  for (const win of wins) {
    expect(win.requests.length, win.name).toBeGreaterThan(10);
    const foreign = win.requests.filter((url) => new URL(url).host !== new URL(origin).host);
    expect(foreign, win.name).toEqual([]);
    expect(win.requests.some((url) => url.startsWith('ws://')), win.name).toBe(true);
    expect(win.errors, win.name).toEqual([]);
  }
}

export const shot = (win: Window, name: string) => win.page.screenshot({ path: path.join(SHOTS, `deskql-console-${name}.png`), fullPage: true });

/** The sidebar link of a queue: its accessible name is "<name> <count>". */
export const queueLink = (page: Page, name: string): Locator =>
  page.getByRole('navigation', { name: 'Queues' }).getByRole('link', { name: new RegExp(`^${name} \\d+$`) });

/** The count a queue's sidebar link shows now. */
export async function countOf(page: Page, name: string): Promise<number> {
  const text = (await queueLink(page, name).textContent()) ?? '';
  const m = /(\d+)\s*$/.exec(text.trim());
  if (!m) throw new Error(`no count in "${text}"`);
  return Number(m[1]);
}

/** The ticket-list row of a ticket, found by its number link. */
export const row = (page: Page, number: string): Locator => page.getByRole('row').filter({ has: page.getByRole('link', { name: `#${number}`, exact: true }) });

/** The ticket numbers the list shows, top to bottom (from the rows' number links). */
export const listedNumbers = async (page: Page): Promise<string[]> =>
  (await page.locator('table.tickets tbody tr td.num a').allInnerTexts()).map((s) => s.trim().replace(/^#/, ''));

/** The sidebar's links by their accessible names, in order (from the accessibility tree). */
export async function sidebar(page: Page): Promise<string[]> {
  const tree = await page.getByRole('navigation', { name: 'Queues' }).ariaSnapshot();
  return [...tree.matchAll(/- link "([^"]*)"/g)].map((m) => m[1]!);
}
export const SYSTEM_QUEUES = ['Open', 'Unanswered', 'Answered', 'Overdue', 'My tickets', 'Assigned to me', 'Assigned to my teams', 'Unassigned', 'Closed'];

export async function logIn(win: Window, email: string, password: string): Promise<void> {
  await win.page.getByLabel('Email').fill(email);
  await win.page.getByLabel('Password').fill(password);
  await win.page.getByRole('button', { name: 'Log in' }).click();
}

/** A mark in the page's window object: still there later means the page was never reloaded. */
export const markPage = (page: Page) => page.evaluate('window.__deskqlNotReloaded = true');
export const notReloaded = (page: Page) => page.evaluate('window.__deskqlNotReloaded === true');

export interface Ticket {
  id: string;
  number: string;
}

/** What the tests do through the API (as the end user or the admin) while the consoles watch. */
export function apiActions(t: TestServer, w: World) {
  const ok = <T extends { userErrors: unknown[] }>(res: { data?: Record<string, T> | null }, key: string): T => {
    expect(res.data?.[key]?.userErrors, JSON.stringify(res)).toEqual([]);
    return res.data![key]!;
  };

  /** Opens a ticket as the end user through the API. */
  const userOpens = async (subject: string, extra: Record<string, unknown> = {}): Promise<Ticket> => {
    const res = await t.gql<{ openTicket: { ticket: Ticket | null; userErrors: unknown[] } }, unknown>(
      'mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id number } userErrors { field message code } } }',
      { input: { subject, body: `<p>${subject}</p>`, ...extra } },
      { token: w.users.owner.token },
    );
    return ok(res, 'openTicket').ticket!;
  };

  /** The end user writes on their ticket through the API. */
  const userWrites = async (ticketId: string, body: string, attachmentIds: string[] = []): Promise<{ state: string }> => {
    const res = await t.gql<{ postMessage: { ticket: { state: string } | null; userErrors: unknown[] } }, unknown>(
      'mutation($input: PostMessageInput!) { postMessage(input: $input) { ticket { state } userErrors { field message code } } }',
      { input: { ticketId, body: body.startsWith('<') ? body : `<p>${body}</p>`, attachmentIds } },
      { token: w.users.owner.token },
    );
    return ok(res, 'postMessage').ticket!;
  };

  /** Changes a ticket through the API as the admin. */
  const adminUpdates = async (ticketId: string, fields: Record<string, unknown>): Promise<void> => {
    const res = await t.gql<{ updateTicket: { userErrors: unknown[] } }, unknown>(
      'mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { userErrors { field message code } } }',
      { input: { ticketId, ...fields } },
      { token: w.agents.admin.token },
    );
    ok(res, 'updateTicket');
  };

  /** Moves tickets to a status through the API as the admin. */
  const adminSetsStatus = async (ticketIds: string[], statusId: string): Promise<void> => {
    const res = await t.gql<{ setTicketStatus: { userErrors: unknown[] } }, unknown>(
      'mutation($input: SetTicketStatusInput!) { setTicketStatus(input: $input) { userErrors { field message code } } }',
      { input: { ticketIds, statusId } },
      { token: w.agents.admin.token },
    );
    ok(res, 'setTicketStatus');
  };

  const createSharedQueue = async (name: string, criteria: unknown[], sortOrder?: { field: string; direction: string }): Promise<string> => {
    const res = await t.gql<{ createQueue: { queue: { id: string } | null; userErrors: unknown[] } }, unknown>(
      `mutation($input: CreateQueueInput!) { createQueue(input: $input) { queue { id } userErrors { field message code } } }`,
      { input: { name, shared: true, criteria, ...(sortOrder ? { sortOrder } : {}) } },
      { token: w.agents.admin.token },
    );
    return ok(res, 'createQueue').queue!.id;
  };

  let renames = 0;
  /**
   * Waits until the consoles' queueUpdates subscriptions are set up on the
   * server (graphql-ws does not say when): renames a ticket that each window
   * lists, again until every window shows the new subject — a row changes only
   * when its queue's update arrives. What the test asserts starts after that.
   */
  const untilLive = async (wins: Window[], ticket: Ticket, word = 'Warm-up'): Promise<void> => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const subject = `${word} ${++renames}`;
      await adminUpdates(ticket.id, { subject });
      const heard = await Promise.all(
        wins.map((win) =>
          expect
            .poll(() => row(win.page, ticket.number).innerText(), { timeout: 1_000 })
            .toContain(subject)
            .then(
              () => true,
              () => false,
            ),
        ),
      );
      if (heard.every(Boolean)) return;
    }
    throw new Error('the consoles did not go live in 30 s');
  };

  return { userOpens, userWrites, adminUpdates, adminSetsStatus, createSharedQueue, untilLive };
}
