import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCanned } from '../support/canned';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { buildWorld, PASSWORD, type World } from '../support/world';

/**
 * The agent console (/console) in a real browser: Debian's Chromium, driven
 * by playwright-core, against a real server and database. Two agents in two
 * browser contexts walk the help-desk lifecycle: what one does, or what an end
 * user does through the API, shows in the other's window without a reload.
 * Every wait is on something visible (a locator or expect.poll), never a sleep.
 * Not part of `npm test`: `npm run test:browser`, which .ci/run runs.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of the main screens, for a person to look at (not committed). */
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? os.tmpdir();
/** Live updates and re-reads land within a few seconds; the queue tree is re-read every 15 s. */
const LIVE = { timeout: 15_000 };

interface Window {
  name: string;
  context: BrowserContext;
  page: Page;
  requests: string[];
  errors: string[];
}

let t: TestServer;
let w: World;
let browser: Browser;
let origin: string;
let fiona: Window; // All Access, Support
let rory: Window; // Reply Only, Support
const tickets: Record<string, { id: string; number: string }> = {};

async function openWindow(name: string): Promise<Window> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const win: Window = { name, context, page, requests: [], errors: [] };
  page.on('request', (request) => win.requests.push(request.url()));
  page.on('websocket', (socket) => win.requests.push(socket.url()));
  page.on('response', (response) => {
    if (response.status() >= 400) win.errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') win.errors.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => win.errors.push(`page error: ${error.message}`));
  return win;
}

const shot = (win: Window, name: string) => win.page.screenshot({ path: path.join(SHOTS, `deskql-console-${name}.png`), fullPage: true });

/** The sidebar link of a queue: its accessible name is "<name> <count>". */
const queueLink = (page: Page, name: string): Locator =>
  page.getByRole('navigation', { name: 'Queues' }).getByRole('link', { name: new RegExp(`^${name} \\d+$`) });

/** The count a queue's sidebar link shows now. */
async function countOf(page: Page, name: string): Promise<number> {
  const text = (await queueLink(page, name).textContent()) ?? '';
  const m = /(\d+)\s*$/.exec(text.trim());
  if (!m) throw new Error(`no count in "${text}"`);
  return Number(m[1]);
}

/** The ticket-list row of a ticket, found by its number link. */
const row = (page: Page, number: string): Locator => page.getByRole('row').filter({ has: page.getByRole('link', { name: `#${number}`, exact: true }) });

/** The sidebar's links by their accessible names, in order (from the accessibility tree). */
async function sidebar(page: Page): Promise<string[]> {
  const tree = await page.getByRole('navigation', { name: 'Queues' }).ariaSnapshot();
  return [...tree.matchAll(/- link "([^"]*)"/g)].map((m) => m[1]!);
}
const SYSTEM_QUEUES = ['Open', 'Unanswered', 'Answered', 'Overdue', 'My tickets', 'Assigned to me', 'Assigned to my teams', 'Unassigned', 'Closed'];

async function logIn(win: Window, email: string, password: string): Promise<void> {
  await win.page.getByLabel('Email').fill(email);
  await win.page.getByLabel('Password').fill(password);
  await win.page.getByRole('button', { name: 'Log in' }).click();
}

/** A mark in the page's window object: still there later means the page was never reloaded. */
const markPage = (page: Page) => page.evaluate('window.__deskqlNotReloaded = true');
const notReloaded = (page: Page) => page.evaluate('window.__deskqlNotReloaded === true');

/** Opens a ticket as the end user through the API. */
async function userOpens(key: string, subject: string): Promise<{ id: string; number: string }> {
  const { id, number } = await newTicket(t, w.users.owner.token, { subject, body: `<p>${subject}</p>` });
  tickets[key] = { id, number };
  return tickets[key];
}

/** The end user writes on their ticket through the API. */
async function userWrites(ticketId: string, text: string): Promise<{ state: string }> {
  const res = await t.gql<{ postMessage: { ticket: { state: string } | null; userErrors: unknown[] } }, unknown>(
    'mutation($input: PostMessageInput!) { postMessage(input: $input) { ticket { state } userErrors { field message code } } }',
    { input: { ticketId, body: `<p>${text}</p>` } },
    { token: w.users.owner.token },
  );
  expect(res.data?.postMessage.userErrors, JSON.stringify(res)).toEqual([]);
  return res.data!.postMessage.ticket!;
}

/** Changes a ticket through the API as the admin. */
async function adminUpdates(ticketId: string, subject: string): Promise<void> {
  const res = await t.gql<{ updateTicket: { userErrors: unknown[] } }, unknown>(
    'mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { userErrors { field message code } } }',
    { input: { ticketId, subject } },
    { token: w.agents.admin.token },
  );
  expect(res.data?.updateTicket.userErrors, JSON.stringify(res)).toEqual([]);
}

let renames = 0;

/**
 * Waits until the consoles' queueUpdates subscriptions are set up on the
 * server (graphql-ws does not say when): renames a ticket that each window
 * lists, again until every window shows the new subject — a row changes only
 * when its queue's update arrives. What the test asserts starts after that.
 */
async function untilLive(wins: Window[], ticket: { id: string; number: string }, word = 'Warm-up'): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const subject = `${word} ${++renames}`;
    await adminUpdates(ticket.id, subject);
    const heard = await Promise.all(wins.map((win) => expect.poll(() => row(win.page, ticket.number).innerText(), { timeout: 1_000 }).toContain(subject).then(() => true, () => false)));
    if (heard.every(Boolean)) return;
  }
  throw new Error('the consoles did not go live in 30 s');
}

async function createSharedQueue(name: string, word: string): Promise<string> {
  const res = await t.gql<{ createQueue: { queue: { id: string } | null; userErrors: unknown[] } }, unknown>(
    `mutation($input: CreateQueueInput!) { createQueue(input: $input) { queue { id } userErrors { field message code } } }`,
    {
      input: {
        name,
        shared: true,
        criteria: [
          { field: 'SUBJECT', operator: 'CONTAINS', values: [word] },
          { field: 'STATE', operator: 'IN', values: ['OPEN'] },
        ],
      },
    },
    { token: w.agents.admin.token },
  );
  expect(res.data?.createQueue.userErrors, JSON.stringify(res)).toEqual([]);
  return res.data!.createQueue.queue!.id;
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  t = await startTestServer();
  origin = new URL(t.url).origin;
  w = await buildWorld(t);
  await createCanned(t, w.agents.admin.token, { title: 'Printer fixed', departmentId: w.supportId, body: '<p>Dear %{recipient.name},</p><p>we fixed the printer of ticket %{ticket.number}.</p>' });
  // A shared custom queue, there before anyone logs in.
  await createSharedQueue('Printers', 'printer');
  // A ticket both agents list from the start, to tell when their consoles are live.
  await userOpens('warmUp', 'Warm-up');

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  fiona = await openWindow('Fiona (All Access)');
  rory = await openWindow('Rory (Reply Only)');
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the agent console in Chromium, two agents side by side', () => {
  it('shows the error of a wrong password, then logs both agents in (the token kept for the tab only)', async () => {
    const page = fiona.page;
    const response = await page.goto(`${origin}/console/`);
    expect(response?.status()).toBe(200);
    await logIn(fiona, 'fiona@desk.test', 'not-the-password');
    await expect.poll(() => page.getByRole('alert').allInnerTexts()).toContain('Email or password is incorrect');
    await expect.poll(() => page.getByRole('button', { name: 'Log in' }).isEnabled()).toBe(true);
    await shot(fiona, 'login-error');

    await logIn(fiona, 'fiona@desk.test', PASSWORD);
    await queueLink(page, 'Open').waitFor();
    await rory.page.goto(`${origin}/console/`);
    await logIn(rory, 'rory@desk.test', PASSWORD);
    await queueLink(rory.page, 'Open').waitFor();

    for (const win of [fiona, rory]) {
      expect(await win.page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([1, 0, '']);
      await win.page.getByText('Live', { exact: true }).waitFor();
      await markPage(win.page);
    }
    // Both land on Open, which lists the warm-up ticket; once both are live, it is deleted.
    await untilLive([fiona, rory], tickets.warmUp!);
    const deleted = await t.gql<{ setTicketStatus: { userErrors: unknown[] } }, unknown>(
      'mutation($input: SetTicketStatusInput!) { setTicketStatus(input: $input) { userErrors { field message code } } }',
      { input: { ticketIds: [tickets.warmUp!.id], statusId: w.statuses.Deleted } },
      { token: w.agents.admin.token },
    );
    expect(deleted.data?.setTicketStatus.userErrors).toEqual([]);
    for (const win of [fiona, rory]) {
      await row(win.page, tickets.warmUp!.number).waitFor({ state: 'detached', ...LIVE });
      // The sidebar as the API nests it, counted exactly, the shared custom queue included.
      await expect.poll(() => sidebar(win.page), LIVE).toEqual([...SYSTEM_QUEUES.map((q) => `${q} 0`), 'Printers 0']);
    }
  });

  it('a ticket opened through the API enters Open, and the counts move in the other window without a reload', async () => {
    const jam = await userOpens('jam', 'The printer on floor 2 jams');
    await row(fiona.page, jam.number).waitFor(LIVE);
    await expect.poll(() => countOf(rory.page, 'Open'), LIVE).toBe(1);
    await expect.poll(() => countOf(rory.page, 'Printers'), LIVE).toBe(1);
    await expect.poll(() => countOf(rory.page, 'Unassigned'), LIVE).toBe(1);
    await expect.poll(() => row(fiona.page, jam.number).innerText()).toContain('The printer on floor 2 jams');
    await expect.poll(() => row(fiona.page, jam.number).innerText()).toContain('Owen Owner');
    expect(await notReloaded(rory.page)).toBe(true);
    await shot(fiona, 'open-queue');
  });

  it('hovering a ticket number shows its preview with the actions of each agent’s role', async () => {
    const { number } = tickets.jam!;
    const actions = async (win: Window): Promise<string[]> => {
      await win.page.getByRole('link', { name: `#${number}`, exact: true }).hover();
      const dialog = win.page.getByRole('dialog', { name: `Ticket #${number} preview` });
      await dialog.getByRole('button', { name: 'Reply' }).waitFor();
      await expect.poll(() => dialog.innerText()).toContain('Support');
      expect(await dialog.innerText()).toContain('Owen Owner');
      return dialog.locator('footer').getByRole('button').allInnerTexts();
    };
    const full = await actions(fiona);
    expect(full).toEqual(expect.arrayContaining(['Reply', 'Note', 'Assign', 'Transfer', 'Close']));
    expect(full).not.toContain('Reopen');
    await shot(fiona, 'preview');

    await rory.page.getByRole('link', { name: 'Open 1' }).click();
    await row(rory.page, number).waitFor();
    const replyOnly = await actions(rory);
    expect(replyOnly).toContain('Reply');
    expect(replyOnly).not.toContain('Close');
    expect(replyOnly).not.toContain('Assign');
    await shot(rory, 'preview-reply-only');

    // The pointer leaves: the preview goes. Keyboard focus opens it too, and Escape closes it.
    const dialog = rory.page.getByRole('dialog', { name: `Ticket #${number} preview` });
    await rory.page.mouse.move(700, 850);
    await dialog.waitFor({ state: 'detached' });
    const link = rory.page.getByRole('link', { name: `#${number}`, exact: true });
    await link.focus();
    await dialog.getByRole('button', { name: 'Reply' }).waitFor();
    await link.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('a canned response, edited, sent with "Resolved": the ticket leaves Open and enters Closed live in the other window', async () => {
    const { number } = tickets.jam!;
    // Rory watches the Closed queue.
    await rory.page.getByRole('link', { name: 'Closed 0' }).click();
    await rory.page.getByText('No tickets in this queue.').waitFor();

    const page = fiona.page;
    await page.getByRole('link', { name: `#${number}`, exact: true }).click();
    await page.getByRole('heading', { name: `#${number} The printer on floor 2 jams` }).waitFor();
    await page.getByRole('combobox', { name: 'Canned response' }).selectOption({ label: 'Printer fixed' });
    const reply = page.getByRole('textbox', { name: 'Reply', exact: true });
    // Rendered for this ticket, into the box, for editing.
    await expect.poll(() => reply.inputValue()).toBe(`Dear Owen Owner,\n\nwe fixed the printer of ticket ${number}.`);
    await reply.press('ControlOrMeta+End');
    await reply.pressSequentially('\n\nIt was a paper jam; the tray is cleared.');
    await page.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'Resolved' });
    await shot(fiona, 'ticket-reply');
    await page.getByRole('button', { name: 'Send' }).click();

    // Fiona's view: the response in the thread, edited as sent, and the new status.
    const response = page.getByRole('article', { name: 'Response from Fiona Full' });
    await expect.poll(() => response.innerText(), LIVE).toContain('It was a paper jam; the tray is cleared.');
    expect(await response.innerText()).toContain(`we fixed the printer of ticket ${number}.`);
    await expect.poll(() => page.locator('.ticket-head .status').innerText()).toBe('Resolved');
    await expect.poll(() => reply.inputValue()).toBe('');

    // Rory's window, live: in Closed, out of Open (and of Printers, whose criteria say OPEN).
    await row(rory.page, number).waitFor(LIVE);
    await expect.poll(() => row(rory.page, number).innerText()).toContain('Resolved');
    await expect.poll(() => countOf(rory.page, 'Closed'), LIVE).toBe(1);
    await expect.poll(() => countOf(rory.page, 'Open'), LIVE).toBe(0);
    await expect.poll(() => countOf(rory.page, 'Printers'), LIVE).toBe(0);
    expect(await notReloaded(rory.page)).toBe(true);
    await shot(rory, 'closed-live');
  });

  it('the end user’s reply through the API reopens the ticket, and both consoles show it live', async () => {
    const { id, number } = tickets.jam!;
    expect((await userWrites(id, 'It jams again since this morning.')).state).toBe('OPEN');

    // Fiona's open ticket view: the message in the thread and the status back to Open.
    const message = fiona.page.getByRole('article', { name: 'Message from Owen Owner' }).filter({ hasText: 'It jams again since this morning.' });
    await message.waitFor(LIVE);
    await expect.poll(() => fiona.page.locator('.ticket-head .status').innerText()).toBe('Open');
    await expect.poll(() => fiona.page.locator('.ticket-head').innerText()).toContain('reopened 1×');
    await fiona.page.getByText(/^Updated live: /).waitFor();

    // Rory's Closed queue: the row leaves; the counts move back.
    await row(rory.page, number).waitFor({ state: 'detached', ...LIVE });
    await expect.poll(() => countOf(rory.page, 'Closed'), LIVE).toBe(0);
    await expect.poll(() => countOf(rory.page, 'Open'), LIVE).toBe(1);
    await expect.poll(() => countOf(rory.page, 'Printers'), LIVE).toBe(1);
    expect(await notReloaded(rory.page)).toBe(true);
    await shot(fiona, 'reopened');
  });

  it('closes three selected tickets at once; a Reply Only agent gets the error per ticket and nothing closes', async () => {
    const three = [await userOpens('a', 'Cannot log in'), await userOpens('b', 'Invoice missing'), await userOpens('c', 'Password reset mail')];
    const page = fiona.page;
    await page.getByRole('link', { name: /^Open \d+$/ }).click();
    for (const x of three) await row(page, x.number).waitFor(LIVE);
    await expect.poll(() => countOf(page, 'Open'), LIVE).toBe(4);
    // The desk at a glance (the README's picture, docs/console.png): a queue, and a ticket's preview.
    await page.getByRole('link', { name: `#${tickets.jam!.number}`, exact: true }).hover();
    await page.getByRole('dialog', { name: `Ticket #${tickets.jam!.number} preview` }).getByRole('button', { name: 'Close' }).waitFor();
    await shot(fiona, 'desk');
    await page.mouse.move(700, 850);
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    // Rory may not close: the all-or-nothing quick action names each ticket it refused.
    await rory.page.getByRole('link', { name: /^Open \d+$/ }).click();
    await row(rory.page, three[0]!.number).waitFor(LIVE);
    await rory.page.getByRole('checkbox', { name: `Select #${three[0]!.number}` }).check();
    await rory.page.getByRole('checkbox', { name: `Select #${three[1]!.number}` }).check();
    await rory.page.getByRole('button', { name: 'Close selected' }).click();
    const refused = rory.page.getByRole('alert').filter({ hasText: 'Nothing was closed' });
    await refused.waitFor();
    expect(await refused.innerText()).toContain(`#${three[0]!.number}: `);
    expect(await refused.innerText()).toContain(`#${three[1]!.number}: `);
    await shot(rory, 'close-refused');

    for (const x of three) await page.getByRole('checkbox', { name: `Select #${x.number}` }).check();
    await expect.poll(() => page.locator('.bulk').innerText()).toContain('3 selected');
    await shot(fiona, 'bulk-selected');
    await page.getByRole('button', { name: 'Close selected' }).click();
    await page.getByRole('status').filter({ hasText: '3 tickets closed' }).waitFor();
    for (const x of three) await row(page, x.number).waitFor({ state: 'detached', ...LIVE });
    await row(page, tickets.jam!.number).waitFor();

    // Rory's window follows: the three leave his Open list too, the counts move.
    for (const x of three) await row(rory.page, x.number).waitFor({ state: 'detached', ...LIVE });
    await expect.poll(() => countOf(rory.page, 'Open'), LIVE).toBe(1);
    await expect.poll(() => countOf(rory.page, 'Closed'), LIVE).toBe(3);
    expect(await notReloaded(rory.page)).toBe(true);
  });

  it('a stale edit shows the conflict ("this ticket changed — reload"); after Reload the kept draft goes through', async () => {
    const { id, number } = tickets.jam!;
    const page = fiona.page;
    await page.getByRole('link', { name: `#${number}`, exact: true }).click();
    await page.getByRole('heading', { name: `#${number} The printer on floor 2 jams` }).waitFor();
    const reply = page.getByRole('textbox', { name: 'Reply', exact: true });
    await reply.fill('Sending a technician this afternoon.');

    // Writing takes the lock: Rory, opening the ticket, sees who holds it and may not reply.
    const lockHolder = async () =>
      (await t.gql<{ node: { lock: { agent: { name: string } } | null } }, unknown>('query($id: ID!) { node(id: $id) { ... on Ticket { lock { agent { name } } } } }', { id }, { token: w.agents.admin.token }))
        .data?.node.lock?.agent.name;
    await expect.poll(lockHolder).toBe('Fiona Full');
    await rory.page.getByRole('link', { name: `#${number}`, exact: true }).click();
    await rory.page.getByRole('status').filter({ hasText: 'Fiona Full is working on this ticket' }).waitFor();
    await rory.page.getByText('You may not reply to this ticket.').waitFor();
    await shot(rory, 'locked');

    // Meanwhile the end user writes again: the ticket is a version further than Fiona's draft.
    await userWrites(id, 'Also, the toner is low.');
    await page.getByRole('article', { name: 'Message from Owen Owner' }).filter({ hasText: 'Also, the toner is low.' }).waitFor(LIVE);
    await page.getByRole('button', { name: 'Send' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'This ticket changed — reload.' });
    await conflict.waitFor();
    expect(await reply.inputValue()).toBe('Sending a technician this afternoon.');
    await shot(fiona, 'conflict');

    await conflict.getByRole('button', { name: 'Reload' }).click();
    await conflict.waitFor({ state: 'detached' });
    expect(await reply.inputValue()).toBe('Sending a technician this afternoon.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('article', { name: 'Response from Fiona Full' }).filter({ hasText: 'Sending a technician this afternoon.' }).waitFor(LIVE);
    await expect.poll(() => reply.inputValue()).toBe('');
    expect(await page.getByRole('alert').filter({ hasText: 'This ticket changed' }).count()).toBe(0);
    // Rory's view of the ticket follows live.
    await rory.page.getByRole('article', { name: 'Response from Fiona Full' }).filter({ hasText: 'Sending a technician this afternoon.' }).waitFor(LIVE);
  });

  it('a shared queue created while the consoles are open appears in the sidebar, counted, and moves live', async () => {
    const scan = await userOpens('scan', 'The scanner is broken');
    await createSharedQueue('Scanners', 'scanner');
    // The tree is re-read every 15 s (and on returning to the tab): the new queue shows up, counted.
    for (const win of [fiona, rory]) {
      await expect.poll(async () => (await sidebar(win.page)).slice(-2), { timeout: 40_000 }).toEqual(['Printers 1', 'Scanners 1']);
      await win.page.getByRole('link', { name: 'Scanners 1' }).click();
      await row(win.page, scan.number).waitFor();
      await expect.poll(() => win.page.getByRole('row').count()).toBe(2); // the header and the one ticket
    }
    // The new queue has its own subscription: once it is live, a ticket entering it shows in both windows.
    await untilLive([fiona, rory], scan, 'The scanner is broken, again');
    const second = await userOpens('scan2', 'Second scanner jams');
    for (const win of [fiona, rory]) {
      await row(win.page, second.number).waitFor(LIVE);
      await expect.poll(() => countOf(win.page, 'Scanners'), LIVE).toBe(2);
      await expect.poll(() => countOf(win.page, 'Open'), LIVE).toBe(3);
      expect(await notReloaded(win.page)).toBe(true);
    }
    await shot(fiona, 'custom-queue');
  });

  it('used nothing but this server, logged no error, and its CSP refuses inline script and other origins', async () => {
    for (const win of [fiona, rory]) {
      expect(win.requests.length, win.name).toBeGreaterThan(10);
      const foreign = win.requests.filter((url) => new URL(url).host !== new URL(origin).host);
      expect(foreign, win.name).toEqual([]);
      expect(win.requests.some((url) => url.startsWith('ws://')), win.name).toBe(true);
      expect(win.errors, win.name).toEqual([]);
    }

    // A fresh page, not logged in, on its own: the CSP at work (its violations would count as errors above).
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(`${origin}/console/`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self' 'sha256-[^']+'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    const violation = (directive: string, act: string) =>
      page.evaluate(`new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', function seen(e) {
          if (!e.violatedDirective.startsWith(${JSON.stringify(directive)})) return;
          document.removeEventListener('securitypolicyviolation', seen);
          resolve({ directive: e.violatedDirective, ran: window.__inlineRan === true });
        });
        ${act}
      })`);
    expect(await violation('script-src', "const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.head.append(s);")).toEqual({
      directive: 'script-src-elem',
      ran: false,
    });
    // Another origin (a loopback address that is not this server's): refused before any connection.
    expect(await violation('connect-src', "fetch('http://127.0.0.2:9/').catch(() => {});")).toEqual({ directive: 'connect-src', ran: false });
    await page.context().close();
  });
});
