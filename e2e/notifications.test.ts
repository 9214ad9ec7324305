import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from './support/agentProcess.js';
import { Harness, say, setTabVisible } from './support/harness.js';

interface Recorded {
  notes: { title: string; body: string | undefined; tag: string | undefined }[];
  chimes: number;
}

/**
 * Stands in for the OS's notification centre and speaker: records `new Notification(…)` (permission comes from the
 * browser context) and every oscillator the chime starts.
 */
function recordAlerts(): void {
  const w = window as unknown as Window & { __alerts: Recorded };
  w.__alerts = { notes: [], chimes: 0 };
  const Real = window.Notification;
  function FakeNotification(this: { close(): void }, title: string, options?: NotificationOptions) {
    w.__alerts.notes.push({ title, body: options?.body, tag: options?.tag });
    this.close = () => {};
  }
  Object.defineProperty(FakeNotification, 'permission', { get: () => Real.permission });
  Object.defineProperty(FakeNotification, 'requestPermission', {
    value: (...args: Parameters<typeof Notification.requestPermission>) => Real.requestPermission(...args),
  });
  Object.defineProperty(window, 'Notification', {
    configurable: true,
    writable: true,
    value: FakeNotification,
  });
  const createOscillator = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function (this: AudioContext) {
    w.__alerts.chimes++;
    return createOscillator.call(this);
  };
}

function recorded(page: Page): Promise<Recorded> {
  return page.evaluate(() => (window as unknown as { __alerts: Recorded }).__alerts);
}

async function faviconHref(page: Page): Promise<string> {
  return (await page.locator('link[rel~="icon"]').getAttribute('href')) ?? '';
}

/** The unread dot, the tab's title and icon (manual point 4), and notifications with sound (point 10). */
describe('new-message notifications', () => {
  let h: Harness;
  let context: BrowserContext;
  let console: Page;
  let agent: AgentProcess;
  let endUser: Page;
  let window: Locator;

  beforeAll(async () => {
    h = await Harness.start();
    agent = await h.startAgent('PC-ANA', 'ana');
    context = await h.newContext();
    await context.grantPermissions(['notifications'], { origin: h.url });
    await context.addInitScript(recordAlerts);
    console = await h.signIn(context);
    window = await h.openChat(console, 'PC-ANA', 'ana');
    endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('ana joined the chat').waitFor();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('4a. while the window is minimized a new message shows the dot, the count in the tab title and icon; looking clears them', async () => {
    const dot = window.getByRole('img', { name: 'New messages' });
    await window.getByRole('button', { name: 'Minimize' }).click();
    expect(await console.title()).toBe('Devices · Parley');
    expect(await faviconHref(console)).toBe('/favicon.svg');

    await say(endUser, 'Hello? Anyone there?');
    await dot.waitFor();
    await expect.poll(() => console.title()).toBe('(1) Devices · Parley');
    await say(endUser, 'My VPN is down.');
    await expect.poll(() => console.title()).toBe('(2) Devices · Parley');
    const icon = decodeURIComponent(await faviconHref(console));
    expect(icon).toMatch(/^data:image\/svg\+xml,<svg /);
    expect(icon).toContain('>2</text>');
    // The end user sees their messages delivered, not yet read.
    await expect
      .poll(() => endUser.getByRole('log').locator('[data-status]').last().getAttribute('data-status'))
      .toBe('delivered');

    // The operator looks at the conversation: the dot, the count and the badge go; the end user sees "Read".
    await window.getByRole('button', { name: 'Minimize' }).click();
    await expect.poll(() => dot.count()).toBe(0);
    await expect.poll(() => console.title()).toBe('Devices · Parley');
    expect(await faviconHref(console)).toBe('/favicon.svg');
    await expect
      .poll(() => endUser.getByRole('log').locator('[data-status]').last().getAttribute('data-status'))
      .toBe('read');
  });

  it('4b. with the window open but the console tab in the background, a message is unread until the operator comes back', async () => {
    const dot = window.getByRole('img', { name: 'New messages' });
    await setTabVisible(console, false);
    await say(endUser, 'Are you reading this?');
    await dot.waitFor();
    await expect.poll(() => console.title()).toBe('(1) Devices · Parley');
    await setTabVisible(console, true);
    await expect.poll(() => dot.count()).toBe(0);
    await expect.poll(() => console.title()).toBe('Devices · Parley');
  });

  it('10a. with desktop notifications switched on, a message while the tab is hidden notifies and chimes', async () => {
    await console.getByRole('button', { name: 'Alerts' }).click();
    const desktop = console.getByRole('checkbox', { name: 'Desktop notifications' });
    const sound = console.getByRole('checkbox', { name: 'Sound' });
    expect(await desktop.isChecked()).toBe(false);
    expect(await sound.isChecked()).toBe(true);
    await desktop.check();
    expect(await desktop.isChecked()).toBe(true);
    await console.keyboard.press('Escape');
    await expect.poll(() => desktop.isVisible()).toBe(false);

    const before = await recorded(console);
    // Visible and focused: no notification, no sound (the conversation is in front of the operator).
    await say(endUser, 'Thanks for looking.');
    await window.getByRole('log').getByText('Thanks for looking.').waitFor();
    expect(await recorded(console)).toEqual(before);

    await setTabVisible(console, false);
    await say(endUser, 'It works again!');
    await expect.poll(async () => (await recorded(console)).notes.length).toBe(before.notes.length + 1);
    const note = (await recorded(console)).notes.at(-1);
    expect(note).toMatchObject({ title: 'ana (PC-ANA)', body: 'It works again!' });
    expect(note?.tag).toMatch(/^parley-chat-/);
    expect((await recorded(console)).chimes).toBeGreaterThan(before.chimes);
    await setTabVisible(console, true);
  });

  it('10b. the operator can turn both off, and the choice is kept for them', async () => {
    await console.getByRole('button', { name: 'Alerts' }).click();
    await console.getByRole('checkbox', { name: 'Desktop notifications' }).uncheck();
    await console.getByRole('checkbox', { name: 'Sound' }).uncheck();
    await console.getByRole('button', { name: 'Alerts' }).click();

    await console.reload();
    await window.getByRole('log').waitFor();
    await console.getByRole('button', { name: 'Alerts' }).click();
    expect(await console.getByRole('checkbox', { name: 'Desktop notifications' }).isChecked()).toBe(false);
    expect(await console.getByRole('checkbox', { name: 'Sound' }).isChecked()).toBe(false);
    await console.getByRole('button', { name: 'Alerts' }).click();

    const before = await recorded(console);
    await setTabVisible(console, false);
    await say(endUser, 'One more thing…');
    await window.getByRole('img', { name: 'New messages' }).waitFor();
    expect(await recorded(console)).toEqual(before);
    await setTabVisible(console, true);
    await expect.poll(() => window.getByRole('img', { name: 'New messages' }).count()).toBe(0);
  });

  it('4c. with the conversation open in another tab that is not visible, that tab shows the dot, count and icon', async () => {
    const [tab] = await Promise.all([
      context.waitForEvent('page'),
      window.getByRole('button', { name: 'Open in new tab' }).click(),
    ]);
    const page = tab.getByRole('region', { name: 'Chat with ana on PC-ANA' });
    await page.getByRole('log').getByText('One more thing…').waitFor();
    await expect.poll(() => tab.title()).toBe('Chat with ana on PC-ANA · Parley');

    await setTabVisible(tab, false);
    await say(endUser, 'Sent while you were away');
    const dot = page.getByRole('img', { name: 'New messages' });
    await dot.waitFor();
    await expect.poll(() => tab.title()).toBe('(1) Chat with ana on PC-ANA · Parley');
    expect(decodeURIComponent(await faviconHref(tab))).toContain('>1</text>');
    await expect
      .poll(() => endUser.getByRole('log').locator('[data-status]').last().getAttribute('data-status'))
      .toBe('delivered');

    await setTabVisible(tab, true);
    await expect.poll(() => dot.count()).toBe(0);
    await expect.poll(() => tab.title()).toBe('Chat with ana on PC-ANA · Parley');
    expect(await faviconHref(tab)).toBe('/favicon.svg');
    await expect
      .poll(() => endUser.getByRole('log').locator('[data-status]').last().getAttribute('data-status'))
      .toBe('read');
  });
});
