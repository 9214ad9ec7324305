import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD } from '../packages/server/test/support/server.js';
import { chatWindow, Harness } from './support/harness.js';

/** The page's address without its origin: path and query. */
function address(page: Page): string {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
}

async function signInHere(page: Page): Promise<void> {
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Marks the document: the mark is still there after a navigation only if the page did not load again. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as Window & { __sameDocument?: boolean }).__sameDocument = true;
  });
}

function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as Window & { __sameDocument?: boolean }).__sameDocument === true);
}

/** Issue 7: every screen has a real address; Back and Forward work; no page is a page of its own. */
describe('console addresses', () => {
  let h: Harness;
  let chatId: string;

  beforeAll(async () => {
    h = await Harness.start();
    await h.startAgent('PC-ROUTE', 'rosa');
    const deviceId = async () => {
      const devices = (await h.api.request('GET', '/api/devices')).body as {
        id: string;
        name: string;
        loggedOnUsers: unknown[];
      }[];
      const device = devices.find((d) => d.name === 'PC-ROUTE');
      return device?.loggedOnUsers.length ? device.id : null;
    };
    let id = await deviceId();
    for (const deadline = Date.now() + 15_000; id === null && Date.now() < deadline; id = await deviceId())
      await new Promise((resolve) => setTimeout(resolve, 100));
    if (id === null) throw new Error('PC-ROUTE never reported rosa logged on');
    const opened = await h.api.request('POST', `/api/devices/${id}/chats`);
    chatId = opened.body.chatId as string;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('signed out, the root goes to sign-in, and signing in to the device list at /devices', async () => {
    const page = await (await h.newContext()).newPage();
    await page.goto(h.url);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expect.poll(() => address(page)).toBe('/sign-in');
    expect(await page.title()).toBe('Sign in · Parley');
    await signInHere(page);
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    await expect.poll(() => address(page)).toBe('/devices');
    await expect.poll(() => page.title()).toBe('Devices · Parley');
    await page.context().close();
  });

  it('a chat address opened signed out comes back after sign-in; Devices, Back and Forward stay in the page', async () => {
    const page = await (await h.newContext()).newPage();
    await page.goto(`${h.url}/chats/${chatId}`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expect.poll(() => address(page)).toBe(`/sign-in?next=${encodeURIComponent(`/chats/${chatId}`)}`);
    await signInHere(page);
    const chat = page.getByRole('region', { name: 'Chat with rosa on PC-ROUTE' });
    await chat.getByRole('log').waitFor();
    expect(address(page)).toBe(`/chats/${chatId}`);

    await mark(page);
    await chat.getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    expect(address(page)).toBe('/devices');
    await page.evaluate(() => window.history.back());
    await chat.getByRole('log').waitFor();
    expect(address(page)).toBe(`/chats/${chatId}`);
    await page.evaluate(() => window.history.forward());
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    expect(address(page)).toBe('/devices');
    expect(await sameDocument(page)).toBe(true);
    // Back on the device list, the chat left by the page is a window in the dock again (minimized).
    await chatWindow(page, 'rosa', 'PC-ROUTE').waitFor();

    // Signed in, the sign-in address goes where it says.
    await page.goto(`${h.url}/sign-in?next=${encodeURIComponent(`/chats/${chatId}`)}`);
    await chat.getByRole('log').waitFor();
    expect(address(page)).toBe(`/chats/${chatId}`);
    await page.context().close();
  });

  it('an address that is no page says so, and links back to the device list', async () => {
    const page = await h.signIn();
    await page.goto(`${h.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(address(page)).toBe('/no/such/page');
    await mark(page);
    expect(await page.title()).toBe('Page not found · Parley');
    await page.getByRole('link', { name: 'Go to the device list' }).click();
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    expect(address(page)).toBe('/devices');
    expect(await sameDocument(page)).toBe(true);

    await page.goto(`${h.url}/chats/a/b`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(address(page)).toBe('/chats/a/b');
    await page.context().close();
  });

  it('P-24: a session that ends elsewhere ends at once, whatever the screen: sign in again, and back', async () => {
    const page = await h.signIn();
    await page.getByRole('button', { name: 'Add device' }).waitFor();
    // Signed out behind the console's back (another tab, an administrator): the server closes its socket at once.
    await page.evaluate(() => fetch('/api/auth/logout', { method: 'POST' }));
    await page.getByText('Your session has ended. Sign in again.').waitFor();
    expect(address(page)).toBe('/sign-in');
    await signInHere(page);
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    expect(address(page)).toBe('/devices');

    // Signing out oneself starts afresh: no way back to the page one left.
    await page.goto(`${h.url}/chats/${chatId}`);
    await page.getByRole('region', { name: 'Chat with rosa on PC-ROUTE' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(address(page)).toBe('/sign-in');
    expect(await page.getByText('Your session has ended').count()).toBe(0);
    await page.context().close();
  });
});
