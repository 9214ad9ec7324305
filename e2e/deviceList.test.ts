import type { DevicePage } from '@parley/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../packages/server/src/audit/audit.js';
import { TestLicenseKey } from '../packages/server/test/support/licenses.js';
import { ApiClient, connectConsole } from '../packages/server/test/support/server.js';
import type { AgentProcess } from './support/agentProcess.js';
import { axe } from './support/browser.js';
import { adminScreen, Harness } from './support/harness.js';

/**
 * Issue 11: the device list of a 10,000-device fleet in the browser: the online ones first, search as you type and
 * filters answered by the server, pages of rows, live updates, and Instant Messaging dimmed with its reason.
 */
const FLEET = 10_000;

describe('the device list at 10,000 devices', () => {
  let h: Harness;
  let live: AgentProcess;
  let console: Page;
  const key = new TestLicenseKey();
  const rows = () => console.getByRole('table', { name: 'Devices' }).getByRole('row');
  const status = () => console.getByRole('status').filter({ hasText: /devices?( match)?, \d+ online/ });

  beforeAll(async () => {
    // A fleet this size needs a license for it (the evaluation one covers 20 devices).
    h = await Harness.start({ license: { licenseKeyFiles: [key.publicFile] } });
    const imported = await h.services.license.import(
      key.issue({ licensee: 'Fleet Ltd', deviceLimit: 20_000 }),
      CLI,
    );
    if (!imported.ok) throw new Error(imported.message);
    const at = new Date().toISOString();
    await h.services.store.transaction(async (tx) => {
      for (let i = 0; i < FLEET; i++) {
        await tx.devices.create(
          { id: `fleet-${i}`, name: `PC-${String(i).padStart(5, '0')}`, os: 'windows', credentialHash: 'c' },
          at,
        );
      }
    });
    live = await h.startAgent('PC-LIVE', 'maria');
    await h.startAgent('PC-NOBODY', null);
    console = await h.signIn();
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    key.remove();
  });

  it('shows the online devices first, a page at a time, with the counts', async () => {
    await h.deviceReady(console, 'PC-LIVE', 'maria');
    await expect.poll(async () => status().textContent()).toBe(`${FLEET + 2} devices, 2 online`);
    await expect.poll(() => rows().count()).toBe(51); // the header and a page of 50
    expect(await rows().nth(1).textContent()).toContain('PC-LIVE');
    expect(await rows().nth(2).textContent()).toContain('PC-NOBODY');
    expect(await rows().nth(3).textContent()).toContain('PC-00000');
    await console.getByRole('button', { name: 'Show more devices' }).click();
    await expect.poll(() => rows().count()).toBe(101);
    await console.getByText(`100 of ${FLEET + 2} shown`).waitFor();
    expect(await axe(console)).toEqual([]);
  });

  it('searches device and user names as you type, and filters on the server', async () => {
    const search = console.getByRole('searchbox', { name: 'Search' });
    await search.fill('pc-0999');
    await expect.poll(async () => status().textContent()).toBe('10 devices match, 0 online');
    await expect.poll(() => rows().count()).toBe(11);
    expect(new URL(console.url()).searchParams.get('q')).toBe('pc-0999');
    await search.fill('MARIA');
    await expect.poll(async () => status().textContent()).toBe('1 device match, 1 online');
    expect(await rows().nth(1).textContent()).toContain('PC-LIVE');
    await search.fill('');
    await console.getByRole('combobox', { name: 'Status' }).selectOption('true');
    await expect.poll(async () => status().textContent()).toBe('2 devices match, 2 online');
    await console.getByRole('combobox', { name: 'Logged on' }).selectOption('false');
    await expect.poll(async () => status().textContent()).toBe('1 device match, 1 online');
    expect(await rows().nth(1).textContent()).toContain('PC-NOBODY');
    await console.getByRole('combobox', { name: 'Status' }).selectOption('');
    await console.getByRole('combobox', { name: 'Logged on' }).selectOption('');
    await console.getByRole('searchbox', { name: 'Search' }).fill('no such device anywhere');
    await console.getByText('No device matches.').waitFor();
    await console.getByRole('button', { name: 'Clear the filters' }).click();
    await expect.poll(async () => status().textContent()).toBe(`${FLEET + 2} devices, 2 online`);
    expect(await axe(console)).toEqual([]);
  });

  it('dims Instant Messaging where it cannot work, says why, and still answers with the popup', async () => {
    const row = rows().filter({ hasText: 'PC-NOBODY' });
    await row.getByRole('button', { name: 'Actions' }).click();
    await console.getByRole('menuitem', { name: 'Direct Access' }).click();
    const item = console.getByRole('menuitem', { name: 'Instant Messaging' });
    await expect.poll(async () => item.getAttribute('aria-describedby')).toBeTruthy();
    const why = await item.getAttribute('aria-describedby');
    expect(await console.locator(`[id="${why}"]`).textContent()).toBe('No one is logged on');
    await item.click();
    const popup = console.getByRole('alertdialog');
    expect(await popup.textContent()).toMatch(/no user is logged on to PC-NOBODY/i);
    await popup.getByRole('button', { name: 'OK' }).click();
  });

  it('P-35: says live who has a chat open on a row, another operator’s too, and no more once it ended', async () => {
    await h.addOperator({
      username: 'lena',
      password: 'lena password 12',
      displayName: 'Lena Berg',
      capabilities: ['instant-messaging'],
      deviceNames: ['PC-LIVE'],
    });
    const lena = new ApiClient(h.url);
    await lena.login('lena', 'lena password 12');
    const lenaConsole = await connectConsole(h, lena);
    const found = (await h.api.request('GET', '/api/devices/page?q=PC-LIVE')).body as unknown as DevicePage;
    const deviceId = found.devices[0]?.id ?? 'missing';
    const row = rows().filter({ hasText: 'PC-LIVE' });
    const opened = await lena.request('POST', `/api/devices/${deviceId}/chats`);
    expect(opened.status).toBe(201);
    await row.getByText('Chat open by Lena Berg').waitFor();
    lenaConsole.send({ type: 'chat.close', chatId: opened.body.chatId });
    await row.getByText('Chat open by Lena Berg').waitFor({ state: 'detached' });
    lenaConsole.close();
  });

  it('P-37: a device that comes online while the list is shown joins its first page, without a reload', async () => {
    await console.getByRole('searchbox', { name: 'Search' }).fill('');
    await expect.poll(async () => status().textContent()).toBe(`${FLEET + 2} devices, 2 online`);
    const late = await h.startAgent('PC-LATE', 'nina');
    // The console watched the rows it shows only: it hears that the list changed, and asks for its page again.
    await rows().filter({ hasText: 'PC-LATE' }).getByText('Online').waitFor({ timeout: 10_000 });
    await expect.poll(async () => status().textContent()).toBe(`${FLEET + 3} devices, 3 online`);
    await late.stop();
    await rows().filter({ hasText: 'PC-LATE' }).getByText('Offline').waitFor();
  });

  it('P-37: a device picker offers the first 50 by name and searches the rest as you type', async () => {
    await adminScreen(console, 'Effective rights');
    const picker = console.getByLabel('Device', { exact: true });
    await console.getByText(`The first 50 of ${FLEET + 3} matching devices: type to narrow.`).waitFor();
    expect(await picker.locator('option').count()).toBe(51);
    await console.getByRole('searchbox', { name: 'Find devices' }).fill('PC-09999');
    await console.getByText('1 device matches.').waitFor();
    await picker.selectOption({ label: 'PC-09999' });
    await console.getByRole('searchbox', { name: 'Find devices' }).fill('PC-0000');
    await console.getByText('10 devices match.').waitFor();
    // The device chosen stays chosen, and offered, whatever is typed next.
    expect(await picker.inputValue()).toBe('fleet-9999');
    expect(await picker.locator('option').count()).toBe(12);
    await console.goto(`${h.url}/devices`);
    await h.deviceReady(console, 'PC-NOBODY', null);
  });

  it('follows the fleet live: a device that goes offline says so, and when it was last seen', async () => {
    await live.stop();
    const row = rows().filter({ hasText: 'PC-LIVE' });
    await row.getByText('Offline').waitFor();
    await row.getByText(/^seen /).waitFor();
    // The counts come with the next page the list asks for, soon after a change.
    await expect
      .poll(async () => status().textContent(), { timeout: 10_000 })
      .toBe(`${FLEET + 3} devices, 1 online`);
  });
});
