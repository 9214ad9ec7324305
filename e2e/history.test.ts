import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from './support/agentProcess.js';
import { chatWindow, Harness, messageTexts, say } from './support/harness.js';

/** The whole conversation, in order, once: after a reload, in a new tab, after a server restart (point 9). */
describe('conversation history', () => {
  let h: Harness;
  let agent: AgentProcess;
  let console: Page;
  let endUser: Page;
  const expected: string[] = [];

  async function exchange(from: Page | Locator, to: Page | Locator, text: string): Promise<void> {
    await say(from, text);
    await to.getByRole('log').getByText(text).waitFor();
    expected.push(text);
  }

  beforeAll(async () => {
    h = await Harness.start();
    agent = await h.startAgent('PC-HIST', 'hugo');
    console = await h.signIn();
    const window = await h.openChat(console, 'PC-HIST', 'hugo');
    endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('hugo joined the chat').waitFor();
    await exchange(window, endUser, 'Hi Hugo, what happened?');
    await exchange(endUser, window, 'Outlook crashes when I open the calendar.');
    await exchange(window, endUser, 'Which version?');
    await exchange(endUser, window, 'The one from last week.');
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('9a. reloading the console page shows the whole conversation in order, nothing missing or doubled', async () => {
    await console.reload();
    const window = chatWindow(console, 'hugo', 'PC-HIST');
    await expect.poll(() => messageTexts(window)).toEqual(expected);
    await exchange(window, endUser, 'Thanks, looking into it.');
    await expect.poll(() => messageTexts(window)).toEqual(expected);
    // The end user's page reloads too, and has it all.
    await endUser.reload();
    await expect.poll(() => messageTexts(endUser)).toEqual(expected);
  });

  it('9b. an operator who lost the tab gets the window of the open chat back, with its history', async () => {
    await console.context().close();
    console = await h.signIn();
    const window = chatWindow(console, 'hugo', 'PC-HIST');
    await window.waitFor();
    const minimize = window.getByRole('button', { name: 'Minimize' });
    expect(await minimize.getAttribute('aria-pressed')).toBe('true');
    await minimize.click();
    await expect.poll(() => messageTexts(window)).toEqual(expected);
    await exchange(endUser, window, 'Still crashing.');
    await expect.poll(() => messageTexts(window)).toEqual(expected);
  });

  it('9c. after a server restart both sides reconnect; what was written meanwhile arrives once, in order', async () => {
    const window = chatWindow(console, 'hugo', 'PC-HIST');
    await h.stopServer();
    await console.getByText('Connection to the server lost. Reconnecting…').waitFor();
    await say(window, 'Written while the server was down');
    await window.getByText('Sending…').waitFor();
    await say(endUser, 'Me too, while it was down');
    await h.startServerAgain();

    await window.getByRole('log').getByText('Me too, while it was down').waitFor({ timeout: 30_000 });
    await endUser
      .getByRole('log')
      .getByText('Written while the server was down')
      .waitFor({ timeout: 30_000 });
    await expect.poll(() => console.getByText('Connection to the server lost').count()).toBe(0);
    const both = ['Written while the server was down', 'Me too, while it was down'];
    const texts = await messageTexts(window);
    expect(texts.slice(0, expected.length)).toEqual(expected);
    expect([...texts.slice(expected.length)].sort()).toEqual([...both].sort());
    expected.push(...texts.slice(expected.length));
    await expect.poll(() => messageTexts(endUser)).toEqual(expected);

    await exchange(window, endUser, 'Back to normal.');
    await console.reload();
    await expect.poll(() => messageTexts(chatWindow(console, 'hugo', 'PC-HIST'))).toEqual(expected);
    await expect.poll(() => messageTexts(endUser)).toEqual(expected);
  });
});
