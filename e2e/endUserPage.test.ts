import { DEFAULT_RECORDING_SETTINGS } from '@parley/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from './support/agentProcess.js';
import { axe } from './support/browser.js';
import { Harness, say } from './support/harness.js';

/** The end-user page: whose help desk, who is talking, recorded or not, and Close chat (point 12). */
describe('the end-user page', () => {
  let h: Harness;
  let agent: AgentProcess;
  let console: Page;

  beforeAll(async () => {
    h = await Harness.start({ organization: 'Acme Corp' });
    agent = await h.startAgent('ACME-LT-7', 'jane');
    console = await h.signIn();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("12a. names the organisation's help desk and the operator, and says when the conversation is recorded", async () => {
    await h.api.request('PUT', '/api/settings/recording', { ...DEFAULT_RECORDING_SETTINGS, enabled: true });
    const window = await h.openChat(console, 'ACME-LT-7', 'jane');
    const endUser = await h.endUserPage(agent);
    await endUser.getByRole('heading', { level: 1, name: 'Acme Corp help desk' }).waitFor();
    await expect.poll(() => endUser.title()).toBe('Acme Corp help desk');
    await endUser
      .getByText('Hello jane. Administrator from Acme Corp wants to chat about your computer ACME-LT-7.')
      .waitFor();
    await endUser.getByText('This conversation is recorded by Acme Corp.').waitFor();
    await window.getByRole('log').getByText('jane joined the chat').waitFor();
    await say(window, 'Hi Jane');
    await endUser.getByRole('log').getByText('Hi Jane').waitFor();
    expect(await endUser.getByRole('log').getByText('Administrator').first().isVisible()).toBe(true);
  });

  it('12b. Close chat ends the chat for both sides', async () => {
    const window = console.getByRole('region', { name: 'Chat with jane on ACME-LT-7' });
    const endUser = await h.endUserPage(agent);
    await endUser.getByRole('button', { name: 'Close chat' }).click();
    await endUser.getByText('You closed the chat. You can close this window.').waitFor();
    expect(await endUser.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true);
    await window.getByRole('log').getByText('jane closed the chat').waitFor();
    // The user closed the chat: no "disconnected" alert in red, the window says who ended it.
    await window.getByRole('status').filter({ hasText: 'jane closed the chat.' }).waitFor();
    expect(await window.getByText('User is disconnected').count()).toBe(0);
    expect(await endUser.getByText(/You are chatting/).count()).toBe(0);
    await endUser.getByText('Your chat with Administrator has ended.').waitFor();
    expect(await endUser.getByRole('button', { name: 'Close chat' }).count()).toBe(0);
    expect(await window.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true);
    expect(await window.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    expect((await h.api.request('GET', '/api/chats')).body).toEqual([]);
    // The operator's Close now only takes the window away.
    await window.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => window.count()).toBe(0);
  });

  it('12c. says nothing about recording when the conversation is not recorded', async () => {
    await h.api.request('PUT', '/api/settings/recording', DEFAULT_RECORDING_SETTINGS);
    const window = await h.openChat(console, 'ACME-LT-7', 'jane');
    const endUser = await h.endUserPage(agent, 1);
    await endUser.getByText(/Administrator from Acme Corp wants to chat/).waitFor();
    await window.getByRole('log').getByText('jane joined the chat').waitFor();
    expect(await endUser.getByText(/recorded/).count()).toBe(0);
    expect(await window.getByText(/recorded/).count()).toBe(0);
  });
});

/** Issue 11: the end user sees the operator's own name, never a generic "Administrator". */
describe('the first administrator’s first chat', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ organization: 'Acme Corp', adminUnnamed: true });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('asks the name the end user will see, once, and greets them with it', async () => {
    const agent = await h.startAgent('ACME-LT-8', 'omar');
    const console = await h.signIn();
    await h.deviceReady(console, 'ACME-LT-8', 'omar');
    // No name yet: the top bar names the account.
    await console.locator('.topbar__user').getByText('admin', { exact: true }).waitFor();
    await h.instantMessaging(console, 'ACME-LT-8');
    const asked = console.getByRole('dialog', { name: 'What is your name?' });
    await asked.getByRole('textbox', { name: 'Your name' }).waitFor();
    expect(await axe(console)).toEqual([]);
    await asked.getByRole('textbox', { name: 'Your name' }).fill('Ada Lovelace');
    await asked.getByRole('button', { name: 'Save and start chat' }).click();
    await console.getByRole('region', { name: 'Chat with omar on ACME-LT-8' }).waitFor();
    expect(await asked.count()).toBe(0);
    await console.locator('.topbar__user').getByText('Ada Lovelace').waitFor();
    const endUser = await h.endUserPage(agent);
    await endUser
      .getByText('Hello omar. Ada Lovelace from Acme Corp wants to chat about your computer ACME-LT-8.')
      .waitFor();
    expect(await endUser.getByText('Administrator').count()).toBe(0);
  });
});
