import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';
import { TEXT, uploadOk } from '../support/uploads';
import { buildWorld, PASSWORD, type World } from '../support/world';
import {
  apiActions,
  countOf,
  expectCleanWindows,
  launchChromium,
  listedNumbers,
  LIVE,
  logIn,
  markPage,
  notReloaded,
  openWindow,
  queueLink,
  row,
  shot,
  sidebar,
  watch,
  type Ticket,
  type Window,
} from './console-support';

/**
 * The rest of issue 14's console, in Chromium against a real server (the
 * lifecycle walk is console.browser.ts): logging out, keyset paging in the
 * queue's own order over 60 tickets, the overdue and answered badges, internal
 * notes, attachments shown through signed links, assignment, collaborators,
 * the quick close for an agent who may close only some tickets, a lost
 * connection and its recovery, and keyboard-only use. Waits are on what the
 * page shows, never a sleep.
 */
let t: TestServer;
let w: World;
let api: ReturnType<typeof apiActions>;
let browser: Browser;
let origin: string;
let fiona: Window; // All Access, Support
let max: Window; // Reply Only in Support, All Access in Sales
let keys: Window | undefined; // Rory (Reply Only, Support), keyboard only
/** The 60 batch tickets, in the order they were opened. */
const batch: Ticket[] = [];
const BATCH = 60;
let late: Ticket; // made overdue
let asked: Ticket; // answered, noted, attached, collaborated, assigned, transferred
let offline: Ticket; // opened while Fiona's browser is offline
let maxToken: string;

const fionaToken = () => w.agents.full.token;
const article = (page: Page, name: string, text: string): Locator => page.getByRole('article', { name }).filter({ hasText: text });
const ticketHeading = (page: Page, tk: Ticket) => page.getByRole('heading', { name: new RegExp(`^#${tk.number} `) });
/** Whether `locator` has the keyboard focus. */
const focused = (locator: Locator) => locator.evaluate((el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement);

/** Presses Tab until `target` has the focus (as a keyboard user does); fails after `limit` presses. */
async function tabTo(page: Page, target: Locator, limit = 120): Promise<number> {
  for (let presses = 0; presses <= limit; presses++) {
    if ((await target.count()) === 1 && (await focused(target))) return presses;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab did not reach the element in ${limit} presses`);
}

/** An image in the page: loaded (it has pixels) through a signed link that works without the Authorization header. */
async function expectSignedImage(img: Locator, bytes?: Buffer): Promise<void> {
  await expect
    .poll(() => img.evaluate((el) => (el as unknown as { complete: boolean; naturalWidth: number }).naturalWidth), LIVE)
    .toBeGreaterThan(0);
  const src = (await img.getAttribute('src'))!;
  expect(src).toMatch(/^\/attachments\/[^?]+\?expires=\d+&signature=[\w-]{43}$/);
  const res = await fetch(`${origin}${src}`); // no Authorization header
  expect(res.status).toBe(200);
  if (bytes) expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
}

/** The viewer's queue counts as the API gives them, by name (the sidebar must show the same). */
async function apiSidebar(token: string): Promise<string[]> {
  type Q = { name: string; count: number; children: Q[] };
  const res = await t.gql<{ queues: Q[] }, unknown>('{ queues { name count children { name count children { name count } } } }', {}, { token });
  const walk = (qs: Q[]): string[] => qs.flatMap((q) => [`${q.name} ${q.count}`, ...walk(q.children ?? [])]);
  return walk(res.data!.queues);
}

beforeAll(async () => {
  t = await startTestServer();
  origin = new URL(t.url).origin;
  w = await buildWorld(t);
  api = apiActions(t, w);
  // Max may reply in Support and do everything in Sales: some tickets he may close, some not.
  const created = await t.gql<{ createAgent: { userErrors: unknown[] } }, unknown>(
    'mutation($input: CreateAgentInput!) { createAgent(input: $input) { userErrors { field message code } } }',
    {
      input: {
        name: 'Max Mixed',
        email: 'max@desk.test',
        password: PASSWORD,
        primaryDepartmentId: w.supportId,
        roleId: w.roles['Reply Only'],
        departmentAccess: [{ departmentId: w.salesId, roleId: w.roles['All Access'] }],
      },
    },
    { token: w.agents.admin.token },
  );
  expect(created.data?.createAgent.userErrors, JSON.stringify(created)).toEqual([]);
  maxToken = await t.login('max@desk.test', PASSWORD);
  // More tickets than a page holds, opened one after the other (Open lists the newest first).
  for (let i = 1; i <= BATCH; i++) batch.push(await api.userOpens(`Batch ticket ${i}`));
  // A queue of its own order: by number, ascending.
  await api.createSharedQueue('Batch', [{ field: 'SUBJECT', operator: 'CONTAINS', values: ['Batch'] }, { field: 'STATE', operator: 'IN', values: ['OPEN'] }], { field: 'NUMBER', direction: 'ASC' });

  browser = await launchChromium();
  fiona = await openWindow(browser, 'Fiona (All Access)');
  max = await openWindow(browser, 'Max (Reply Only in Support, All Access in Sales)');
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the agent console in Chromium: the rest of the desk', () => {
  it('logs out: the login form shows again, the token is gone from the tab and refused by the API; a new tab starts logged out; a session ended elsewhere ends here', async () => {
    const page = fiona.page;
    await page.goto(`${origin}/console/`);
    await logIn(fiona, 'fiona@desk.test', PASSWORD);
    await queueLink(page, 'Open').waitFor();
    const token = await page.evaluate<string>("sessionStorage.getItem('deskql.console.token')");
    expect(token).toBeTruthy();

    // The same tab keeps the login across a reload; another tab of the same browser does not have it.
    await page.reload();
    await queueLink(page, 'Open').waitFor();
    const tab = await fiona.context.newPage();
    watch(fiona, tab);
    await tab.goto(`${origin}/console/`);
    await tab.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await tab.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([0, 0, '']);
    await tab.close();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'You are logged out.' }).waitFor();
    expect(await page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([0, 0, '']);
    const refused = await t.gql('{ viewer { id } }', {}, { token });
    expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(refused)).toBe('UNAUTHENTICATED');
    await page.reload();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await shot(fiona, 'logged-out');

    // Logged out elsewhere (here: the same token's logout through the API): the server closes the
    // console's socket (4401) and the console goes back to the login form, saying why.
    await logIn(fiona, 'fiona@desk.test', PASSWORD);
    await page.getByText('Live', { exact: true }).waitFor();
    const second = await page.evaluate<string>("sessionStorage.getItem('deskql.console.token')");
    const out = await t.gql<{ logout: { loggedOut: boolean } }, unknown>('mutation { logout { loggedOut } }', {}, { token: second });
    expect(out.data?.logout.loggedOut, JSON.stringify(out)).toBe(true);
    await page.getByRole('status').filter({ hasText: 'Your session ended; log in again.' }).waitFor(LIVE);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    // Both agents at their desks, live, for what follows.
    await logIn(fiona, 'fiona@desk.test', PASSWORD);
    await max.page.goto(`${origin}/console/`);
    await logIn(max, 'max@desk.test', PASSWORD);
    for (const win of [fiona, max]) {
      await queueLink(win.page, 'Open').waitFor();
      await markPage(win.page);
    }
    await api.untilLive([fiona, max], batch.at(-1)!, 'Batch ticket, renamed');
  });

  it('pages a queue 50 tickets at a time, keyset-paged in the queue’s own order, and keeps that order when a ticket enters live', async () => {
    const page = fiona.page;
    const more = page.getByRole('button', { name: 'Load 50 more' });
    const newestFirst = batch.map((x) => x.number).reverse();
    // Open: the system queues' order, newest first.
    await page.getByRole('heading', { name: `Open ${BATCH}` }).waitFor();
    await expect.poll(() => listedNumbers(page), LIVE).toEqual(newestFirst.slice(0, 50));
    await more.click();
    await expect.poll(() => listedNumbers(page), LIVE).toEqual(newestFirst);
    await more.waitFor({ state: 'detached' });

    // Batch: its own order, by number.
    const byNumber = batch.map((x) => x.number).sort();
    await page.getByRole('link', { name: `Batch ${BATCH}` }).click();
    await page.getByRole('heading', { name: `Batch ${BATCH}` }).waitFor();
    await expect.poll(() => listedNumbers(page), LIVE).toEqual(byNumber.slice(0, 50));
    await shot(fiona, 'paged');
    await more.click();
    await expect.poll(() => listedNumbers(page), LIVE).toEqual(byNumber);
    await more.waitFor({ state: 'detached' });

    // A ticket entering the queue live takes its place in that order, among all 61 shown.
    const entering = await api.userOpens('Batch ticket, late arrival');
    batch.push(entering);
    await expect.poll(() => countOf(page, 'Batch'), LIVE).toBe(BATCH + 1);
    await expect.poll(() => listedNumbers(page), LIVE).toEqual(batch.map((x) => x.number).sort());
    expect(await notReloaded(page)).toBe(true);
  });

  it('shows overdue and answered at a glance: badges on the rows (live in the other window) and the queues counting them', async () => {
    late = await api.userOpens('Toner order is late');
    asked = await api.userOpens('Please answer me');
    const page = fiona.page;
    await queueLink(page, 'Open').click();
    await row(page, asked.number).waitFor(LIVE);
    // The counts to move from: once both windows show what the API counts for their agent.
    for (const [win, token] of [[fiona, fionaToken()], [max, maxToken]] as const) {
      const exact = await apiSidebar(token);
      await expect.poll(() => sidebar(win.page), LIVE).toEqual(exact);
    }
    const before = { unanswered: await countOf(page, 'Unanswered'), answered: await countOf(page, 'Answered') };

    // Past its due date: the Overdue badge, the row marked, the Overdue queue counting it.
    await api.adminUpdates(late.id, { dueAt: new Date(Date.now() - 3_600_000).toISOString() });
    for (const win of [fiona, max]) {
      await row(win.page, late.number).getByText('Overdue', { exact: true }).waitFor(LIVE);
      await expect.poll(() => countOf(win.page, 'Overdue'), LIVE).toBe(1);
    }
    expect(await row(page, late.number).getAttribute('class')).toContain('overdue');
    expect(await row(page, asked.number).getByText('Overdue', { exact: true }).count()).toBe(0);

    // Answered by Fiona's reply: the Answered badge, Unanswered one fewer, Answered one more.
    await page.getByRole('link', { name: `#${asked.number}`, exact: true }).click();
    await ticketHeading(page, asked).waitFor();
    await page.getByRole('textbox', { name: 'Reply', exact: true }).fill('We are on it.');
    await page.getByRole('button', { name: 'Send' }).click();
    await article(page, 'Response from Fiona Full', 'We are on it.').waitFor(LIVE);
    await page.locator('.ticket-head').getByText('Answered', { exact: true }).waitFor();
    await row(max.page, asked.number).getByText('Answered', { exact: true }).waitFor(LIVE);
    await queueLink(page, 'Open').click();
    await row(page, asked.number).getByText('Answered', { exact: true }).waitFor();
    expect(await row(page, late.number).getByText('Answered', { exact: true }).count()).toBe(0);
    for (const [win, token] of [[fiona, fionaToken()], [max, maxToken]] as const) {
      await expect.poll(() => countOf(win.page, 'Answered'), LIVE).toBe(before.answered + 1);
      await expect.poll(() => countOf(win.page, 'Unanswered'), LIVE).toBe(before.unanswered - 1);
      const exact = await apiSidebar(token);
      await expect.poll(() => sidebar(win.page), LIVE).toEqual(exact);
    }
    expect(await notReloaded(max.page)).toBe(true);
    await shot(fiona, 'badges');
  });

  it('adds an internal note: marked as such in the thread, live in the other window, never shown to the end user', async () => {
    const page = fiona.page;
    await page.getByRole('link', { name: `#${asked.number}`, exact: true }).click();
    await ticketHeading(page, asked).waitFor();
    await max.page.getByRole('link', { name: `#${asked.number}`, exact: true }).click();
    await ticketHeading(max.page, asked).waitFor();

    const text = 'VIP customer: call before closing.';
    await page.getByRole('textbox', { name: 'Internal note' }).fill(text);
    await page.getByRole('button', { name: 'Add note' }).click();
    for (const win of [fiona, max]) {
      const note = article(win.page, 'Internal note from Fiona Full', text);
      await note.waitFor(LIVE);
      expect(await note.locator('header').textContent()).toContain('Internal note');
    }
    await expect.poll(() => page.getByRole('textbox', { name: 'Internal note' }).inputValue(), LIVE).toBe('');
    await shot(fiona, 'note');

    // The end user's view of the same thread, through the API: the reply, not the note.
    const theirs = await t.gql<{ ticket: { thread: { edges: { node: { type: string; body: string } }[] } } }, unknown>(
      'query($n: String!) { ticket(number: $n) { thread(first: 50) { edges { node { type body } } } } }',
      { n: asked.number },
      { token: w.users.owner.token },
    );
    const bodies = theirs.data!.ticket.thread.edges.map((e) => e.node.body).join('\n');
    expect(bodies).toContain('We are on it.');
    expect(bodies).not.toContain(text);
  });

  it('uploads files and attaches them to a reply; images show in the thread through signed links, the end user’s inline image too', async () => {
    const page = fiona.page;
    const png = await page.screenshot({ clip: { x: 0, y: 0, width: 48, height: 32 } });
    await page.getByLabel('Attach files').setInputFiles([
      { name: 'screen.png', mimeType: 'image/png', buffer: png },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: TEXT },
    ]);
    const uploads = page.locator('ul.uploads li');
    await expect.poll(() => uploads.allInnerTexts(), LIVE).toEqual([expect.stringMatching(/^screen\.png .*· ready/), expect.stringMatching(/^notes\.txt .*· ready/)]);
    await page.getByRole('textbox', { name: 'Reply', exact: true }).fill('A screenshot and my notes are attached.');
    await page.getByRole('button', { name: 'Send' }).click();

    const response = article(page, 'Response from Fiona Full', 'A screenshot and my notes are attached.');
    await response.waitFor(LIVE);
    await expect.poll(() => uploads.count(), LIVE).toBe(0);
    await expectSignedImage(response.getByRole('link', { name: 'screen.png' }).locator('img'), png);
    const notes = await response.getByRole('link', { name: 'notes.txt' }).getAttribute('href');
    const download = await fetch(`${origin}${notes}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(TEXT)).toBe(true);
    // The other agent's view follows live, with the image.
    await expectSignedImage(article(max.page, 'Response from Fiona Full', 'A screenshot and my notes are attached.').getByRole('link', { name: 'screen.png' }).locator('img'), png);

    // The end user writes with an image in the message itself: the body's image is signed too.
    const shotOfThem = await page.screenshot({ clip: { x: 0, y: 0, width: 64, height: 40 } });
    const upload = await uploadOk(t, w.users.owner.token, shotOfThem, 'error.png', 'image/png');
    await api.userWrites(asked.id, `<p>This is what I see:</p><p><img src="/attachments/${upload.id}" alt="the error dialog"></p>`, [upload.id]);
    const message = article(page, 'Message from Owen Owner', 'This is what I see:');
    await message.waitFor(LIVE);
    await expectSignedImage(message.getByRole('img', { name: 'the error dialog' }), shotOfThem);
    await shot(fiona, 'attachments');
  });

  it('adds CC and BCC collaborators and removes one; the preview lists who is copied now', async () => {
    const page = fiona.page;
    const panel = page.getByRole('region', { name: 'Collaborators' });
    const add = async (email: string, role: 'CC' | 'BCC') => {
      await panel.getByLabel('Collaborator email').fill(email);
      await panel.getByRole('combobox', { name: 'As' }).selectOption(role);
      await panel.getByRole('button', { name: 'Add collaborator' }).click();
      await expect.poll(() => panel.getByLabel('Collaborator email').inputValue(), LIVE).toBe('');
    };
    await add('cora@customer.test', 'CC');
    await add('dana@customer.test', 'BCC');
    const entry = (email: string) => panel.getByRole('listitem').filter({ hasText: email });
    await expect.poll(() => entry('cora@customer.test').innerText(), LIVE).toMatch(/Cora Collab.*CC/s);
    await expect.poll(() => entry('dana@customer.test').innerText(), LIVE).toMatch(/Dana Former.*BCC/s);

    await panel.getByRole('button', { name: 'Remove cora@customer.test' }).click();
    await expect.poll(() => entry('cora@customer.test').innerText(), LIVE).toContain('removed');
    expect(await panel.getByRole('button', { name: 'Remove cora@customer.test' }).count()).toBe(0);
    await shot(fiona, 'collaborators');

    // What the API holds, and what the preview in the other window shows.
    const held = await t.gql<{ ticket: { collaborators: { role: string; isActive: boolean; user: { email: string } }[] } }, unknown>(
      'query($n: String!) { ticket(number: $n) { collaborators { role isActive user { email } } } }',
      { n: asked.number },
      { token: fionaToken() },
    );
    expect(held.data!.ticket.collaborators.map((c) => [c.user.email, c.role, c.isActive]).sort()).toEqual([
      ['cora@customer.test', 'CC', false],
      ['dana@customer.test', 'BCC', true],
    ]);
    await queueLink(max.page, 'Open').click();
    await max.page.getByRole('link', { name: `#${asked.number}`, exact: true }).hover();
    const preview = max.page.getByRole('dialog', { name: `Ticket #${asked.number} preview` });
    await preview.getByRole('button', { name: 'Reply' }).waitFor();
    const copied = await preview.locator('.chip').allInnerTexts();
    expect(copied).toEqual([expect.stringMatching(/^Dana Former\s+BCC$/)]);
    await max.page.mouse.move(700, 880);
    await preview.waitFor({ state: 'detached' });
  });

  it('assigns (the API’s refusal shown by the field), claims, releases, assigns a team, and transfers', async () => {
    const page = fiona.page;
    const panel = page.getByRole('region', { name: 'Assignment' });
    const assignTo = async (label: string) => {
      await panel.getByRole('combobox', { name: 'Assign to' }).selectOption({ label });
      await panel.getByRole('button', { name: 'Assign', exact: true }).click();
    };
    const state = () => panel.locator('p').first().innerText();

    // Olga works in Sales only: the API says no, and the console says why.
    await expect.poll(() => panel.getByRole('combobox', { name: 'Assign to' }).locator('option').allInnerTexts(), LIVE).toContain('Olga Other');
    await assignTo('Olga Other');
    await panel.getByRole('alert').filter({ hasText: "The agent has no access to the ticket's department" }).waitFor();
    expect(await state()).toBe('Unassigned');

    await assignTo('Max Mixed');
    await expect.poll(state, LIVE).toBe('Assigned to Max Mixed');
    expect(await panel.getByRole('alert').count()).toBe(0);
    await expect.poll(() => countOf(max.page, 'Assigned to me'), LIVE).toBe(1);
    await row(max.page, asked.number).getByText('Max Mixed').waitFor(LIVE);

    // Claim is for a ticket no agent has (the API refuses it while Max has it): offered once released.
    expect(await panel.getByRole('button', { name: 'Claim' }).count()).toBe(0);
    await panel.getByRole('button', { name: 'Release' }).click();
    await expect.poll(state, LIVE).toBe('Unassigned');
    await expect.poll(() => countOf(max.page, 'Assigned to me'), LIVE).toBe(0);
    await panel.getByRole('button', { name: 'Claim' }).click();
    await expect.poll(state, LIVE).toBe('Assigned to Fiona Full');
    await expect.poll(() => countOf(page, 'Assigned to me'), LIVE).toBe(1);
    await panel.getByRole('button', { name: 'Release' }).click();
    await expect.poll(state, LIVE).toBe('Unassigned');
    await expect.poll(() => countOf(page, 'Assigned to me'), LIVE).toBe(0);

    await assignTo('Escalations');
    await expect.poll(state, LIVE).toBe('Unassigned · team Escalations');
    await row(max.page, asked.number).getByText('Escalations').waitFor(LIVE);
    await panel.getByRole('button', { name: 'Release' }).click();
    await expect.poll(state, LIVE).toBe('Unassigned');

    // Transferred to Sales, where Fiona does not work: she is told, and Max (All Access there) sees it there.
    await panel.getByRole('combobox', { name: 'Department' }).selectOption({ label: 'Sales' });
    await panel.getByRole('button', { name: 'Transfer' }).click();
    await page.getByRole('status').filter({ hasText: `#${asked.number} is now in Sales, where you have no access.` }).waitFor();
    await shot(fiona, 'transferred');
    await max.page.getByRole('link', { name: `#${asked.number}`, exact: true }).hover();
    const preview = max.page.getByRole('dialog', { name: `Ticket #${asked.number} preview` });
    await expect.poll(() => preview.innerText(), LIVE).toContain('Sales');
    // In Sales Max has every right: the preview offers him Close now.
    expect(await preview.locator('footer').getByRole('button').allInnerTexts()).toContain('Close');
    await max.page.mouse.move(700, 880);
    await preview.waitFor({ state: 'detached' });
  });

  it('offers the quick close only when the agent may close a selected ticket; a mixed selection is refused per ticket, all or nothing', async () => {
    const page = max.page;
    const close = page.getByRole('button', { name: 'Close selected' });
    const support = [batch.at(-1)!, batch.at(-2)!];
    await row(page, support[0]!.number).waitFor();
    for (const x of support) await page.getByRole('checkbox', { name: `Select #${x.number}` }).check();
    await expect.poll(() => close.isDisabled(), LIVE).toBe(true);
    await page.getByText('Your role may not close these tickets').waitFor();

    // Add the Sales ticket, which he may close: offered; the API closes none and names the two it refused.
    const openBefore = await countOf(page, 'Open');
    await page.getByRole('checkbox', { name: `Select #${asked.number}` }).check();
    await expect.poll(() => close.isEnabled(), LIVE).toBe(true);
    await close.click();
    const refused = page.getByRole('alert').filter({ hasText: 'Nothing was closed' });
    await refused.waitFor();
    for (const x of support) {
      expect(await refused.innerText()).toContain(`#${x.number}: You may not move ticket ${x.number} to Closed`);
      await row(page, x.number).getByRole('alert').filter({ hasText: `You may not move ticket ${x.number} to Closed` }).waitFor();
    }
    expect(await refused.innerText()).not.toContain(`#${asked.number}:`);
    expect(await countOf(page, 'Open')).toBe(openBefore);
    await shot(max, 'close-mixed');

    // The Sales ticket alone: closed.
    for (const x of support) await page.getByRole('checkbox', { name: `Select #${x.number}` }).uncheck();
    await close.click();
    await page.getByRole('status').filter({ hasText: '1 ticket closed' }).waitFor();
    await row(page, asked.number).waitFor({ state: 'detached', ...LIVE });
    await expect.poll(() => countOf(page, 'Open'), LIVE).toBe(openBefore - 1);
  });

  it('shows a lost connection, and on reconnecting shows what changed meanwhile with exact counts, then is live again', async () => {
    const page = fiona.page;
    await queueLink(page, 'Open').click();
    await row(page, late.number).waitFor();
    await expect.poll(() => countOf(page, 'Overdue'), LIVE).toBe(1);
    const openBefore = await countOf(page, 'Open');

    await fiona.context.setOffline(true);
    await page.getByRole('alert').filter({ hasText: 'Connection lost — reconnecting…' }).waitFor();
    await page.getByText('Offline', { exact: true }).waitFor();
    await shot(fiona, 'offline');

    // Meanwhile: a ticket opened, and the overdue one closed.
    offline = await api.userOpens('Opened while you were offline');
    await api.adminSetsStatus([late.id], w.statuses.Closed!);

    await fiona.context.setOffline(false);
    await page.getByRole('status').filter({ hasText: 'Reconnected — queues and tickets are up to date.' }).waitFor(LIVE);
    await page.getByText('Live', { exact: true }).waitFor();
    await row(page, offline.number).waitFor(LIVE);
    await row(page, late.number).waitFor({ state: 'detached', ...LIVE });
    await expect.poll(() => countOf(page, 'Open'), LIVE).toBe(openBefore);
    await expect.poll(() => countOf(page, 'Overdue'), LIVE).toBe(0);
    const exact = await apiSidebar(fionaToken());
    await expect.poll(() => sidebar(page), LIVE).toEqual(exact);
    expect(await notReloaded(page)).toBe(true);

    // The subscription is back: changes arrive live again.
    await api.untilLive([fiona], offline, 'Opened while you were offline, renamed');
    const after = await api.userOpens('Opened after the reconnection');
    await row(page, after.number).waitFor(LIVE);
    await expect.poll(() => countOf(page, 'Open'), LIVE).toBe(openBefore + 1);
  });

  it('works from the keyboard alone: log in, pick a queue, open a ticket from its preview, reply, send', async () => {
    keys = await openWindow(browser, 'Rory (keyboard only)');
    const page = keys.page;
    const kb = page.keyboard;
    await page.goto(`${origin}/console/`);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await tabTo(page, page.getByLabel('Email'));
    await kb.type('rory@desk.test');
    await kb.press('Tab');
    expect(await focused(page.getByLabel('Password'))).toBe(true);
    await kb.type(PASSWORD);
    await kb.press('Enter');
    await queueLink(page, 'Open').waitFor();

    // "/" jumps to the queues; Tab along them, Enter opens one.
    await kb.press('/');
    await expect.poll(() => focused(queueLink(page, 'Open')), LIVE).toBe(true);
    await tabTo(page, queueLink(page, 'Unassigned'));
    await kb.press('Enter');
    await page.getByRole('heading', { name: /^Unassigned \d+$/ }).waitFor();
    await row(page, offline.number).waitFor();

    // Focus on a ticket number opens its preview; its Reply button opens the ticket with the reply box focused.
    const link = page.getByRole('link', { name: `#${offline.number}`, exact: true });
    await tabTo(page, link);
    const preview = page.getByRole('dialog', { name: `Ticket #${offline.number} preview` });
    const replyButton = preview.getByRole('button', { name: 'Reply' });
    await replyButton.waitFor();
    await kb.press('Tab');
    expect(await focused(replyButton)).toBe(true);
    await kb.press('Enter');
    await ticketHeading(page, offline).waitFor();
    const box = page.getByRole('textbox', { name: 'Reply', exact: true });
    await expect.poll(() => focused(box), LIVE).toBe(true);
    await kb.type('Answered without touching the mouse.');
    await tabTo(page, page.getByRole('button', { name: 'Send' }));
    await kb.press('Enter');
    await article(page, 'Response from Rory Reply', 'Answered without touching the mouse.').waitFor(LIVE);
    await expect.poll(() => box.inputValue(), LIVE).toBe('');
    await shot(keys, 'keyboard');
  });

  it('used nothing but this server and logged no error in any window', () => {
    expectCleanWindows([fiona, max, keys!], origin);
  });
});
