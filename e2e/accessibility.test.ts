import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from './support/agentProcess.js';
import { axe } from './support/browser.js';
import { chatWindow, Harness, say } from './support/harness.js';

/** Whether the element with the focus shows a focus ring (outline or box-shadow). */
function focusRingOf(page: Page): Promise<{ tag: string; label: string | null; visible: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return { tag: 'none', label: null, visible: false };
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 1;
    return {
      tag: el.tagName.toLowerCase(),
      label: el.getAttribute('aria-label') ?? el.textContent,
      visible: outline || (style.boxShadow !== 'none' && style.boxShadow !== ''),
    };
  });
}

async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === document.activeElement);
}

/** Point 11: the log and alerts, the keyboard, visible focus, contrast, and axe-core on every screen. */
describe('accessibility', () => {
  let h: Harness;
  let agent: AgentProcess;
  let console: Page;
  let endUser: Page;

  beforeAll(async () => {
    h = await Harness.start({ organization: 'Acme Corp' });
    agent = await h.startAgent('PC-A11Y', 'alex');
    await h.startAgent('PC-EMPTY', null);
    console = await h.signIn();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('11a. everything works from the keyboard, with a visible focus: open the chat, write, send, Esc minimizes', async () => {
    await h.deviceReady(console, 'PC-A11Y', 'alex');
    await console
      .getByRole('row')
      .filter({ hasText: 'PC-A11Y' })
      .getByRole('button', { name: 'Actions' })
      .focus();
    await console.keyboard.press('Enter');
    await expect.poll(() => isFocused(console.getByRole('menuitem', { name: 'Direct Access' }))).toBe(true);
    expect((await focusRingOf(console)).visible).toBe(true);
    await console.keyboard.press('Enter');
    await expect
      .poll(() => isFocused(console.getByRole('menuitem', { name: 'Instant Messaging' })))
      .toBe(true);
    await console.keyboard.press('Enter');
    const window = chatWindow(console, 'alex', 'PC-A11Y');
    const box = window.getByRole('textbox', { name: 'Message' });
    await expect.poll(() => isFocused(box)).toBe(true);
    expect((await focusRingOf(console)).visible).toBe(true);

    endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('alex joined the chat').waitFor();
    await console.keyboard.type('Typed from the keyboard');
    await console.keyboard.press('Enter');
    await endUser.getByRole('log').getByText('Typed from the keyboard').waitFor();

    // Tab goes on to Send, then back (Shift+Tab) to the box; every stop shows its focus.
    await console.keyboard.press('Tab');
    await expect.poll(() => isFocused(window.getByRole('button', { name: 'Send' }))).toBe(true);
    expect((await focusRingOf(console)).visible).toBe(true);
    await console.keyboard.press('Shift+Tab');
    await expect.poll(() => isFocused(box)).toBe(true);

    // Esc minimizes; the focus stays in the window, on its Minimize button, and Enter brings it back.
    await console.keyboard.press('Escape');
    const minimize = window.getByRole('button', { name: 'Minimize' });
    await expect.poll(() => minimize.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => isFocused(minimize)).toBe(true);
    expect((await focusRingOf(console)).visible).toBe(true);
    await console.keyboard.press('Enter');
    await expect.poll(() => minimize.getAttribute('aria-pressed')).toBe('false');
    await window.getByRole('log').waitFor();

    // The title bar's buttons are reachable with Tab from the resize handle, in order.
    await window.getByRole('button', { name: 'Resize chat window' }).focus();
    const order: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      await console.keyboard.press('Tab');
      const ring = await focusRingOf(console);
      expect(ring.visible).toBe(true);
      order.push(ring.label);
    }
    expect(order).toEqual(['Minimize', 'Open in new tab', 'Close']);
  });

  it('11b. the messages are a log on both sides; disconnects and errors are alerts', async () => {
    const window = chatWindow(console, 'alex', 'PC-A11Y');
    expect(await window.getByRole('log').count()).toBe(1);
    expect(await endUser.getByRole('log').count()).toBe(1);
    await say(endUser, 'Can you hear me?');
    await window.getByRole('log').getByText('Can you hear me?').waitFor();
    await endUser.close();
    await window.getByRole('alert').filter({ hasText: 'User is disconnected' }).waitFor();
    endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('alex is connected again').waitFor();
    await expect.poll(() => window.getByRole('alert').count()).toBe(0);
  });

  it('11c. axe-core finds no violations on the console, the chat window, its dot, the popup, the alerts and the chat tab', async () => {
    const window = chatWindow(console, 'alex', 'PC-A11Y');
    await say(window, 'A reply with a link: https://example.com/kb/42');
    await endUser.getByRole('log').getByText('A reply with a link').waitFor();
    expect(await axe(console)).toEqual([]);

    await window.getByRole('button', { name: 'Minimize' }).click();
    await say(endUser, 'New message while minimized');
    await window.getByRole('img', { name: 'New messages' }).waitFor();
    expect(await axe(console)).toEqual([]);

    await console.getByRole('button', { name: 'Alerts' }).click();
    expect(await axe(console)).toEqual([]);
    await console.keyboard.press('Escape');

    await h.instantMessaging(console, 'PC-EMPTY');
    await console.getByRole('alertdialog').waitFor();
    expect(await axe(console)).toEqual([]);
    await console.keyboard.press('Escape');
    await expect.poll(() => console.getByRole('alertdialog').count()).toBe(0);

    const [tab] = await Promise.all([
      console.context().waitForEvent('page'),
      window.getByRole('button', { name: 'Open in new tab' }).click(),
    ]);
    await tab.getByRole('log').getByText('New message while minimized').waitFor();
    expect(await axe(tab)).toEqual([]);
    await tab.close();
  });

  it('11e. the Actions menu by keyboard: ArrowUp opens it, ArrowLeft opens and closes the submenu, Esc and Tab close it', async () => {
    const actions = console
      .getByRole('row')
      .filter({ hasText: 'PC-EMPTY' })
      .getByRole('button', { name: 'Actions' });
    const directAccess = console.getByRole('menuitem', { name: 'Direct Access' });
    const instantMessaging = console.getByRole('menuitem', { name: 'Instant Messaging' });
    await actions.focus();
    await console.keyboard.press('ArrowUp');
    await expect.poll(() => isFocused(directAccess)).toBe(true);
    expect(await actions.getAttribute('aria-expanded')).toBe('true');
    // The submenu opens on the left: ArrowLeft opens it on its first item, and in it closes it again.
    await console.keyboard.press('ArrowLeft');
    await expect.poll(() => isFocused(instantMessaging)).toBe(true);
    expect(await directAccess.getAttribute('aria-expanded')).toBe('true');
    await console.keyboard.press('ArrowLeft');
    await expect.poll(() => isFocused(directAccess)).toBe(true);
    expect(await instantMessaging.count()).toBe(0);
    // Esc in the submenu closes only it; Esc again closes the menu and gives the focus back to the button.
    await console.keyboard.press('ArrowRight');
    await expect.poll(() => isFocused(instantMessaging)).toBe(true);
    await console.keyboard.press('Escape');
    await expect.poll(() => isFocused(directAccess)).toBe(true);
    await console.keyboard.press('Escape');
    await expect.poll(() => isFocused(actions)).toBe(true);
    expect(await directAccess.count()).toBe(0);
    expect(await actions.getAttribute('aria-expanded')).toBe('false');
    // A typed letter moves to the item that starts with it; Tab closes the menu and moves on.
    await console.keyboard.press('ArrowDown');
    await console.keyboard.press('d');
    await expect.poll(() => isFocused(directAccess)).toBe(true);
    await console.keyboard.press('Tab');
    await expect.poll(() => directAccess.count()).toBe(0);
    expect(await isFocused(actions)).toBe(false);
  });

  it('11f. the Add device dialog: the focus goes in, Tab stays inside, Esc closes it and the focus comes back', async () => {
    const add = console.getByRole('button', { name: 'Add device' });
    await add.focus();
    await console.keyboard.press('Enter');
    const dialog = console.getByRole('dialog', { name: 'Add a device' });
    // The whole dialog, the install commands of the served agent package included, before axe looks at it.
    await dialog.getByRole('button', { name: 'Copy Windows install command' }).waitFor();
    const done = dialog.getByRole('button', { name: 'Done' });
    await expect.poll(() => isFocused(done)).toBe(true);
    expect(await axe(console)).toEqual([]);
    // From the last control Tab goes round to the first, and Shift+Tab back.
    await console.keyboard.press('Tab');
    await expect
      .poll(() => isFocused(dialog.getByRole('button', { name: 'Copy enrollment token' })))
      .toBe(true);
    await console.keyboard.press('Shift+Tab');
    await expect.poll(() => isFocused(done)).toBe(true);
    for (let i = 0; i < 5; i++) {
      await console.keyboard.press('Tab');
      expect(await dialog.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    }
    await console.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await expect.poll(() => isFocused(add)).toBe(true);
  });

  it('11g. sign-in errors: an empty field says so and takes the focus; a wrong password is an alert', async () => {
    const page = await (await h.newContext()).newPage();
    await page.goto(h.url);
    const username = page.getByRole('textbox', { name: 'Username' });
    const password = page.getByLabel('Password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => isFocused(username)).toBe(true);
    expect(await username.getAttribute('aria-invalid')).toBe('true');
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('textbox', { name: 'Username', description: 'Enter your username.' }).waitFor();
    expect(await axe(page)).toEqual([]);

    await username.fill('admin');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => isFocused(password)).toBe(true);
    expect(await username.getAttribute('aria-invalid')).toBeNull();
    expect(await password.getAttribute('aria-invalid')).toBe('true');

    await password.fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
    expect(await password.getAttribute('aria-invalid')).toBeNull();
    await page.context().close();
  });

  it('11h. axe-core finds no violations on the administration screens, their dialogs and the account page', async () => {
    await h.addOperator({ username: 'nina', password: 'nina-long-password', deviceNames: ['PC-A11Y'] });
    const page = await h.signIn(await h.newContext());
    const screen = async (path: string, heading: string) => {
      await page.goto(`${h.url}${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page
        .getByRole('status')
        .filter({ hasText: /^Loading/ })
        .waitFor({ state: 'detached' });
    };

    await screen('/admin/operators', 'Operators');
    await page.getByRole('link', { name: 'nina' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.getByRole('button', { name: 'New operator' }).click();
    await page.getByRole('dialog', { name: 'New operator' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await page.getByRole('link', { name: 'nina' }).click();
    await page.getByRole('checkbox', { name: 'audit.view' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.getByRole('button', { name: 'Delete operator' }).click();
    await page.getByRole('alertdialog', { name: 'Delete nina?' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await screen('/admin/operator-groups', 'Operator groups');
    await page.getByRole('button', { name: 'New operator group' }).click();
    const create = page.getByRole('dialog', { name: 'New operator group' });
    await create.getByLabel('Name').fill('Support');
    await create.getByRole('button', { name: 'Create group' }).click();
    await page
      .getByRole('row', { name: /Support/ })
      .getByRole('button', { name: 'Edit' })
      .click();
    await page.getByRole('dialog', { name: 'Operator group Support' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await screen('/admin/device-groups', 'Device groups');
    await page.getByRole('button', { name: 'New device group' }).click();
    await page
      .getByRole('dialog', { name: 'New device group' })
      .getByRole('checkbox', { name: 'PC-A11Y' })
      .waitFor();
    expect(await axe(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await screen('/admin/rights', 'Access rights');
    await page.getByRole('row', { name: /operator nina/ }).waitFor();
    expect(await axe(page)).toEqual([]);

    await screen('/admin/effective-rights', 'Effective rights');
    await page.getByLabel('Operator', { exact: true }).selectOption({ label: 'nina' });
    await page.getByLabel('Device', { exact: true }).selectOption({ label: 'PC-A11Y' });
    await page.getByText('Write: allowed via operator nina on device PC-A11Y').waitFor();
    expect(await axe(page)).toEqual([]);

    await screen('/admin/audit', 'Audit log');
    await page.getByRole('table', { name: 'Audit log' }).waitFor();
    expect(await axe(page)).toEqual([]);

    await screen('/admin/recording', 'Recording');
    await page.getByRole('checkbox', { name: /Record conversations/ }).check();
    await page.getByRole('radio', { name: /chosen groups/ }).check();
    await page.getByRole('checkbox', { name: 'Support' }).waitFor();
    expect(await axe(page)).toEqual([]);

    await screen('/license', 'License');
    await page.getByRole('table', { name: 'Licenses' }).waitFor();
    expect(await axe(page)).toEqual([]);

    await screen('/account', 'Account');
    await page.getByRole('table', { name: 'Your sessions' }).waitFor();
    expect(await axe(page)).toEqual([]);

    const nina = await h.signIn(await h.newContext(), 'nina', 'nina-long-password');
    await nina.goto(`${h.url}/admin/operators`);
    await nina.getByRole('heading', { name: 'You need the operators.manage capability' }).waitFor();
    expect(await axe(nina)).toEqual([]);
    await nina.context().close();
    await page.context().close();
  });

  it('11d. axe-core finds no violations on the end-user page, open and closed', async () => {
    await endUser.getByRole('log').getByText('A reply with a link').waitFor();
    expect(await axe(endUser)).toEqual([]);
    await endUser.getByRole('button', { name: 'Close chat' }).click();
    await endUser.getByText('You closed the chat. You can close this window.').waitFor();
    expect(await axe(endUser)).toEqual([]);
  });
});
