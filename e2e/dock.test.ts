import { DEFAULT_RECORDING_SETTINGS } from '@parley/protocol';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from './support/agentProcess.js';
import { axe } from './support/browser.js';
import { chatWindow, endChat, Harness, say, setTabVisible } from './support/harness.js';

/** Issue 11, "Chats": the dock with many windows, the inbox, ending a chat, and the words of each state. */
const USERS = [
  ['maria.jensen', 'LAPTOP-MARIA-JENSEN-01'],
  ['bo', 'PC-BO'],
  ['cem', 'PC-CEM'],
  ['dina', 'PC-DINA'],
  ['emil', 'PC-EMIL'],
] as const;

/** The windows the dock shows (collapsed ones are hidden), with their boxes. */
async function shownWindows(page: Page): Promise<{ name: string; x: number; width: number; y: number }[]> {
  return page.locator('.dock__windows > section.chat-window:not([hidden])').evaluateAll((nodes) =>
    nodes.map((node) => {
      const box = node.getBoundingClientRect();
      return { name: node.getAttribute('aria-label') ?? '', x: box.x, width: box.width, y: box.y };
    }),
  );
}

async function expectLaidOut(page: Page, viewportWidth: number): Promise<number> {
  const windows = await shownWindows(page);
  expect(windows.length).toBeGreaterThan(0);
  let right = -Infinity;
  for (const w of windows.sort((a, b) => a.x - b.x)) {
    // Each window wholly on screen, none over another.
    expect(w.x).toBeGreaterThanOrEqual(0);
    expect(w.x + w.width).toBeLessThanOrEqual(viewportWidth);
    expect(w.x).toBeGreaterThanOrEqual(right);
    right = w.x + w.width;
  }
  // The inbox too.
  const inbox = await page.getByRole('button', { name: /My chats/ }).boundingBox();
  if (!inbox) throw new Error('no inbox');
  expect(inbox.x).toBeGreaterThanOrEqual(right);
  expect(inbox.x + inbox.width).toBeLessThanOrEqual(viewportWidth);
  return windows.length;
}

/** Opens the inbox's list (a click on its button toggles it). */
async function openInbox(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: /My chats/ });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  await page.locator('.inbox__panel').waitFor();
}

function inboxItem(page: Page, user: string, device: string): Locator {
  return page.locator('.inbox__panel').getByRole('button', { name: new RegExp(`^${user} on ${device}`) });
}

describe('the chat dock and its inbox', () => {
  let h: Harness;
  let console: Page;
  /** An operator of her own (signed in by the sign-out test). */
  let olga: Page;
  const agents = new Map<string, AgentProcess>();

  beforeAll(async () => {
    h = await Harness.start({ organization: 'Acme Corp' });
    for (const [user, device] of USERS) agents.set(user, await h.startAgent(device, user));
    console = await h.signIn(await h.newContext({ viewport: { width: 1440, height: 900 } }));
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('lays out five windows at 1440 px: those that do not fit collapse into the inbox, titles keep the device', async () => {
    for (const [user, device] of USERS) await h.openChat(console, device, user);
    await expect.poll(() => shownWindows(console).then((w) => w.length)).toBe(3);
    expect(await expectLaidOut(console, 1440)).toBe(3);
    // The newest are shown; the oldest two are in the inbox.
    const names = (await shownWindows(console)).map((w) => w.name);
    expect(names).toEqual([
      'Chat with cem on PC-CEM',
      'Chat with dina on PC-DINA',
      'Chat with emil on PC-EMIL',
    ]);

    // A long user name does not cut the device name off: each is a line of its own.
    const maria = chatWindow(console, 'maria.jensen', 'LAPTOP-MARIA-JENSEN-01');
    await console.getByRole('button', { name: /My chats/ }).click();
    await inboxItem(console, 'maria.jensen', 'LAPTOP-MARIA-JENSEN-01')
      .getByText('No room in the dock')
      .waitFor();
    expect(await console.locator('.inbox__panel').getByRole('button').count()).toBe(5);
    expect(await axe(console)).toEqual([]);
    await inboxItem(console, 'maria.jensen', 'LAPTOP-MARIA-JENSEN-01').click();
    await maria.getByRole('log').waitFor();
    const device = maria.locator('.chat-window__device');
    await expect.poll(() => device.textContent()).toBe(' on LAPTOP-MARIA-JENSEN-01');
    expect(await device.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    // It came in as the newest; the oldest shown one went into the inbox.
    expect((await shownWindows(console)).map((w) => w.name)).toEqual([
      'Chat with dina on PC-DINA',
      'Chat with emil on PC-EMIL',
      'Chat with maria.jensen on LAPTOP-MARIA-JENSEN-01',
    ]);
    await expectLaidOut(console, 1440);
  });

  it('at 1024 px fewer windows fit, none off-screen or clipped; minimized windows take less room', async () => {
    await console.setViewportSize({ width: 1024, height: 768 });
    await expect.poll(() => shownWindows(console).then((w) => w.length)).toBe(2);
    await expectLaidOut(console, 1024);
    for (const w of await shownWindows(console)) {
      const [, user, device] = /^Chat with (\S+) on (\S+)$/.exec(w.name) ?? [];
      await chatWindow(console, user ?? '', device ?? '')
        .getByRole('button', { name: 'Minimize' })
        .click();
    }
    await expect.poll(() => shownWindows(console).then((w) => w.length)).toBe(2);
    await expectLaidOut(console, 1024);
    expect(await axe(console)).toEqual([]);
    await console.setViewportSize({ width: 1440, height: 900 });
    await expect.poll(() => shownWindows(console).then((w) => w.length)).toBeGreaterThan(2);
    await expectLaidOut(console, 1440);
  });

  it('counts what is unread in collapsed windows and in chats popped out into tabs', async () => {
    await console.setViewportSize({ width: 1024, height: 768 });
    await expect.poll(() => shownWindows(console).then((w) => w.length)).toBe(2);
    const shown = (await shownWindows(console)).map((w) => w.name);
    const hidden = USERS.find(([user, device]) => !shown.includes(`Chat with ${user} on ${device}`));
    if (!hidden) throw new Error('nothing collapsed');
    const [user, device] = hidden;
    const agent = agents.get(user);
    if (!agent) throw new Error('no agent');
    const endUser = await h.endUserPage(agent);
    await say(endUser, 'Are you there?');
    await say(endUser, 'Hello?');
    const button = console.getByRole('button', { name: /My chats/ });
    await button.getByText('2 new messages').waitFor();
    await button.click();
    await inboxItem(console, user, device).getByText('2 new messages').waitFor();

    // Popped out into a tab: the inbox still lists it, with the tab's unread count.
    await inboxItem(console, user, device).click();
    const window = chatWindow(console, user, device);
    await window.getByRole('log').getByText('Hello?').waitFor();
    await expect.poll(() => button.textContent()).not.toContain('new message');
    const [tab] = await Promise.all([
      console.context().waitForEvent('page'),
      window.getByRole('button', { name: 'Open in new tab' }).click(),
    ]);
    await tab.getByRole('heading', { name: `Chat with ${user} on ${device}` }).waitFor();
    await setTabVisible(tab, false);
    await openInbox(console);
    await inboxItem(console, user, device).getByText('In another tab').waitFor();
    await say(endUser, 'Still there?');
    await inboxItem(console, user, device).getByText('1 new message').waitFor();
    await button.getByText('1 new message').waitFor();
    expect(await axe(console)).toEqual([]);
    await tab.close();
    await endUser.close();
  });

  it('Close asks once, and the end can be undone for a few seconds', async () => {
    await console.setViewportSize({ width: 1440, height: 900 });
    const window = chatWindow(console, 'emil', 'PC-EMIL');
    await openInbox(console);
    await inboxItem(console, 'emil', 'PC-EMIL').click();
    await window.getByRole('log').waitFor();
    const endUser = await h.endUserPage(h.agent('PC-EMIL'));

    await window.getByRole('button', { name: 'Close', exact: true }).click();
    const question = window.getByRole('alertdialog', { name: 'End the chat' });
    await question.getByText('End the conversation for both of you?').waitFor();
    await question.getByText('This chat is not recorded: its messages are deleted when it ends.').waitFor();
    expect(await axe(console)).toEqual([]);
    await question.getByRole('button', { name: 'Keep chatting' }).click();
    await expect.poll(() => question.count()).toBe(0);

    // End chat, then Undo: the chat goes on for both.
    await window.getByRole('button', { name: 'Close', exact: true }).click();
    await question.getByRole('button', { name: 'End chat' }).click();
    await window.getByRole('status').getByText('The chat ends in a few seconds.').waitFor();
    await window.getByRole('button', { name: 'Undo' }).click();
    await say(window, 'Still here');
    await endUser.getByRole('log').getByText('Still here').waitFor();
    expect(((await h.api.request('GET', '/api/chats')).body as { deviceName: string }[]).length).toBe(5);

    // End chat and wait: it ends after a few seconds, with nothing more done.
    await window.getByRole('button', { name: 'Close', exact: true }).click();
    await question.getByRole('button', { name: 'End chat' }).click();
    await window.waitFor({ state: 'detached', timeout: 10_000 });
    await endUser.getByText('Administrator left the chat. You can close this window.').waitFor();
    await endUser.getByText('Your chat with Administrator has ended.').waitFor();
    expect(await endUser.getByText(/You are chatting/).count()).toBe(0);
    expect(await endUser.getByRole('button', { name: 'Close chat' }).count()).toBe(0);
    expect(await axe(endUser)).toEqual([]);

    // Its link, opened again, is a plain page that says what happened and what to do.
    const address = endUser.url();
    await endUser.close();
    const stale = await (await h.newContext()).newPage();
    await expect.poll(async () => (await stale.goto(address))?.status(), { timeout: 15_000 }).toBe(404);
    await stale.getByRole('heading', { level: 1, name: 'This chat has ended' }).waitFor();
    await stale.getByText(/contact your help desk/).waitFor();
    expect(await stale.title()).toBe('This chat has ended · Help desk');
    expect(await stale.locator('html').getAttribute('lang')).toBe('en');
    expect(await axe(stale)).toEqual([]);
  });

  it('a recorded chat says so in its window, and Close says where the transcript goes', async () => {
    await h.api.request('PUT', '/api/settings/recording', { ...DEFAULT_RECORDING_SETTINGS, enabled: true });
    const window = await h.openChat(console, 'PC-EMIL', 'emil');
    await window.getByText('This chat is recorded.').waitFor();
    await window.getByRole('button', { name: 'Close', exact: true }).click();
    const question = window.getByRole('alertdialog', { name: 'End the chat' });
    await question.getByText('This chat is recorded: its transcript stays in Past conversations.').waitFor();
    await question.getByRole('button', { name: 'End chat' }).click();
    // No waiting: it is kept.
    await window.waitFor({ state: 'detached', timeout: 2_000 });
    await h.api.request('PUT', '/api/settings/recording', DEFAULT_RECORDING_SETTINGS);
  });

  it('the end user is greeted and named "You"; drops and returns fold into one line; the user is named alike', async () => {
    const window = await h.openChat(console, 'PC-DINA', 'dina');
    await window.getByRole('log').waitFor();
    // Instant Messaging again showed the chat once more (no page of it was open): its second launch.
    const dinaAgent = h.agent('PC-DINA');
    let endUser = await h.endUserPage(dinaAgent, 1);
    await endUser
      .getByText('Hello dina. Administrator from Acme Corp wants to chat about your computer PC-DINA.')
      .waitFor();
    await say(endUser, 'My printer is stuck');
    await endUser
      .getByRole('log')
      .locator('.msg--mine .msg__name')
      .getByText('You', { exact: true })
      .waitFor();
    await window.getByRole('log').getByText('My printer is stuck').waitFor();

    // Three drops and returns (the page reloaded): one line says it.
    for (let i = 0; i < 3; i++) {
      await endUser.close();
      await window.getByRole('alert').filter({ hasText: 'User is disconnected' }).waitFor();
      endUser = await h.endUserPage(dinaAgent, 1);
      await expect
        .poll(() => window.getByRole('alert').filter({ hasText: 'User is disconnected' }).count())
        .toBe(0);
    }
    const log = window.getByRole('log');
    await log.getByText(/^dina is connected again \(disconnected 3 times since/).waitFor();
    expect(await log.getByText(/is disconnected$/).count()).toBe(0);
    const lines = await log.locator('.chat-event > span').allTextContents();
    // The user by the same name in every line.
    expect(lines.filter((line) => /user/i.test(line))).toEqual([]);
    expect(await axe(console)).toEqual([]);

    // The end user ends it: the operator is told they closed it, not that they were disconnected.
    await endUser.getByRole('button', { name: 'Close chat' }).click();
    await window.getByRole('status').filter({ hasText: 'dina closed the chat.' }).waitFor();
    expect(await window.getByText('User is disconnected').count()).toBe(0);
    await endUser.getByRole('log').getByText('You closed the chat').waitFor();
  });

  it('the end user is told when the operator signs out; the chat goes on when they are back', async () => {
    // An operator of their own (the harness's API client holds a session of admin: signing out would not be the last).
    await h.addOperator({
      username: 'olga',
      password: 'olga password 123',
      displayName: 'Olga Berg',
      capabilities: ['instant-messaging'],
      deviceNames: ['PC-CEM'],
    });
    olga = await h.signIn(await h.newContext(), 'olga', 'olga password 123');
    const launches = h.agent('PC-CEM').openedUrls().length;
    const window = await h.openChat(olga, 'PC-CEM', 'cem');
    const endUser = await h.endUserPage(h.agent('PC-CEM'), launches);
    await window.getByRole('log').getByText('cem joined the chat').waitFor();
    await endUser.getByText(/Olga Berg from Acme Corp wants to chat/).waitFor();
    await olga.getByRole('button', { name: 'Sign out' }).click();
    await olga.getByRole('button', { name: 'Sign in' }).waitFor();
    const notice = endUser.getByRole('status').filter({
      hasText: 'Olga Berg signed out. You can still write: they see your messages when they are back.',
    });
    await notice.waitFor();
    await endUser.getByRole('log').getByText('Olga Berg signed out').waitFor();
    expect(await axe(endUser)).toEqual([]);
    await say(endUser, 'I will wait');

    // Back: the window comes back with what was written meanwhile; a message clears the notice.
    await olga.getByLabel('Username').fill('olga');
    await olga.getByLabel('Password').fill('olga password 123');
    await olga.getByRole('button', { name: 'Sign in' }).click();
    await openInbox(olga);
    await inboxItem(olga, 'cem', 'PC-CEM').click();
    const back = chatWindow(olga, 'cem', 'PC-CEM');
    await back.getByRole('log').getByText('I will wait').waitFor();
    await say(back, 'Back now');
    await endUser.getByRole('log').getByText('Back now').waitFor();
    await expect.poll(() => notice.count()).toBe(0);
  });

  it("the end user sees the operator's own display name, which the operator sets on their Account page", async () => {
    await olga.getByRole('link', { name: 'Account' }).click();
    await olga.getByLabel('Display name').fill('Olga B.');
    await olga.getByRole('button', { name: 'Save name' }).click();
    await olga.getByRole('status').getByText('Saved: your next chats show this name.').waitFor();
    expect(await axe(olga)).toEqual([]);
    await olga.getByRole('link', { name: 'Devices' }).click();
    await endChat(chatWindow(olga, 'cem', 'PC-CEM'));
    const launches = h.agent('PC-CEM').openedUrls().length;
    await h.openChat(olga, 'PC-CEM', 'cem');
    const endUser = await h.endUserPage(h.agent('PC-CEM'), launches);
    await endUser
      .getByText('Hello cem. Olga B. from Acme Corp wants to chat about your computer PC-CEM.')
      .waitFor();
  });
});
