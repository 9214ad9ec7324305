/**
 * Takes the README's screenshots with the real server, a real agent and Chromium:
 * `npm run build && npx tsx e2e/screenshots.ts` writes docs/screenshots/*.png.
 */
import { fileURLToPath } from 'node:url';
import { DEFAULT_RECORDING_SETTINGS } from '@parley/protocol';
import { ADMIN_PASSWORD, ApiClient, startTestServer } from '../packages/server/test/support/server.js';
import { AgentProcess } from './support/agentProcess.js';
import { launchChromium } from './support/browser.js';
import { endChat } from './support/harness.js';

const out = (name: string) => fileURLToPath(new URL(`../docs/screenshots/${name}.png`, import.meta.url));

const server = await startTestServer();
const api = new ApiClient(server.url);
await api.login();
const token = async () => (await api.request('POST', '/api/enrollment-tokens')).body.token as string;
// The chat in the pictures is recorded, so the recordings browser has one to show.
await api.request('PUT', '/api/settings/recording', { ...DEFAULT_RECORDING_SETTINGS, enabled: true });
const agents = [
  await AgentProcess.start(server.url, await token(), 'FINANCE-LT-042', 'maria.garcia'),
  await AgentProcess.start(server.url, await token(), 'RECEPTION-PC', null),
];
const browser = await launchChromium();
try {
  const console = await (await browser.newContext({ viewport: { width: 1280, height: 760 } })).newPage();
  await console.goto(server.url);
  await console.getByLabel('Username').waitFor();
  await console.screenshot({ path: out('sign-in') });
  await console.getByLabel('Username').fill('admin');
  await console.getByLabel('Password').fill(ADMIN_PASSWORD);
  await console.getByRole('button', { name: 'Sign in' }).click();
  await console.getByRole('row').filter({ hasText: 'maria.garcia' }).waitFor();
  await console
    .getByRole('row')
    .filter({ hasText: 'RECEPTION-PC' })
    .getByText(/online/i)
    .waitFor();

  const openChat = async (device: string) => {
    const row = console.getByRole('row').filter({ hasText: device });
    await row.getByRole('button', { name: 'Actions' }).click();
    await console.getByRole('menuitem', { name: 'Direct Access' }).click();
    await console.getByRole('menuitem', { name: 'Instant Messaging' }).hover();
    await console.screenshot({ path: out('actions-menu') });
    await console.getByRole('menuitem', { name: 'Instant Messaging' }).click();
  };

  await openChat('RECEPTION-PC');
  await console.getByRole('alertdialog').waitFor();
  await console.screenshot({ path: out('nobody-logged-on') });
  await console.getByRole('alertdialog').getByRole('button').first().click();

  await openChat('FINANCE-LT-042');
  const window = console.getByRole('region', { name: 'Chat with maria.garcia on FINANCE-LT-042' });
  await window.waitFor();
  for (let i = 0; i < 50 && (agents[0]?.openedUrls().length ?? 0) === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  const endUser = await (await browser.newContext({ viewport: { width: 520, height: 640 } })).newPage();
  await endUser.goto(agents[0]?.openedUrls()[0] ?? '');
  await window.getByText('maria.garcia joined the chat').waitFor();

  const say = async (page: typeof console, scope: ReturnType<typeof console.getByRole>, text: string) => {
    await scope.getByRole('textbox', { name: 'Message' }).fill(text);
    await scope.getByRole('button', { name: 'Send' }).click();
    await page.getByText(text).last().waitFor();
  };
  const endUserMain = endUser.locator('body');
  await say(console, window, 'Hi Maria, this is the help desk. I saw your ticket about the VPN.');
  await say(endUser, endUserMain, 'Hi! It keeps asking for my password and then disconnects.');
  await say(console, window, 'Thanks. Which network are you on right now: office Wi-Fi or home?');
  await say(endUser, endUserMain, 'Home, on the laptop.');
  await endUser.getByText('Home, on the laptop.').waitFor();
  await window.getByText('Home, on the laptop.').waitFor();
  await console.screenshot({ path: out('console-chat') });
  await endUser.screenshot({ path: out('end-user-page') });

  // Administration: a few operators, a group with a capability and a deny, as an administrator would set them up.
  const created = async (path: string, body: unknown) =>
    (await api.request('POST', path, body)).body.id as string;
  const devices = (await api.request('GET', '/api/devices')).body as unknown as {
    id: string;
    name: string;
  }[];
  const finance = devices.find((device) => device.name === 'FINANCE-LT-042')?.id ?? '';
  const maria = await created('/api/operators', {
    username: 'maria',
    displayName: 'Maria Jensen',
    password: 'screenshot-password',
  });
  await created('/api/operators', {
    username: 'tom',
    displayName: 'Tom Okafor',
    password: 'screenshot-password',
  });
  await api.request('PUT', `/api/operators/${maria}/capabilities`, { capabilities: ['audit.view'] });
  const frontDesk = await created('/api/operator-groups', { name: 'Front desk' });
  await api.request('PUT', `/api/operator-groups/${frontDesk}/members`, { operatorIds: [maria] });
  await api.request('PUT', `/api/operator-groups/${frontDesk}/capabilities`, {
    capabilities: ['instant-messaging', 'recordings.view'],
  });
  const laptops = await created('/api/device-groups', {
    name: 'Finance laptops',
    rule: { namePattern: 'FINANCE-*' },
  });
  await api.request('PUT', '/api/access-rights', {
    operatorGroupId: frontDesk,
    deviceGroupId: laptops,
    read: 'allow',
    write: 'allow',
  });
  await api.request('PUT', '/api/access-rights', {
    operatorGroupId: frontDesk,
    deviceId: finance,
    write: 'deny',
  });

  // The chat's pictures are taken: its window goes, so it covers none of the administration screens.
  await endChat(window);
  await window.waitFor({ state: 'detached' });
  // Each click leaves the pointer off the page, so no hover shows in the pictures.
  const go = async (link: string) => {
    await console.getByRole('link', { name: link, exact: true }).click();
    await console.mouse.move(0, 740);
  };
  await go('Administration');
  await console.getByRole('row', { name: /Maria Jensen/ }).waitFor();
  await console.screenshot({ path: out('operators') });
  await go('maria');
  await console.getByRole('checkbox', { name: 'instant-messaging' }).waitFor();
  await console.screenshot({ path: out('operator'), fullPage: true });
  await go('Effective rights');
  await console.getByLabel('Operator', { exact: true }).selectOption({ label: 'maria' });
  await console.getByLabel('Device', { exact: true }).selectOption({ label: 'FINANCE-LT-042' });
  await console.getByText(/^Write: denied via/).waitFor();
  await console.screenshot({ path: out('effective-rights') });
  await go('Audit log');
  await console.getByRole('table', { name: 'Audit log' }).waitFor();
  await console.screenshot({ path: out('audit-log') });
  await api.request('POST', '/api/enrollment-tokens', {
    label: 'Finance laptops rollout',
    maxUses: 40,
    expiresInHours: 72,
  });
  await go('Enrollment tokens');
  await console.getByRole('row', { name: /Finance laptops rollout/ }).waitFor();
  await console.screenshot({ path: out('enrollment-tokens') });
  await go('License');
  await console.getByRole('heading', { level: 1, name: 'License' }).waitFor();
  await console.screenshot({ path: out('license'), fullPage: true });
  await go('Devices');
  await go('FINANCE-LT-042');
  await console.getByRole('region', { name: 'Details' }).waitFor();
  await console.screenshot({ path: out('device'), fullPage: true });
  await go('Past conversations');
  const recording = console.getByRole('link', { name: /^Chat with maria\.garcia on FINANCE-LT-042/ });
  await recording.waitFor();
  await console.screenshot({ path: out('recordings') });
  await recording.click();
  await console.getByRole('list', { name: 'Transcript' }).waitFor();
  await console.mouse.move(0, 740);
  await console.screenshot({ path: out('recording'), fullPage: true });
} finally {
  await browser.close();
  await Promise.all(agents.map((a) => a.stop()));
  await server.stop();
}
