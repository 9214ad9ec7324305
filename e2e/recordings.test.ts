import { readFileSync } from 'node:fs';
import { type AuditPage, type ChatInfo, DEFAULT_RECORDING_SETTINGS } from '@parley/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip } from '../packages/server/test/support/files.js';
import { seedRecordedChat } from '../packages/server/test/support/recordings.js';
import type { AgentProcess } from './support/agentProcess.js';
import { axe } from './support/browser.js';
import { endChat, Harness, say } from './support/harness.js';

/**
 * Issue 10's recordings browser in the browser: a device's past conversations filtered and searched with the words
 * marked, a transcript, a note and the lock, and an export of the filtered set with its progress bar and Cancel.
 */
describe('past conversations', () => {
  let h: Harness;
  let agent: AgentProcess;
  let console: Page;
  /** The export's steps wait here while the test holds them (to see the progress bar, then cancel). */
  let held = true;
  const waiting: (() => void)[] = [];
  const release = () => {
    held = false;
    for (const go of waiting.splice(0)) go();
  };

  /** A conversation through the console's chat window and the end user's page, recorded, then closed. */
  async function conversation(
    lines: readonly ['operator' | 'end_user', string][],
    index: number,
  ): Promise<void> {
    const window = await h.openChat(console, 'PC-REC', 'rita');
    const endUser = await h.endUserPage(agent, index);
    const open = (await h.api.request('GET', '/api/chats')).body as unknown as ChatInfo[];
    const chatId = open.find((c) => c.deviceName === 'PC-REC')?.chatId ?? '';
    expect(open.find((c) => c.chatId === chatId)?.recorded).toBe(true);
    for (const [who, text] of lines) {
      const [from, to] = who === 'operator' ? [window, endUser] : [endUser, window];
      await say(from, text);
      await to.getByRole('log').getByText(text).waitFor();
    }
    await endChat(window);
    await window.waitFor({ state: 'detached' });
    await endUser.close();
  }

  beforeAll(async () => {
    h = await Harness.start({
      exportStep: () => (held ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
    });
    await h.api.request('PUT', '/api/settings/recording', { ...DEFAULT_RECORDING_SETTINGS, enabled: true });
    agent = await h.startAgent('PC-REC', 'rita');
    await h.startAgent('PC-OTHER', 'otto');
    console = await h.signIn();
    await conversation(
      [
        ['operator', 'Hello Rita, is the scanner working now?'],
        ['end_user', 'The scanner shows error 42 again <b>bold</b>'],
      ],
      0,
    );
    await conversation([['operator', 'Following up on the printer']], 1);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('from a device’s row: its past conversations, searched, the words marked as text', async () => {
    const row = console.getByRole('row').filter({ hasText: 'PC-REC' });
    await row.getByRole('button', { name: 'Actions' }).click();
    await console.getByRole('menuitem', { name: 'Direct Access' }).click();
    await console.getByRole('menuitem', { name: 'Past conversations' }).click();
    await console.getByRole('heading', { name: 'Past conversations' }).waitFor();
    expect(new URL(console.url()).searchParams.get('device')).toBeTruthy();
    const table = console.getByRole('table', { name: 'Past conversations' });
    await expect.poll(() => table.getByRole('row').count()).toBe(3);
    await console.getByText('2 conversations match.').waitFor();

    await console.getByRole('searchbox', { name: 'Words' }).fill('scanner');
    await console.getByRole('button', { name: 'Search' }).click();
    await console.getByText('1 conversation match.').waitFor();
    const marks = table.locator('mark');
    await expect.poll(() => marks.allTextContents()).toEqual(['scanner', 'scanner']);
    // What the end user typed is text: no element was made of it.
    await table.getByText('<b>bold</b>', { exact: false }).waitFor();
    expect(await table.locator('b').count()).toBe(0);
    expect(await axe(console)).toEqual([]);

    await console.getByRole('combobox', { name: 'Device' }).selectOption({ label: 'PC-OTHER' });
    await console.getByRole('button', { name: 'Search' }).click();
    await console.getByText('No conversations match.').waitFor();
    await console.goBack();
    await console.getByText('1 conversation match.').waitFor();
  });

  it('a transcript names who said what and when, with the events in line; a note and the lock', async () => {
    await console.getByRole('link', { name: /^Chat with rita on PC-REC/ }).click();
    await console.getByRole('heading', { name: 'Chat with rita on PC-REC' }).waitFor();
    const transcript = console.getByRole('list', { name: 'Transcript' });
    const items = transcript.getByRole('listitem');
    await expect.poll(() => items.count()).toBeGreaterThanOrEqual(4);
    const texts = await items.allInnerTexts();
    expect(texts[0]).toContain('Chat started by Administrator');
    expect(
      texts.some((t) => t.includes('Administrator (operator)') && t.includes('is the scanner working')),
    ).toBe(true);
    expect(texts.some((t) => t.includes('rita') && t.includes('error 42'))).toBe(true);
    expect(texts.some((t) => t.includes('rita joined the chat'))).toBe(true);
    expect(texts.at(-1)).toContain('Administrator closed the chat');

    await console.getByRole('textbox', { name: 'Note' }).fill('Scanner replaced on Friday');
    await console.getByRole('button', { name: 'Save note' }).click();
    await console.getByText('Note saved.').waitFor();
    await console.getByRole('button', { name: 'Lock' }).click();
    await console.getByRole('button', { name: 'Unlock' }).waitFor();
    expect(await axe(console)).toEqual([]);
    const audit = (
      (await h.api.request('GET', '/api/audit?action=recording.lock')).body as unknown as AuditPage
    ).entries;
    expect(audit).toHaveLength(1);
  });

  it('exports the filtered set with a progress bar that can be cancelled, then as one zip', async () => {
    await console.getByRole('link', { name: 'Past conversations' }).first().click();
    await console.getByRole('heading', { name: 'Past conversations' }).waitFor();
    await console.getByText('2 conversations match.').waitFor();
    await console.getByRole('combobox', { name: 'Format' }).selectOption('csv');
    await console.getByRole('button', { name: 'Export 2 conversations' }).click();
    const progress = console.getByRole('progressbar', { name: 'Export progress' });
    await progress.waitFor();
    await console.getByText('Exporting 1 of 2…').waitFor();
    await console.getByRole('button', { name: 'Cancel export' }).click();
    await console.getByText('Export cancelled.').waitFor();

    release();
    await console.getByRole('button', { name: 'Export 2 conversations' }).click();
    await console.getByText('Ready: 2 conversations.').waitFor();
    expect(await progress.getAttribute('value')).toBe('2');
    const [download] = await Promise.all([
      console.waitForEvent('download'),
      console.getByRole('link', { name: 'Download zip' }).click(),
    ]);
    const files = readZip(readFileSync(await download.path()));
    expect(files.map((f) => f.name.endsWith('.csv'))).toEqual([true, true]);
    expect(files.map((f) => f.data.toString()).join('')).toContain('error 42');
  });

  it('a long transcript comes a page at a time: Load more shows the rest, to its end', async () => {
    const admin = await h.services.store.operators.findByUsername('admin');
    const { chatId } = await seedRecordedChat(
      h.services.store,
      admin?.id ?? '',
      1500,
      (i) => `Line ${i} of the log`,
    );
    await console.goto(`${h.url}/recordings/${chatId}`);
    await console.getByRole('heading', { name: /^Chat with Long Talker on PC-LONG-1500/ }).waitFor();
    const items = console.getByRole('list', { name: 'Transcript' }).getByRole('listitem');
    await expect.poll(() => items.count()).toBe(1000);
    await console.getByRole('button', { name: 'Load more' }).click();
    await console.getByText('The end of the conversation.').waitFor();
    expect(await items.count()).toBe(1502);
    expect(await items.nth(1500).textContent()).toContain('Line 1499 of the log');
  });

  it('a device’s page lists its latest past conversations, each a link to its transcript', async () => {
    await console.goto(`${h.url}/devices`);
    await console.getByRole('link', { name: 'PC-REC' }).click();
    await console.getByRole('heading', { level: 1, name: 'PC-REC' }).waitFor();
    const past = console.getByRole('region', { name: 'Past conversations' });
    await expect.poll(() => past.getByRole('link').count()).toBe(2);
    expect(await past.getByRole('link').first().textContent()).toMatch(/: rita with Administrator$/);
    expect(await axe(console)).toEqual([]);
    await past.getByRole('link').first().click();
    await console.getByRole('heading', { name: 'Chat with rita on PC-REC' }).waitFor();
  });
});
