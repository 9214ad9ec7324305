import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminScreen, chatWindow, Harness } from './support/harness.js';

const MARIA = { username: 'maria', displayName: 'Maria Jensen', password: 'maria-first-password' };
const NEW_PASSWORD = 'maria-second-password';

/** Sets one access right in the editor of the Access rights screen. */
async function setRight(
  page: Page,
  who: string,
  on: string,
  rights: Partial<Record<'Read' | 'Write' | 'Assign', 'Allow' | 'Deny' | 'Unset'>>,
): Promise<void> {
  const editor = page.getByRole('region', { name: 'Set an access right' });
  await editor.getByLabel('Who').selectOption({ label: who });
  await editor.getByLabel('On').selectOption({ label: on });
  for (const [right, setting] of Object.entries(rights)) await editor.getByLabel(right).selectOption(setting);
  await editor.getByRole('button', { name: 'Save access right' }).click();
  await editor.getByRole('status').filter({ hasText: 'Access right saved.' }).waitFor();
}

async function signInFails(h: Harness, username: string, password: string): Promise<void> {
  const page = await (await h.newContext()).newPage();
  await page.goto(h.url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
  await page.context().close();
}

/** Issue 8: the console's administration screens, driven as an administrator would, and what they change. */
describe('administration in the console', () => {
  let h: Harness;
  let admin: Page;
  let maria: Page;

  beforeAll(async () => {
    h = await Harness.start();
    await h.startAgent('PC-FRONT', 'fiona');
    await h.startAgent('PC-BACK', 'bruno');
    admin = await h.signIn();
    await h.deviceReady(admin, 'PC-FRONT', 'fiona');
    await h.deviceReady(admin, 'PC-BACK', 'bruno');
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('a. an administrator creates an operator and a group with instant-messaging, and grants it a device group', async () => {
    await adminScreen(admin, 'Operators');
    await admin.getByRole('button', { name: 'New operator' }).click();
    const create = admin.getByRole('dialog', { name: 'New operator' });
    await create.getByLabel('Username').fill(MARIA.username);
    await create.getByLabel('Display name').fill(MARIA.displayName);
    await create.getByLabel('Password').fill(MARIA.password);
    await create.getByRole('button', { name: 'Create operator' }).click();
    await admin.getByRole('heading', { level: 1, name: MARIA.displayName }).waitFor();
    expect(await admin.getByRole('checkbox', { name: 'instant-messaging' }).isChecked()).toBe(false);

    await adminScreen(admin, 'Operator groups');
    await admin.getByRole('button', { name: 'New operator group' }).click();
    const newGroup = admin.getByRole('dialog', { name: 'New operator group' });
    await newGroup.getByLabel('Name').fill('Front desk');
    await newGroup.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => newGroup.count()).toBe(0);
    const row = admin.getByRole('row', { name: /Front desk/ });
    await row.getByRole('button', { name: 'Edit' }).click();
    const group = admin.getByRole('dialog', { name: 'Operator group Front desk' });
    await group.getByRole('checkbox', { name: 'maria' }).check();
    await group.getByRole('button', { name: 'Save members' }).click();
    await group.getByRole('status').filter({ hasText: 'Members saved.' }).waitFor();
    await group.getByRole('checkbox', { name: 'instant-messaging' }).check();
    await group.getByRole('button', { name: 'Save capabilities' }).click();
    await group.getByRole('status').filter({ hasText: 'Capabilities saved.' }).waitFor();
    await group.getByRole('button', { name: 'Done' }).click();
    await row.getByRole('cell', { name: 'maria', exact: true }).waitFor();
    await row.getByRole('cell', { name: 'instant-messaging' }).waitFor();

    await adminScreen(admin, 'Device groups');
    await admin.getByRole('button', { name: 'New device group' }).click();
    const newDevices = admin.getByRole('dialog', { name: 'New device group' });
    await newDevices.getByLabel('Name').fill('Front PCs');
    await newDevices.getByRole('checkbox', { name: 'PC-FRONT' }).check();
    await newDevices.getByRole('button', { name: 'Create group' }).click();
    await admin
      .getByRole('row', { name: /Front PCs/ })
      .getByRole('cell', { name: '1 device' })
      .waitFor();
    // Choose devices starts from the group's devices as they are.
    await admin
      .getByRole('row', { name: /Front PCs/ })
      .getByRole('button', { name: 'Choose devices' })
      .click();
    const choose = admin.getByRole('dialog', { name: 'Devices of Front PCs' });
    await choose.getByRole('checkbox', { name: 'PC-FRONT' }).waitFor();
    expect(await choose.getByRole('checkbox', { name: 'PC-FRONT' }).isChecked()).toBe(true);
    expect(await choose.getByRole('checkbox', { name: 'PC-BACK' }).isChecked()).toBe(false);
    await choose.getByRole('button', { name: 'Cancel' }).click();

    await adminScreen(admin, 'Access rights');
    await setRight(admin, 'Front desk', 'Front PCs', { Read: 'Allow', Write: 'Allow' });
    const grant = admin.getByRole('row', { name: /operator group Front desk/ });
    await grant.getByRole('cell', { name: 'device group Front PCs' }).waitFor();
    expect(await grant.getByRole('cell', { name: 'Allow' }).count()).toBe(2);
  });

  it('b. the operator sees only the granted device, can chat on it, and no administration', async () => {
    maria = await h.signIn(await h.newContext(), MARIA.username, MARIA.password);
    await h.deviceReady(maria, 'PC-FRONT', 'fiona');
    expect(await maria.getByRole('row').filter({ hasText: 'PC-BACK' }).count()).toBe(0);
    expect(await maria.getByRole('link', { name: 'Administration' }).count()).toBe(0);

    await h.instantMessaging(maria, 'PC-FRONT');
    await chatWindow(maria, 'fiona', 'PC-FRONT').waitFor();

    // An address of a screen she lacks the capability for says which one.
    await maria.goto(`${h.url}/admin/audit`);
    await maria.getByRole('heading', { name: 'You need the audit.view capability' }).waitFor();
    await maria.goto(`${h.url}/devices`);
    await h.deviceReady(maria, 'PC-FRONT', 'fiona');
  });

  it('c. the effective-rights view shows a deny coming from a group, in words', async () => {
    await adminScreen(admin, 'Access rights');
    await setRight(admin, 'Front desk', 'PC-FRONT', { Write: 'Deny' });

    await adminScreen(admin, 'Effective rights');
    await admin.getByLabel('Operator', { exact: true }).selectOption({ label: 'maria' });
    await admin.getByLabel('Device', { exact: true }).selectOption({ label: 'PC-FRONT' });
    const rights = admin.getByRole('list', { name: 'Effective rights' });
    await rights.getByText('Write: denied via operator group Front desk on device PC-FRONT').waitFor();
    await rights.getByText('Read: allowed via operator group Front desk on device group Front PCs').waitFor();
    await rights.getByText('Assign: not granted (no grant applies)').waitFor();

    // The server refuses the chat now; the console says so.
    // Her chat there ended when Write was denied: the window says so (nobody closed it), and Close takes it away.
    await chatWindow(maria, 'fiona', 'PC-FRONT').getByText('The chat has ended.').waitFor();
    await maria.getByRole('button', { name: 'Close' }).first().click();
    await h.instantMessaging(maria, 'PC-FRONT');
    await maria.getByRole('alertdialog', { name: 'Cannot start the chat' }).waitFor();
    await maria.getByRole('alertdialog').getByRole('button', { name: 'OK' }).click();
  });

  it("d. the operator's inherited capability shows dimmed, with the group it comes from", async () => {
    await adminScreen(admin, 'Operators');
    const row = admin.getByRole('row', { name: /maria/ });
    await row.getByRole('cell', { name: 'Front desk', exact: true }).waitFor();
    await row.getByRole('link', { name: 'maria' }).click();
    await admin.getByRole('heading', { level: 1, name: MARIA.displayName }).waitFor();
    const inherited = admin.getByRole('checkbox', {
      name: 'instant-messaging',
      description: /from group Front desk/,
    });
    expect(await inherited.isChecked()).toBe(true);
    expect(await inherited.isDisabled()).toBe(true);
    expect(
      await inherited.evaluate((box) => box.closest('.check')?.classList.contains('check--dimmed')),
    ).toBe(true);
    // Her own capabilities stay editable.
    expect(await admin.getByRole('checkbox', { name: 'audit.view' }).isDisabled()).toBe(false);
  });

  it('e. the audit page lists the changes, filters by action, and exports the same rows as CSV', async () => {
    await adminScreen(admin, 'Audit log');
    const log = admin.getByRole('table', { name: 'Audit log' });
    for (const action of [
      'operator.create',
      'operator_group.create',
      'operator_group.members',
      'access_right.set',
    ])
      await log.getByRole('cell', { name: action, exact: true }).first().waitFor();

    await admin.getByLabel('What').fill('operator_group.members');
    await admin.getByRole('button', { name: 'Apply filters' }).click();
    await expect
      .poll(async () => [...new Set(await log.locator('tbody td:nth-child(3)').allTextContents())])
      .toEqual(['operator_group.members']);

    const csvLink = admin.getByRole('link', { name: 'Export CSV' });
    const csvPath = (await csvLink.getAttribute('href')) ?? '';
    expect(csvPath).toContain('format=csv');
    expect(csvPath).toContain('action=operator_group.members');
    const csv = await admin.request.get(`${h.url}${csvPath}`);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,action,target,address,details');
    expect(lines.slice(1).every((line) => line.includes(',"operator_group.members",'))).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
  });

  it('f. the operator ends another of her sessions and changes her password; the old one is refused', async () => {
    const elsewhere = await h.signIn(await h.newContext(), MARIA.username, MARIA.password);
    await maria.getByRole('link', { name: 'Account' }).click();
    await maria.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
    const sessions = maria.getByRole('table', { name: 'Your sessions' });
    await expect.poll(() => sessions.locator('tbody tr').count()).toBe(2);
    await sessions.getByRole('row', { name: /This session/ }).waitFor();
    await sessions.getByRole('button', { name: 'End' }).click();
    await expect.poll(() => sessions.locator('tbody tr').count()).toBe(1);
    await elsewhere.reload();
    await elsewhere.getByRole('button', { name: 'Sign in' }).waitFor();

    await maria.getByLabel('Current password').fill('not her password');
    await maria.getByLabel('New password').fill(NEW_PASSWORD);
    await maria.getByRole('button', { name: 'Change password' }).click();
    await maria.getByRole('alert').waitFor();
    await maria.getByLabel('Current password').fill(MARIA.password);
    await maria.getByLabel('New password').fill(NEW_PASSWORD);
    await maria.getByRole('button', { name: 'Change password' }).click();
    await maria.getByRole('status').filter({ hasText: 'Your password was changed' }).waitFor();

    await signInFails(h, MARIA.username, MARIA.password);
    const again = await h.signIn(await h.newContext(), MARIA.username, NEW_PASSWORD);
    await again.getByRole('heading', { name: 'Devices' }).waitFor();
  });

  it('g. without instant-messaging, the Actions menu shows Instant Messaging dimmed and says why', async () => {
    await h.addOperator({ username: 'otto', password: 'otto-long-password', deviceNames: ['PC-BACK'] });
    const otto = await h.signIn(await h.newContext(), 'otto', 'otto-long-password');
    await h.deviceReady(otto, 'PC-BACK', 'bruno');
    await otto
      .getByRole('row')
      .filter({ hasText: 'PC-BACK' })
      .getByRole('button', { name: 'Actions' })
      .click();
    await otto.getByRole('menuitem', { name: 'Direct Access' }).click();
    const item = otto.getByRole('menuitem', {
      name: 'Instant Messaging',
      description: 'Needs the instant-messaging capability',
    });
    expect(await item.getAttribute('aria-disabled')).toBe('true');
    // Playwright does not click what is aria-disabled; Enter on it is what a person can still do.
    await item.focus();
    await otto.keyboard.press('Enter');
    // Nothing starts: the menu stays open and no chat window or refusal shows.
    expect(await item.isVisible()).toBe(true);
    expect(await otto.getByRole('region', { name: /^Chat with/ }).count()).toBe(0);
    expect(await otto.getByRole('link', { name: 'Administration' }).count()).toBe(0);
  });
});
