import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe } from './support/browser.js';
import { chatWindow, Harness, say } from './support/harness.js';

/** Issue 11, "A computer several people use": Instant Messaging asks which person, and reaches that one only. */
describe('choosing whom to chat with on a computer several people use', () => {
  let h: Harness;
  let console: Page;

  beforeAll(async () => {
    h = await Harness.start();
    await h.startAgent('TS-SHARED', ['maria', 'jonas']);
    await h.startAgent('PC-ALONE', 'bob');
    console = await h.signIn();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('asks which of the two, and opens the chat with the second one chosen, on their page only', async () => {
    const agent = h.agent('TS-SHARED');
    const row = console.getByRole('row').filter({ hasText: 'TS-SHARED' });
    await row.getByRole('cell', { name: 'maria, jonas', exact: true }).waitFor();
    await h.instantMessaging(console, 'TS-SHARED');

    const dialog = console.getByRole('dialog', { name: 'Who do you want to chat with?' });
    await dialog.waitFor();
    const people = dialog.getByRole('group', { name: 'People logged on to TS-SHARED' });
    const maria = people.getByRole('radio', { name: /^maria/ });
    const jonas = people.getByRole('radio', { name: /^jonas/ });
    // The first listed is chosen and has the focus, so Enter starts the usual case at once.
    await expect.poll(() => maria.isChecked()).toBe(true);
    await expect.poll(() => maria.evaluate((radio) => radio === document.activeElement)).toBe(true);
    expect(await people.getByRole('radio').count()).toBe(2);
    expect(await axe(console)).toEqual([]);
    // Nothing reached the device while the operator chooses.
    expect(agent.openedUrls()).toEqual([]);

    await jonas.check();
    await dialog.getByRole('button', { name: 'Start chat' }).click();
    const window = chatWindow(console, 'jonas', 'TS-SHARED');
    await window.waitFor();
    await dialog.waitFor({ state: 'detached' });
    expect(await chatWindow(console, 'maria', 'TS-SHARED').count()).toBe(0);

    const endUser = await h.endUserPage(agent);
    await say(window, 'Hello Jonas');
    await endUser.getByRole('log').getByText('Hello Jonas').waitFor();
    await say(endUser, 'Hi, this is Jonas');
    await window.getByRole('log').getByText('Hi, this is Jonas').waitFor();
    // One page opened, for jonas's chat: maria's session got nothing.
    expect(agent.openedUrls()).toHaveLength(1);
    const chats = (await h.api.request('GET', '/api/chats')).body as {
      deviceName: string;
      endUserName: string;
    }[];
    expect(chats.filter((c) => c.deviceName === 'TS-SHARED').map((c) => c.endUserName)).toEqual(['jonas']);
  });

  it('Cancel starts nothing; a device with one person logged on asks nothing', async () => {
    const agent = h.agent('TS-SHARED');
    const opened = agent.openedUrls().length;
    await h.instantMessaging(console, 'TS-SHARED');
    const dialog = console.getByRole('dialog', { name: 'Who do you want to chat with?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await console.getByRole('alertdialog').count()).toBe(0);
    expect(agent.openedUrls()).toHaveLength(opened);

    await h.openChat(console, 'PC-ALONE', 'bob');
    expect(await dialog.count()).toBe(0);
  });
});
