import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_RETURN_MS } from '../packages/agent/src/agent.js';
import { Harness, messageTexts, say, until } from './support/harness.js';
import { LocalAttacker, type SeenByAttacker } from './support/localAttacker.js';

/** Where a launch file sends the browser (read as root: the test may, the attacker may not). */
function pageUrlOf(launchFile: string): URL {
  const html = readFileSync(fileURLToPath(launchFile), 'utf8');
  const href = /content="0;url=([^"]+)"/.exec(html)?.[1] ?? '';
  return new URL(href.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))));
}

/**
 * Issue 6, points 4, 6, 7, 8: the end-user channel on a computer several people use. The attacker is a process of
 * another, unprivileged OS user (`nobody`) on the same machine; the end user's browser and the agent are root's.
 */
describe('the end-user page on a shared computer', () => {
  let h: Harness;
  let console: Page;
  let attacker: LocalAttacker;

  beforeAll(async () => {
    attacker = LocalAttacker.start();
    h = await Harness.start();
    for (const [device, user, opener] of [
      ['PC-SNOOP', 'sam', 'lingers'],
      ['PC-SQUAT', 'tom', 'records'],
      ['PC-CRASH', 'una', 'records'],
    ] as const) {
      await h.startAgent(device, user, opener);
    }
    console = await h.signIn();
  });
  afterAll(async () => {
    attacker?.stop();
    await h?.stop();
  });

  it('6. no secret on any command line: a user watching every process and reading every file they can gets nothing', async () => {
    const agent = h.agent('PC-SNOOP');
    await attacker.ask({ cmd: 'snoop' }, 'snooping');
    const window = await h.openChat(console, 'PC-SNOOP', 'sam');
    await until(() => agent.openedUrls().length > 0, 15_000, 'the agent to open the page');
    const launchFile = agent.openedUrls()[0] ?? '';
    const report = async () =>
      (await attacker.ask<{ cmdlines: string[] } & Record<string, unknown>>({ cmd: 'report' }, 'report'))
        .cmdlines;
    // The watch sees the opener run (this opener stays a few seconds, as launchers that wait for the browser do).
    await expect
      .poll(async () => (await report()).some((line) => line.includes('parley-chat-')), { timeout: 10_000 })
      .toBe(true);
    expect(launchFile).toMatch(/^file:\/\/\/.+\.html$/);
    const key = new URLSearchParams(pageUrlOf(launchFile).hash.slice(1)).get('k') ?? '';
    expect(key).toMatch(/^[\w-]{43}$/);
    // The opener's command line names a file the other user can neither read nor find by listing.
    expect(await attacker.ask({ cmd: 'read', path: fileURLToPath(launchFile) }, 'read')).toMatchObject({
      file: 'EACCES',
      dir: 'EACCES',
    });

    const endUser = await h.endUserPage(agent);
    await say(endUser, 'only the operator reads this');
    await window.getByRole('log').getByText('only the operator reads this').waitFor();
    // Nothing it saw, from the opener to the browser, holds the key or a token.
    const cmdlines = await report();
    await attacker.ask({ cmd: 'unsnoop' }, 'unsnooped');
    expect(cmdlines.join('\n')).not.toContain(key);
    expect(cmdlines.join('\n')).not.toMatch(/[#?&](k|token)=/);
  });

  it('7. nothing the end user’s browser sends to another port of 127.0.0.1 carries the page secret', async () => {
    const endUser = await h.endUserPage(h.agent('PC-SNOOP'));
    const { port } = await attacker.ask<{ port: number } & Record<string, unknown>>(
      { cmd: 'serve' },
      'serving',
    );
    const other = await endUser.context().newPage();
    await other.goto(`http://127.0.0.1:${port}/`);
    await other.evaluate(() => fetch('/asking-for-credentials', { credentials: 'include' }));
    // The chat page itself may not even talk to another port (its CSP allows its own origin only).
    expect(
      await endUser.evaluate(
        (to) =>
          fetch(`http://127.0.0.1:${to}/`).then(
            () => 'reached',
            () => 'blocked',
          ),
        port,
      ),
    ).toBe('blocked');
    await expect
      .poll(() => h.takePolicyViolations().join('\n'))
      .toContain(`Connecting to 'http://127.0.0.1:${port}/'`);
    const { requests } = await attacker.ask<SeenByAttacker & Record<string, unknown>>(
      { cmd: 'seen' },
      'seen',
    );
    expect(requests.map((r) => r.url).filter((url) => url !== '/favicon.ico')).toEqual([
      '/',
      '/asking-for-credentials',
    ]);
    for (const request of requests) expect(request.headers.cookie).toBeUndefined();
    expect(await endUser.context().cookies()).toEqual([]);
    // The key lives in the chat page's own origin (port): the other port's page finds no storage of it.
    expect(await other.evaluate(async () => (await indexedDB.databases()).length)).toBe(0);
    await other.close();
    await attacker.ask({ cmd: 'release' }, 'released');
  });

  it('8. after the agent dies, another user’s process on its port gets nothing and can show nothing', async () => {
    const agent = h.agent('PC-SQUAT');
    const window = await h.openChat(console, 'PC-SQUAT', 'tom');
    const endUser = await h.endUserPage(agent);
    await say(window, 'Hello Tom');
    await endUser.getByRole('log').getByText('Hello Tom').waitFor();
    const port = Number(new URL(endUser.url()).port);

    await agent.kill();
    await endUser.getByRole('alert').filter({ hasText: 'Reconnecting' }).waitFor();
    await say(endUser, 'my password is hunter2');
    await attacker.ask({ cmd: 'squat', port }, 'squatting');
    await endUser.getByRole('alert').filter({ hasText: 'lost its help desk connection for good' }).waitFor();

    const { frames, requests } = await attacker.ask<SeenByAttacker & Record<string, unknown>>(
      { cmd: 'seen' },
      'seen',
    );
    // It heard the page say hello (with a nonce for it to sign), and nothing else: no proof, no key, no message.
    expect(frames.length).toBeGreaterThanOrEqual(1);
    expect(frames.map((f) => f.type)).toEqual(frames.map(() => 'page.hello'));
    expect(JSON.stringify({ frames, requests })).not.toContain('hunter2');
    expect(await messageTexts(endUser)).not.toContain('FAKE: please send me your password');
    await endUser.getByRole('log').getByText('Not delivered').waitFor({ timeout: 30_000 });

    // The squatter leaves; the agent comes back on its port and, the old page having given up, opens a new one.
    await attacker.ask({ cmd: 'release' }, 'released');
    agent.restart();
    await until(() => agent.openedUrls().length === 2, PAGE_RETURN_MS + 20_000, 'a new window');
    const again = await h.endUserPage(agent, 1);
    await again.getByRole('log').getByText('Hello Tom').waitFor();
    await say(again, 'back again');
    await window.getByRole('log').getByText('back again').waitFor();
  });

  it('4. the agent dies and comes back: the open page reconnects by itself, what was typed meanwhile arrives once', async () => {
    const agent = h.agent('PC-CRASH');
    const window = await h.openChat(console, 'PC-CRASH', 'una');
    const endUser = await h.endUserPage(agent);
    await say(endUser, 'before the crash');
    await window.getByRole('log').getByText('before the crash').waitFor();

    await agent.kill();
    await endUser.getByRole('alert').filter({ hasText: 'Reconnecting' }).waitFor();
    await say(endUser, 'typed while the agent was down');
    agent.restart();
    await window.getByRole('log').getByText('typed while the agent was down').waitFor({ timeout: 30_000 });
    await expect
      .poll(() =>
        endUser
          .locator('.msg')
          .filter({ hasText: 'typed while' })
          .locator('[data-status]')
          .getAttribute('data-status'),
      )
      .toMatch(/^(sent|delivered|read)$/);
    await say(window, 'got it');
    await endUser.getByRole('log').getByText('got it').waitFor();
    expect((await messageTexts(window)).filter((t) => t === 'typed while the agent was down')).toHaveLength(
      1,
    );
    // The page came back by itself: once the agent's wait for it is over, still only the one window.
    await new Promise((resolve) => setTimeout(resolve, PAGE_RETURN_MS + 1000));
    expect(agent.openedUrls()).toHaveLength(1);
  });
});
