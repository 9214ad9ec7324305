import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, TestLicenseKey } from '../packages/server/test/support/licenses.js';
import { Harness } from './support/harness.js';

/** The License screen through the top bar. */
async function licensePage(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'License' }).click();
  await page.getByRole('heading', { level: 1, name: 'License' }).waitFor();
}

/** The Direct Access row of the Licenses table, cell by cell. */
async function directAccessRow(page: Page): Promise<string[]> {
  const row = page.getByRole('table', { name: 'Licenses' }).getByRole('row', { name: /Direct Access/ });
  await row.waitFor();
  return row.getByRole('cell').allInnerTexts();
}

/** Opens the device's Actions > Direct Access submenu and returns its Instant Messaging item. */
async function instantMessagingItem(page: Page, deviceName: string, description?: RegExp) {
  await page
    .getByRole('row')
    .filter({ hasText: deviceName })
    .getByRole('button', { name: 'Actions' })
    .click();
  await page.getByRole('menuitem', { name: 'Direct Access' }).click();
  return page.getByRole('menuitem', { name: 'Instant Messaging', ...(description ? { description } : {}) });
}

/** Issue 9: the Direct Access license in the console, against the real server with a clock the test moves. */
describe('the license in the console', () => {
  const key = new TestLicenseKey();
  const clock = new TestClock();
  let h: Harness;
  let admin: Page;

  beforeAll(async () => {
    h = await Harness.start({ license: { licenseKeyFiles: [key.publicFile], licenseClock: clock.now } });
    await h.startAgent('PC-LICENSE', 'lisa');
    admin = await h.signIn();
    await h.deviceReady(admin, 'PC-LICENSE', 'lisa');
  });
  afterAll(async () => {
    await h?.stop();
    key.remove();
  });

  it('a. shows the evaluation license as the product does: Name, Count, Available, Expiry date, Status, and the licensee', async () => {
    await licensePage(admin);
    const [count, available, expiry, status] = await directAccessRow(admin);
    expect([count, available, status]).toEqual(['20', '19', 'Valid']);
    expect(expiry).toMatch(/^\d{4}-\d\d-\d\d$/);
    await admin.getByText('Evaluation (evaluation license)').waitFor();
    expect(await admin.getByRole('alert').count()).toBe(0);
  });

  it('b. once expired: a banner for the administrator and Direct Access dimmed with the reason; an upload lifts both at once', async () => {
    clock.advanceDays(31);
    await admin.reload();
    const banner = admin
      .getByRole('alert')
      .filter({ hasText: 'License expired: the Direct Access license expired on' });
    await banner.waitFor();
    await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Devices' }).click();
    await h.deviceReady(admin, 'PC-LICENSE', 'lisa');
    const dimmed = await instantMessagingItem(
      admin,
      'PC-LICENSE',
      /^Direct Access is not available: the Direct Access license expired on \d{4}-\d\d-\d\d: import a new one under License$/,
    );
    expect(await dimmed.getAttribute('aria-disabled')).toBe('true');
    await dimmed.focus();
    await admin.keyboard.press('Enter');
    expect(await admin.getByRole('region', { name: /^Chat with/ }).count()).toBe(0);
    await admin.keyboard.press('Escape');

    await banner.getByRole('link', { name: 'Go to License' }).click();
    await admin.getByRole('heading', { level: 1, name: 'License' }).waitFor();
    expect((await directAccessRow(admin))[3]).toBe('Expired');
    await admin.getByLabel('License file').setInputFiles({
      name: 'example.license',
      mimeType: 'application/json',
      buffer: Buffer.from(key.issue({ licensee: 'Example Corp', deviceLimit: 250 }, clock.now())),
    });
    await expect.poll(() => admin.getByLabel('License text').inputValue()).toContain('parley-license/1');
    await admin.getByRole('button', { name: 'Import license' }).click();
    await admin.getByRole('status').filter({ hasText: 'License imported.' }).waitFor();
    await admin.getByText('Example Corp', { exact: true }).waitFor();
    expect(await directAccessRow(admin)).toEqual(['250', '249', expect.stringMatching(/^\d{4}/), 'Valid']);
    await banner.waitFor({ state: 'detached' });

    await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Devices' }).click();
    const chat = await h.openChat(admin, 'PC-LICENSE', 'lisa');
    await chat.getByRole('textbox', { name: 'Message' }).waitFor();
  });

  it('c. a pasted file that does not verify is refused with the reason, and nothing changes', async () => {
    await licensePage(admin);
    const genuine = key.issue({ licensee: 'Pasted Ltd' }, clock.now());
    await admin.getByLabel('License text').fill(genuine.replace('Pasted Ltd', 'Pasted Lte'));
    await admin.getByRole('button', { name: 'Import license' }).click();
    await admin
      .getByRole('alert')
      .filter({ hasText: 'license refused: the signature does not match' })
      .waitFor();
    expect(await admin.getByText('Example Corp', { exact: true }).count()).toBe(1);
  });

  it('d. Expiring: the administrator sees a banner; an operator without settings.manage sees the license, no banner, and the upload dimmed with the reason', async () => {
    expect(
      (
        await h.api.request(
          'POST',
          '/api/license',
          key.issue({ days: 30, licensee: 'Short Term' }, clock.now()),
        )
      ).status,
    ).toBe(200);
    clock.advanceDays(16);
    await admin.reload();
    await admin
      .getByRole('status')
      .filter({ hasText: /License expiring: the Direct Access license expires on .* \(in 14 days\)/ })
      .waitFor();

    await h.addOperator({
      username: 'ivy',
      password: 'ivy-long-password',
      capabilities: ['instant-messaging'],
      deviceNames: ['PC-LICENSE'],
    });
    const ivy = await h.signIn(await h.newContext(), 'ivy', 'ivy-long-password');
    await h.deviceReady(ivy, 'PC-LICENSE', 'lisa');
    // Expiring is still valid: Instant Messaging is not dimmed.
    const item = await instantMessagingItem(ivy, 'PC-LICENSE');
    expect(await item.getAttribute('aria-disabled')).toBeNull();
    await ivy.keyboard.press('Escape');
    await licensePage(ivy);
    expect((await directAccessRow(ivy))[3]).toBe('Expiring');
    const reason = 'Importing a license needs the settings.manage capability.';
    expect(await ivy.getByLabel('License file').isDisabled()).toBe(true);
    await ivy.getByRole('textbox', { name: 'License text', description: reason }).waitFor();
    expect(await ivy.getByRole('button', { name: 'Import license', description: reason }).isDisabled()).toBe(
      true,
    );
    expect(await ivy.getByText(/License expiring/).count()).toBe(0);
    clock.reset();
  });
});
