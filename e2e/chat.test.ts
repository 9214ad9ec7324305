import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  ApiClient,
  startTestServer,
  type TestServer,
} from '../packages/server/test/support/server.js';
import { AgentProcess } from './support/agentProcess.js';
import { launchChromium } from './support/browser.js';

describe('the console and the end-user page in Chromium, with a real agent process', () => {
  let server: TestServer;
  let api: ApiClient;
  let browser: Browser;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    api = new ApiClient(server.url);
    await api.login();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await browser?.close();
    await server?.stop();
  });

  async function startAgent(name: string, user: string | null): Promise<AgentProcess> {
    const token = (await api.request('POST', '/api/enrollment-tokens')).body.token as string;
    const agent = await AgentProcess.start(server.url, token, name, user);
    agents.push(agent);
    return agent;
  }

  async function signIn(): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }

  async function startChat(page: Page, deviceName: string): Promise<void> {
    const row = page.getByRole('row').filter({ hasText: deviceName });
    await row.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Direct Access' }).click();
    await page.getByRole('menuitem', { name: 'Instant Messaging' }).click();
  }

  it('opens a chat from Actions > Direct Access > Instant Messaging and exchanges messages both ways', async () => {
    const agent = await startAgent('PC-E2E', 'bob');
    const console = await signIn();
    await expect
      .poll(() => console.getByRole('row').filter({ hasText: 'PC-E2E' }).textContent())
      .toContain('bob');
    await startChat(console, 'PC-E2E');
    const window = console.getByRole('region', { name: 'Chat with bob on PC-E2E' });
    await window.waitFor();

    await expect.poll(() => agent.openedUrls().length, { timeout: 10_000 }).toBe(1);
    const endUser = await (await browser.newContext()).newPage();
    await endUser.goto(agent.openedUrls()[0] ?? '');
    await endUser.getByRole('log').waitFor();
    await window.getByRole('log').getByText('bob joined the chat').waitFor();

    await window.getByRole('textbox', { name: 'Message' }).fill('Hello from the help desk');
    await window.getByRole('button', { name: 'Send' }).click();
    await endUser.getByRole('log').getByText('Hello from the help desk').waitFor();

    await endUser.getByRole('textbox', { name: 'Message' }).fill('My printer is on fire <b>help</b>');
    await endUser.getByRole('button', { name: 'Send' }).click();
    await window.getByRole('log').getByText('My printer is on fire <b>help</b>').waitFor();

    for (const page of [console, endUser]) {
      const log = await page.getByRole('log').last().textContent();
      expect(log).toContain('Hello from the help desk');
      expect(log).toContain('My printer is on fire <b>help</b>');
      expect(await page.locator('b', { hasText: 'help' }).count()).toBe(0);
    }
    expect(await endUser.getByRole('log').textContent()).toContain('Administrator');
  });

  it('shows a popup and opens no chat when nobody is logged on', async () => {
    const agent = await startAgent('PC-NOBODY', null);
    const console = await signIn();
    await expect
      .poll(() => console.getByRole('row').filter({ hasText: 'PC-NOBODY' }).textContent())
      .toMatch(/online/i);
    await startChat(console, 'PC-NOBODY');
    const popup = console.getByRole('alertdialog');
    await popup.waitFor();
    expect(await popup.textContent()).toMatch(/no user is logged on/i);
    // (Windows of the operator's other open chats come back on sign-in; none is for this device.)
    expect(await console.getByRole('region', { name: /^Chat with .* on PC-NOBODY$/ }).count()).toBe(0);
    expect(agent.openedUrls()).toEqual([]);
  });
});
