import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatWindow, Harness, say, until } from './support/harness.js';

/** Issue 6, point 5: a chat that cannot be shown says so; Instant Messaging again brings the one chat back. */
describe('showing a chat to its end user again', () => {
  let h: Harness;
  let console: Page;

  beforeAll(async () => {
    h = await Harness.start();
    await h.startAgent('PC-NOBROWSER', 'nora', 'fails');
    await h.startAgent('PC-CLOSED', 'cleo');
    await h.startAgent('PC-TAB', 'tina');
    console = await h.signIn();
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function openChats(): Promise<{ chatId: string; deviceName: string }[]> {
    return (await h.api.request('GET', '/api/chats')).body as { chatId: string; deviceName: string }[];
  }

  it('5a, P-15. the agent cannot open the page: the console says why instead of waiting, and Retry tries again', async () => {
    const agent = h.agent('PC-NOBROWSER');
    const window = await h.openChat(console, 'PC-NOBROWSER', 'nora');
    const alert = window
      .getByRole('alert')
      .filter({ hasText: 'The chat could not be shown on PC-NOBROWSER' });
    await alert.waitFor();
    await alert.getByText('no method available for opening the chat').waitFor();
    expect(await window.getByText('Waiting for nora to open the chat…').count()).toBe(0);
    await window
      .getByRole('log')
      .getByText('The chat window could not be opened on the user’s screen')
      .waitFor();

    await alert.getByRole('button', { name: 'Retry' }).click();
    await until(() => agent.openedUrls().length === 2, 15_000, 'the agent to try again');
    await expect.poll(() => window.getByRole('log').getByText('could not be opened').count()).toBe(2);
    expect((await openChats()).filter((c) => c.deviceName === 'PC-NOBROWSER')).toHaveLength(1);
  });

  it('5b, P-15. the end user closed the window: Instant Messaging shows the same chat on their screen again', async () => {
    const agent = h.agent('PC-CLOSED');
    const window = await h.openChat(console, 'PC-CLOSED', 'cleo');
    const endUser = await h.endUserPage(agent);
    await say(window, 'Hello Cleo');
    await endUser.getByRole('log').getByText('Hello Cleo').waitFor();
    await endUser.close();
    await window.getByRole('alert').filter({ hasText: 'User is disconnected' }).waitFor();

    await h.instantMessaging(console, 'PC-CLOSED');
    await until(() => agent.openedUrls().length === 2, 15_000, 'the agent to show the chat again');
    const again = await h.endUserPage(agent, 1);
    await again.getByRole('log').getByText('Hello Cleo').waitFor();
    await say(again, 'Sorry, I closed it');
    await window.getByRole('log').getByText('Sorry, I closed it').waitFor();
    expect(await chatWindow(console, 'cleo', 'PC-CLOSED').count()).toBe(1);
    expect((await openChats()).filter((c) => c.deviceName === 'PC-CLOSED')).toHaveLength(1);
  });

  it('5c. after "Open in new tab", Instant Messaging opens no second chat and no second end-user window', async () => {
    const agent = h.agent('PC-TAB');
    const window = await h.openChat(console, 'PC-TAB', 'tina');
    const endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('tina joined the chat').waitFor();
    const [tab] = await Promise.all([
      console.context().waitForEvent('page'),
      window.getByRole('button', { name: 'Open in new tab' }).click(),
    ]);
    await tab.getByRole('region', { name: 'Chat with tina on PC-TAB' }).waitFor();
    await expect.poll(() => window.count()).toBe(0);

    await h.instantMessaging(console, 'PC-TAB');
    await console.getByRole('alertdialog').getByText('The chat is open in another tab').waitFor();
    expect(await chatWindow(console, 'tina', 'PC-TAB').count()).toBe(0);
    expect((await openChats()).filter((c) => c.deviceName === 'PC-TAB')).toHaveLength(1);
    // The user's window is still connected: the agent opened no second one.
    await say(tab, 'Still one chat');
    await endUser.getByRole('log').getByText('Still one chat').waitFor();
    expect(agent.openedUrls()).toHaveLength(1);
  });
});
