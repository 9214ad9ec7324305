import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from './support/agentProcess.js';
import { chatWindow, endChat, Harness, messageTexts, say } from './support/harness.js';

/** The console's chat window (manual points 1, 2, 3 and 6; typing, Enter and text rendering: point 8). */
describe('the chat window in the console', () => {
  let h: Harness;
  let console: Page;
  let bob: AgentProcess;
  let kim: AgentProcess;

  beforeAll(async () => {
    h = await Harness.start();
    [bob, kim] = await Promise.all([h.startAgent('PC-BOB', 'bob'), h.startAgent('PC-KIM', 'kim')]);
    await h.startAgent('PC-NOBODY', null);
    console = await h.signIn();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('1. Actions > Direct Access > Instant Messaging opens the chat window, and the end user gets the chat', async () => {
    await h.deviceReady(console, 'PC-BOB', 'bob');
    await h.instantMessaging(console, 'PC-BOB');
    const window = chatWindow(console, 'bob', 'PC-BOB');
    await window.waitFor();
    for (const name of ['Minimize', 'Open in new tab', 'Close', 'Send']) {
      await window.getByRole('button', { name, exact: true }).waitFor();
    }
    await expect.poll(() => window.getByRole('log').count()).toBe(1);
    // The message box has the focus, ready to type.
    await expect
      .poll(() =>
        window.getByRole('textbox', { name: 'Message' }).evaluate((el) => el === document.activeElement),
      )
      .toBe(true);

    const endUser = await h.endUserPage(bob);
    await window.getByRole('log').getByText('bob joined the chat').waitFor();
    await say(window, 'Hello Bob, help desk here.');
    await endUser.getByRole('log').getByText('Hello Bob, help desk here.').waitFor();
    await endUser.close();
  });

  it('2a. the window is resized from its top-left corner, kept within the viewport, and remembered per operator', async () => {
    const window = chatWindow(console, 'bob', 'PC-BOB');
    const before = await window.boundingBox();
    const handle = await window.getByRole('button', { name: 'Resize chat window' }).boundingBox();
    if (!before || !handle) throw new Error('no window');
    // The handle sits in the window's top-left corner.
    expect(Math.abs(handle.x - before.x)).toBeLessThan(4);
    expect(Math.abs(handle.y - before.y)).toBeLessThan(4);

    const x = handle.x + handle.width / 2;
    const y = handle.y + handle.height / 2;
    await console.mouse.move(x, y);
    await console.mouse.down();
    await console.mouse.move(x - 120, y - 90, { steps: 5 });
    await console.mouse.up();
    const grown = await window.boundingBox();
    if (!grown) throw new Error('no window');
    expect(Math.round(grown.width - before.width)).toBe(120);
    expect(Math.round(grown.height - before.height)).toBe(90);
    // Anchored at the bottom right: only the top-left corner moved.
    expect(Math.round(grown.x + grown.width)).toBe(Math.round(before.x + before.width));
    expect(Math.round(grown.y + grown.height)).toBe(Math.round(before.y + before.height));

    // However far it is dragged, it stays within the viewport (1280 × 800).
    const corner = await window.getByRole('button', { name: 'Resize chat window' }).boundingBox();
    if (!corner) throw new Error('no handle');
    await console.mouse.move(corner.x + 4, corner.y + 4);
    await console.mouse.down();
    await console.mouse.move(-3000, -3000, { steps: 4 });
    await console.mouse.up();
    const max = await window.boundingBox();
    if (!max) throw new Error('no window');
    expect(max.width).toBeLessThanOrEqual(1280 - 32);
    expect(max.height).toBeLessThanOrEqual(800 - 80);
    expect(max.x).toBeGreaterThanOrEqual(0);
    expect(max.y).toBeGreaterThanOrEqual(0);

    // Back to a middle size, with the keyboard (arrow keys on the focused handle).
    await window.getByRole('button', { name: 'Resize chat window' }).focus();
    for (let i = 0; i < 10; i++) await console.keyboard.press('ArrowRight');
    for (let i = 0; i < 5; i++) await console.keyboard.press('ArrowDown');
    const chosen = await window.boundingBox();
    if (!chosen) throw new Error('no window');
    expect(Math.round(chosen.width)).toBe(Math.round(max.width) - 240);

    // Remembered: after a reload the window comes back at that size.
    await console.reload();
    await chatWindow(console, 'bob', 'PC-BOB').getByRole('log').waitFor();
    const reloaded = await chatWindow(console, 'bob', 'PC-BOB').boundingBox();
    expect(reloaded && Math.round(reloaded.width)).toBe(Math.round(chosen.width));
    expect(reloaded && Math.round(reloaded.height)).toBe(Math.round(chosen.height));

    // Per operator: another operator in the same browser gets the default size.
    await h.addOperator({
      username: 'olga',
      password: 'olga password 123',
      displayName: 'Olga',
      capabilities: ['instant-messaging'],
      deviceNames: ['PC-KIM'],
    });
    const other = await h.signIn(await h.newContext(), 'olga', 'olga password 123');
    const olgaWindow = await h.openChat(other, 'PC-KIM', 'kim');
    const olgaBox = await olgaWindow.boundingBox();
    expect(olgaBox && [Math.round(olgaBox.width), Math.round(olgaBox.height)]).toEqual([360, 500]);
    const stored = await console.evaluate(() =>
      Object.keys(localStorage).filter((key) => key.startsWith('parley.chatWindowSize.')),
    );
    expect(stored).toHaveLength(1);
    await endChat(olgaWindow);
    await other.context().close();
  });

  it('2b. the window can be minimized and brought back', async () => {
    const window = chatWindow(console, 'bob', 'PC-BOB');
    const minimize = window.getByRole('button', { name: 'Minimize' });
    await minimize.click();
    expect(await minimize.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => window.getByRole('log').isVisible()).toBe(false);
    const small = await window.boundingBox();
    expect(small?.height).toBeLessThan(60);
    await minimize.click();
    expect(await minimize.getAttribute('aria-pressed')).toBe('false');
    await window.getByRole('log').waitFor();
    expect(await messageTexts(window)).toEqual(['Hello Bob, help desk here.']);
  });

  it('2c. the icon at the top right opens the conversation in a new tab, which carries on with its history; no docked copy', async () => {
    const window = chatWindow(console, 'bob', 'PC-BOB');
    const titleBar = window.locator('header').getByRole('button');
    const names = await titleBar.evaluateAll((all) => all.map((b) => b.getAttribute('aria-label')));
    expect(names).toEqual(['Resize chat window', 'Minimize', 'Open in new tab', 'Close']);
    const openIcon = await window.getByRole('button', { name: 'Open in new tab' }).boundingBox();
    const box = await window.boundingBox();
    if (!openIcon || !box) throw new Error('no window');
    expect(openIcon.y - box.y).toBeLessThan(44);
    expect(box.x + box.width - (openIcon.x + openIcon.width)).toBeLessThan(80);

    const [tab] = await Promise.all([
      console.context().waitForEvent('page'),
      window.getByRole('button', { name: 'Open in new tab' }).click(),
    ]);
    await tab.waitForLoadState();
    expect(new URL(tab.url()).pathname).toMatch(/^\/chats\/[0-9a-f-]{36}$/);
    const page = tab.getByRole('region', { name: 'Chat with bob on PC-BOB' });
    await page.getByRole('log').getByText('Hello Bob, help desk here.').waitFor();
    // The docked window is gone: one live copy.
    await expect.poll(() => window.count()).toBe(0);

    const endUser = await h.endUserPage(bob);
    await say(tab, 'Still there? Writing from the new tab.');
    await endUser.getByRole('log').getByText('Still there? Writing from the new tab.').waitFor();
    await say(endUser, 'Yes, I am here.');
    await page.getByRole('log').getByText('Yes, I am here.').waitFor();
    expect(await messageTexts(page)).toEqual([
      'Hello Bob, help desk here.',
      'Still there? Writing from the new tab.',
      'Yes, I am here.',
    ]);

    // A reload of the console does not bring a second copy back while the tab holds the chat…
    await console.reload();
    await console.locator('.dock[data-restored]').waitFor({ state: 'attached' });
    expect(await window.count()).toBe(0);
    // …and when that tab closes, the chat's window comes back to the dock (minimized), history and all.
    await tab.close();
    await window.waitFor({ timeout: 10_000 });
    expect(await window.getByRole('button', { name: 'Minimize' }).getAttribute('aria-pressed')).toBe('true');
    await window.getByRole('button', { name: 'Minimize' }).click();
    await expect
      .poll(() => messageTexts(window))
      .toEqual(['Hello Bob, help desk here.', 'Still there? Writing from the new tab.', 'Yes, I am here.']);
    await endUser.close();
  });

  it('3. with nobody logged on, a popup says instant messaging is not possible and no chat opens', async () => {
    const before = (await h.api.request('GET', '/api/chats')).body.length;
    await h.deviceReady(console, 'PC-NOBODY', null);
    await h.instantMessaging(console, 'PC-NOBODY');
    const popup = console.getByRole('alertdialog');
    await popup.waitFor();
    expect(await popup.textContent()).toMatch(
      /instant messaging is not possible because no user is logged on to PC-NOBODY/i,
    );
    expect(await console.getByRole('region', { name: /on PC-NOBODY$/ }).count()).toBe(0);
    expect((await h.api.request('GET', '/api/chats')).body.length).toBe(before);
    // OK closes it and gives the focus back to the menu button.
    await popup.getByRole('button', { name: 'OK' }).click();
    await expect.poll(() => popup.count()).toBe(0);
    const actions = console
      .getByRole('row')
      .filter({ hasText: 'PC-NOBODY' })
      .getByRole('button', { name: 'Actions' });
    await expect.poll(() => actions.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('6. several chats at once: one window each, side by side in the dock, each with its own unread dot', async () => {
    const bobWindow = chatWindow(console, 'bob', 'PC-BOB');
    // 2a left bob's window wide; back to its smallest, so that two windows fit side by side (a window with no room
    // collapses into the inbox: dock.test.ts).
    await bobWindow.getByRole('button', { name: 'Resize chat window' }).focus();
    for (let i = 0; i < 40; i++) await console.keyboard.press('ArrowRight');
    const kimWindow = await h.openChat(console, 'PC-KIM', 'kim');
    const bobPage = await h.endUserPage(bob);
    const kimPage = await h.endUserPage(kim, 1);
    await kimWindow.getByRole('log').getByText('kim joined the chat').waitFor();

    const [a, b] = [await bobWindow.boundingBox(), await kimWindow.boundingBox()];
    if (!a || !b) throw new Error('no windows');
    expect(a.x + a.width).toBeLessThanOrEqual(b.x);

    // Instant Messaging on a device whose chat is already open shows that window again: still one each.
    await kimWindow.getByRole('button', { name: 'Minimize' }).click();
    await h.instantMessaging(console, 'PC-KIM');
    await kimWindow.getByRole('log').waitFor();
    expect(await console.getByRole('region', { name: /^Chat with/ }).count()).toBe(2);

    await bobWindow.getByRole('button', { name: 'Minimize' }).click();
    await kimWindow.getByRole('button', { name: 'Minimize' }).click();
    const bobDot = bobWindow.getByRole('img', { name: 'New messages' });
    const kimDot = kimWindow.getByRole('img', { name: 'New messages' });
    expect(await bobDot.count()).toBe(0);
    expect(await kimDot.count()).toBe(0);

    await say(kimPage, 'Kim here: my screen is black');
    await kimDot.waitFor();
    expect(await bobDot.count()).toBe(0);
    await say(bobPage, 'Bob again');
    await bobDot.waitFor();

    await kimWindow.getByRole('button', { name: 'Minimize' }).click();
    await kimWindow.getByRole('log').getByText('Kim here: my screen is black').waitFor();
    await expect.poll(() => kimDot.count()).toBe(0);
    expect(await bobDot.count()).toBe(1);
    await bobWindow.getByRole('button', { name: 'Minimize' }).click();
    await expect.poll(() => bobDot.count()).toBe(0);
    await Promise.all([bobPage.close(), kimPage.close()]);
  });

  it('8. typing shows both ways; Enter sends, Shift+Enter starts a line; text stays text, links are safe, long text wraps', async () => {
    const window = chatWindow(console, 'kim', 'PC-KIM');
    const endUser = await h.endUserPage(kim, 1);
    const box = window.getByRole('textbox', { name: 'Message' });

    await box.pressSequentially('Let me check');
    await keepTypingUntilSeen(box, endUser.getByText('Administrator is typing…'));
    await box.press('Shift+Enter');
    await box.pressSequentially('one thing.');
    expect(await box.inputValue()).toBe('Let me check\none thing.');
    await box.press('Enter');
    expect(await box.inputValue()).toBe('');
    await endUser.getByRole('log').getByText('one thing.').waitFor();
    await expect.poll(() => messageTexts(endUser)).toContain('Let me check\none thing.');
    await expect.poll(() => endUser.getByText('Administrator is typing…').count()).toBe(0);

    const endUserBox = endUser.getByRole('textbox', { name: 'Message' });
    await endUserBox.pressSequentially('Sure');
    await keepTypingUntilSeen(endUserBox, window.getByText('kim is typing…'));
    await endUserBox.fill('');
    await expect.poll(() => window.getByText('kim is typing…').count(), { timeout: 8000 }).toBe(0);

    let dialogs = 0;
    endUser.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    console.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    const tricky =
      '<img src=x onerror=alert(1)> <b>bold?</b> javascript:alert(2) see https://example.com/help?a=1&b=2.';
    await say(endUser, tricky);
    const log = window.getByRole('log');
    await log.getByText('<img src=x onerror=alert(1)>', { exact: false }).waitFor();
    expect(await log.locator('img, b, script').count()).toBe(0);
    const links = log.getByRole('link');
    expect(await links.count()).toBe(1);
    expect(await links.getAttribute('href')).toBe('https://example.com/help?a=1&b=2');
    expect(await links.getAttribute('target')).toBe('_blank');
    expect(await links.getAttribute('rel')).toContain('noopener');
    expect(await log.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await messageTexts(window)).toContain(tricky);

    // 10: a bidi override cannot make a link show another address than the one it opens.
    const spoof = 'https://evil.example/\u202Emoc.knab-ruoy//:sptth';
    await say(endUser, spoof);
    for (const scope of [log, endUser.getByRole('log')]) {
      const link = scope.locator('a[href^="https://evil.example"]');
      await link.waitFor();
      const shown = await link.evaluate((a: HTMLAnchorElement) => ({
        host: new URL(a.href).host,
        href: a.href,
        text: a.textContent,
        dir: a.dir,
        bidi: getComputedStyle(a).unicodeBidi,
      }));
      expect(shown).toEqual({
        host: 'evil.example',
        href: 'https://evil.example/',
        text: 'https://evil.example/',
        dir: 'ltr',
        bidi: 'isolate',
      });
    }
    expect(await messageTexts(window)).toContain(spoof);

    const long = `${'x'.repeat(1500)} ${'word '.repeat(200)}`.trim();
    await say(window, long);
    for (const scope of [window.getByRole('log'), endUser.getByRole('log')]) {
      const bubble = scope.locator('.msg__text').filter({ hasText: 'xxxxxxxxxx' });
      await bubble.waitFor();
      const fits = await scope.evaluate((el) => el.scrollWidth <= el.clientWidth);
      expect(fits).toBe(true);
      const [bubbleBox, logBox] = [await bubble.boundingBox(), await scope.boundingBox()];
      expect(bubbleBox && logBox && bubbleBox.x + bubbleBox.width <= logBox.x + logBox.width).toBe(true);
    }
    expect(dialogs).toBe(0);
    await endUser.close();
  });
});

/**
 * Goes on typing (a key and its Backspace: the text stays) until `indicator` shows on the other side. On a loaded
 * machine a typing notice can take longer than the 3 s after which an idle writer's `typing: false` follows it, and
 * the indicator would come and go unseen.
 */
async function keepTypingUntilSeen(box: Locator, indicator: Locator): Promise<void> {
  await expect
    .poll(
      async () => {
        if (await indicator.isVisible()) return true;
        await box.press('.');
        await box.press('Backspace');
        return false;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
}
