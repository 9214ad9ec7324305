import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe } from './support/browser.js';
import { adminScreen, Harness } from './support/harness.js';

/** Issue 9: a device's page (details, rename, credential, removal) and the enrollment tokens screen. */
describe('managing devices in the console', () => {
  let h: Harness;
  let admin: Page;

  beforeAll(async () => {
    h = await Harness.start();
    await h.startAgent('PC-DETAIL', 'dora');
    await h.startAgent('PC-KEEP', 'karl');
    admin = await h.signIn();
    await h.deviceReady(admin, 'PC-DETAIL', 'dora');
    await h.deviceReady(admin, 'PC-KEEP', 'karl');
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function deviceNames(): Promise<string[]> {
    return (await h.services.devices.list()).map((device) => device.name);
  }

  it('the device page shows what the agent reports and how the device was enrolled', async () => {
    await admin.getByRole('link', { name: 'PC-DETAIL' }).click();
    await admin.getByRole('heading', { level: 1, name: 'PC-DETAIL' }).waitFor();
    const details = admin.getByRole('region', { name: 'Details' });
    const fact = (term: string) => details.locator('.facts__row', { hasText: term }).locator('dd');
    expect(await fact('Status').textContent()).toBe('Online');
    expect(await fact('Logged-on users').textContent()).toBe('dora');
    expect(await fact('Host name').textContent()).toBe('PC-DETAIL');
    expect(await fact('Agent version').textContent()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await fact('Address').textContent()).toMatch(/127\.0\.0\.1|::1/);
    expect(await fact('Enrolled').textContent()).toMatch(/ by admin$/);
    expect(await admin.getByRole('region', { name: 'Credential' }).textContent()).toContain('Active');
    expect(await axe(admin)).toEqual([]);
  });

  it('renames the device: the new name shows on its page and in the list, and the agent does not change it back', async () => {
    const name = admin.getByRole('region', { name: 'Name' });
    await name.getByLabel('Device name').fill('Reception desk');
    await name.getByRole('button', { name: 'Rename' }).click();
    await name.getByRole('status').filter({ hasText: 'Renamed.' }).waitFor();
    await admin.getByRole('heading', { level: 1, name: 'Reception desk' }).waitFor();
    await admin.getByRole('link', { name: 'Devices' }).first().click();
    await admin.getByRole('link', { name: 'Reception desk' }).waitFor();
    // The agent reconnects and reports its host name: the operator's name stays.
    const online = async () =>
      (await h.services.devices.list()).find((d) => d.name === 'Reception desk')?.online;
    await h.agent('PC-DETAIL').kill();
    await expect.poll(online).toBe(false);
    h.agent('PC-DETAIL').restart();
    await expect.poll(online).toBe(true);
    expect(await deviceNames()).not.toContain('PC-DETAIL');
  });

  it('an operator without devices.manage sees the actions dimmed with the reason, and nothing happens', async () => {
    await h.addOperator({
      username: 'viewer',
      password: 'viewer password 1',
      capabilities: ['instant-messaging'],
      deviceNames: ['PC-KEEP'],
    });
    const viewer = await h.signIn(undefined, 'viewer', 'viewer password 1');
    await viewer.getByRole('link', { name: 'PC-KEEP' }).click();
    await viewer.getByRole('heading', { level: 1, name: 'PC-KEEP' }).waitFor();
    const remove = viewer.getByRole('button', { name: 'Remove device' });
    expect(await remove.getAttribute('aria-disabled')).toBe('true');
    expect(await remove.evaluate((button) => button.getAttribute('aria-describedby'))).toBeTruthy();
    const describedBy = (await remove.getAttribute('aria-describedby')) ?? '';
    expect(await viewer.locator(`[id="${describedBy}"]`).textContent()).toBe(
      'Needs the devices.manage capability',
    );
    // Playwright will not click what says it is disabled; a keyboard user can still press it.
    await remove.focus();
    await viewer.keyboard.press('Enter');
    expect(await viewer.getByRole('alertdialog').count()).toBe(0);
    expect(await deviceNames()).toContain('PC-KEEP');
    expect(await axe(viewer)).toEqual([]);
    await viewer.context().close();
  });

  it('removes the device: its agent is cut off, it leaves the list, and its page is gone', async () => {
    await admin.getByRole('link', { name: 'Reception desk' }).click();
    await admin.getByRole('button', { name: 'Remove device' }).click();
    const confirm = admin.getByRole('alertdialog', { name: 'Remove Reception desk?' });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
    await expect.poll(() => admin.getByRole('link', { name: 'Reception desk' }).count()).toBe(0);
    expect(await admin.getByRole('link', { name: 'PC-KEEP' }).count()).toBe(1);
    expect(await deviceNames()).not.toContain('Reception desk');
    await admin.goBack();
    await admin.getByRole('alert').filter({ hasText: 'no such device' }).waitFor();
  });

  it('the enrollment tokens screen makes a token for a rollout, counts its uses and revokes it', async () => {
    await adminScreen(admin, 'Enrollment tokens');
    await admin.getByRole('button', { name: 'New enrollment token' }).click();
    const form = admin.getByRole('dialog', { name: 'New enrollment token' });
    await form.getByLabel('Label').fill('Floor 3 rollout');
    await form.getByLabel('Devices it may enroll').fill('5');
    await form.getByRole('button', { name: 'Create token' }).click();
    const shown = admin.getByRole('dialog', { name: 'Enrollment token' });
    await shown.getByText('works for 5 devices').waitFor();
    const command = (await shown.locator('code', { hasText: /^parley-agent enroll/ }).textContent()) ?? '';
    expect(command).toMatch(/--token -$/);
    const token = (await shown.locator('.enroll__step').first().locator('code').textContent()) ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(await axe(admin)).toEqual([]);
    await shown.getByRole('button', { name: 'Done' }).click();

    const enrolled = await h.services.devices.enroll(token, 'PC-ROLLOUT-1', 'linux');
    expect(enrolled).not.toBeNull();
    await admin.reload();
    const row = admin.getByRole('row', { name: /Floor 3 rollout/ });
    await row.getByRole('cell', { name: '1 of 5' }).waitFor();
    await row.getByRole('button', { name: 'Revoke' }).click();
    await admin
      .getByRole('alertdialog', { name: 'Revoke Floor 3 rollout?' })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await row.getByRole('cell', { name: 'Revoked' }).waitFor();
    expect(await h.services.devices.enroll(token, 'PC-ROLLOUT-2', 'linux')).toBeNull();
  });
});
