import type { Locator, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endChat,
  freeze,
  Harness,
  messageTexts,
  resume,
  say,
  setTabVisible,
  startHidden,
} from './support/harness.js';

/** The delivery state shown under the operator's (or end user's) message with this text. */
function statusOf(scope: Page | Locator, text: string): Promise<string | null> {
  return scope
    .getByRole('log')
    .locator('.msg')
    .filter({ hasText: text })
    .locator('[data-status]')
    .getAttribute('data-status');
}

function disconnectedAlert(window: Locator): Locator {
  return window.getByRole('alert').filter({ hasText: 'User is disconnected' });
}

/** "User is disconnected" and the way back (manual point 5); delivery states and retry (point 7). */
describe('disconnects, reconnects and delivery', () => {
  let h: Harness;
  let console: Page;
  const devices: [string, string][] = [
    ['PC-NET', 'nina'],
    ['PC-PAGE', 'paul'],
    ['PC-STOP', 'sara'],
    ['PC-CLOSE', 'carl'],
    ['PC-STATES', 'dora'],
    ['PC-RETRY', 'rita'],
  ];

  beforeAll(async () => {
    h = await Harness.start();
    await Promise.all(devices.map(([device, user]) => h.startAgent(device, user)));
    console = await h.signIn();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("5a. the end user's network drops (heartbeat lost): disconnected within 15 s, Send off; both sides resume, nothing lost", async () => {
    const agent = h.agent('PC-NET');
    const window = await h.openChat(console, 'PC-NET', 'nina');
    const endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('nina joined the chat').waitFor();
    const send = window.getByRole('button', { name: 'Send' });
    const box = window.getByRole('textbox', { name: 'Message' });

    const frozenAt = Date.now();
    freeze(agent);
    try {
      // Sent just before the drop is noticed: the server stores it, the frozen side cannot get it yet.
      await say(window, 'Sent just as the line dropped');
      await expect.poll(() => statusOf(window, 'Sent just as the line dropped')).toBe('sent');
      // The end user writes too: their page cannot reach the help desk.
      await say(endUser, 'Written while offline');

      await disconnectedAlert(window).waitFor({ timeout: 15_000 });
      expect(Date.now() - frozenAt).toBeLessThan(15_000);
      await window.getByRole('log').getByText('nina is disconnected').waitFor();
      expect(await send.isDisabled()).toBe(true);
      expect(await box.isEnabled()).toBe(true);
      await box.fill('A draft while nina is away');
      await box.press('Enter');
      expect(await box.inputValue()).toBe('A draft while nina is away');
    } finally {
      resume(agent);
    }

    // Back: the alert goes, Send comes back, and both sides have everything once.
    await window.getByRole('log').getByText('nina is connected again').waitFor({ timeout: 20_000 });
    await expect.poll(() => disconnectedAlert(window).count()).toBe(0);
    await expect.poll(() => send.isEnabled()).toBe(true);
    await window.getByRole('log').getByText('Written while offline').waitFor({ timeout: 20_000 });
    await endUser.getByRole('log').getByText('Sent just as the line dropped').waitFor();
    await endUser.getByRole('log').getByText('You are connected again').waitFor();
    await expect
      .poll(() => statusOf(window, 'Sent just as the line dropped'), { timeout: 10_000 })
      .toMatch(/^(delivered|read)$/);
    await expect
      .poll(() => statusOf(endUser, 'Written while offline'), { timeout: 20_000 })
      .toMatch(/^(sent|delivered|read)$/);
    await send.click();
    await endUser.getByRole('log').getByText('A draft while nina is away').waitFor();
    const expected = ['Sent just as the line dropped', 'Written while offline', 'A draft while nina is away'];
    await expect.poll(() => messageTexts(window)).toEqual(expected);
    await expect.poll(() => messageTexts(endUser)).toEqual(expected);
  });

  it('5b. the end user closes their chat page: disconnected and Send off; reopening it resumes', async () => {
    const agent = h.agent('PC-PAGE');
    const window = await h.openChat(console, 'PC-PAGE', 'paul');
    let endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('paul joined the chat').waitFor();
    await endUser.close();
    await disconnectedAlert(window).waitFor();
    expect(await window.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);

    endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('paul is connected again').waitFor();
    await expect.poll(() => disconnectedAlert(window).count()).toBe(0);
    await say(window, 'Welcome back');
    await endUser.getByRole('log').getByText('Welcome back').waitFor();
  });

  it('5c. the agent stops: disconnected on the console, and the end-user page says the connection is lost', async () => {
    const agent = h.agent('PC-STOP');
    const window = await h.openChat(console, 'PC-STOP', 'sara');
    const endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('sara joined the chat').waitFor();
    await agent.stop();
    await disconnectedAlert(window).waitFor();
    expect(await window.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await endUser.getByRole('alert').filter({ hasText: 'Connection to the help desk lost' }).waitFor();
  });

  it('5d. the operator closes the window: the end-user page says the operator left, and the chat is over for both', async () => {
    const agent = h.agent('PC-CLOSE');
    const window = await h.openChat(console, 'PC-CLOSE', 'carl');
    const endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('carl joined the chat').waitFor();
    await endChat(window);
    await expect.poll(() => window.count()).toBe(0);
    await endUser.getByText('Administrator left the chat').waitFor();
    await endUser.getByRole('log').getByText('Administrator closed the chat').waitFor();
    expect(await endUser.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true);
    expect(await endUser.getByRole('button', { name: 'Close chat' }).count()).toBe(0);
    await endUser.getByText('Your chat with Administrator has ended.').waitFor();
    const open = (await h.api.request('GET', '/api/chats')).body as { deviceName: string }[];
    expect(open.map((chat) => chat.deviceName)).not.toContain('PC-CLOSE');
  });

  it('7a. each operator message shows sending, sent, delivered and read', async () => {
    // Hold the console's sends in a proxy to see "Sending…", then let them through.
    const context = await h.newContext();
    const held: (() => void)[] = [];
    let holding = true;
    await context.routeWebSocket(/\/ws\/console$/, (ws: WebSocketRoute) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        if (holding && typeof message === 'string' && message.includes('"chat.send"'))
          held.push(() => server.send(message));
        else server.send(message);
      });
      server.onMessage((message) => ws.send(message));
    });
    const page = await h.signIn(context);
    const agent = h.agent('PC-STATES');
    const window = await h.openChat(page, 'PC-STATES', 'dora');

    await say(window, 'Step one');
    await expect.poll(() => statusOf(window, 'Step one')).toBe('sending');
    await window.getByText('Sending…').waitFor();
    holding = false;
    for (const release of held.splice(0)) release();
    // Stored by the server; the end user has not opened their page yet.
    await expect.poll(() => statusOf(window, 'Step one')).toBe('sent');
    await window.getByText('Sent', { exact: true }).waitFor();

    // The page opens in a tab the user is not looking at: delivered, not read.
    const background = await h.newContext({ viewport: { width: 640, height: 720 } });
    await background.addInitScript(startHidden);
    const endUser = await h.endUserPage(agent, 0, background);
    await endUser.getByRole('log').getByText('Step one').waitFor();
    await expect.poll(() => statusOf(window, 'Step one')).toBe('delivered');
    await window.getByText('Delivered', { exact: true }).waitFor();
    await setTabVisible(endUser, true);
    await expect.poll(() => statusOf(window, 'Step one')).toBe('read');
    await window.getByText('Read', { exact: true }).waitFor();
    await context.close();
    await background.close();
  });

  it('7b. a message that could not be delivered says so and is retried with the same client id, never doubled', async () => {
    const context = await h.newContext();
    const sends: { clientId: string; text: string }[] = [];
    let refuseNext = false;
    const last: { resend: (() => void) | null } = { resend: null };
    await context.routeWebSocket(/\/ws\/console$/, (ws: WebSocketRoute) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        if (typeof message === 'string' && message.includes('"chat.send"')) {
          const frame = JSON.parse(message) as { clientId: string; text: string };
          sends.push({ clientId: frame.clientId, text: frame.text });
          if (refuseNext) {
            // What the server answers a flood with (P-25): refused, not stored.
            refuseNext = false;
            ws.send(
              JSON.stringify({
                type: 'error',
                code: 'rate_limited',
                message: 'too many messages; wait a moment and resend',
                ref: frame.clientId,
              }),
            );
            return;
          }
          last.resend = () => server.send(message);
        }
        server.send(message);
      });
      server.onMessage((message) => ws.send(message));
    });
    const page = await h.signIn(context);
    const agent = h.agent('PC-RETRY');
    const window = await h.openChat(page, 'PC-RETRY', 'rita');
    const endUser = await h.endUserPage(agent);
    await window.getByRole('log').getByText('rita joined the chat').waitFor();

    refuseNext = true;
    await say(window, 'Please restart your laptop');
    await expect.poll(() => statusOf(window, 'Please restart your laptop')).toBe('failed');
    await window
      .getByRole('log')
      .getByText(/^Not delivered/)
      .waitFor();
    await window.getByRole('alert').filter({ hasText: 'A message was not delivered.' }).waitFor();
    expect(await messageTexts(endUser)).toEqual([]);

    await window.getByRole('button', { name: 'Retry' }).click();
    await endUser.getByRole('log').getByText('Please restart your laptop').waitFor();
    await expect.poll(() => statusOf(window, 'Please restart your laptop')).toMatch(/^(delivered|read)$/);
    await expect.poll(() => window.getByRole('alert').count()).toBe(0);
    const attempts = sends.filter((s) => s.text === 'Please restart your laptop');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.clientId).toBe(attempts[1]?.clientId);

    // The same message sent once more (a retry whose answer was lost): the server keeps one.
    last.resend?.();
    await say(window, 'And then tell me');
    await endUser.getByRole('log').getByText('And then tell me').waitFor();
    await page.reload();
    await window.getByRole('log').getByText('And then tell me').waitFor();
    expect(await messageTexts(window)).toEqual(['Please restart your laptop', 'And then tell me']);
    expect(await messageTexts(endUser)).toEqual(['Please restart your laptop', 'And then tell me']);
    await context.close();
  });
});
