import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from './support/agentProcess.js';
import { adminScreen, Harness, say } from './support/harness.js';

const NOTICE = 'Chats with {organization} are kept for 30 days to improve our service.';
const SHOWN = 'Chats with Acme Corp are kept for 30 days to improve our service.';

/** Issue 10: Administration → Recording, and what the end user is told before the first message. */
describe('recording settings', () => {
  let h: Harness;
  let agent: AgentProcess;
  let admin: Page;

  beforeAll(async () => {
    h = await Harness.start({ organization: 'Acme Corp' });
    agent = await h.startAgent('ACME-REC-1', 'ravi');
    admin = await h.signIn();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('a. an administrator turns recording on for every conversation, with retention and a notice of their own', async () => {
    await admin
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Administration' })
      .click();
    await admin
      .getByRole('navigation', { name: 'Administration' })
      .getByRole('link', { name: 'Recording' })
      .click();
    await admin.getByRole('heading', { level: 1, name: 'Recording' }).waitFor();
    await admin.getByRole('checkbox', { name: /Record conversations/ }).check();
    await admin.getByRole('radio', { name: 'Every conversation' }).check();
    await admin.getByLabel('Keep for (days)').fill('30');
    expect(await admin.getByRole('checkbox', { name: /Tell the end user/ }).isChecked()).toBe(true);
    await admin.getByLabel('Notice').fill(NOTICE);
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await admin.getByRole('status').filter({ hasText: 'Recording settings saved.' }).waitFor();
    expect((await h.api.request('GET', '/api/settings/recording')).body).toMatchObject({
      enabled: true,
      scope: 'all',
      retentionDays: 30,
      notifyEndUser: true,
      noticeText: NOTICE,
      recordEvents: true,
    });
    const audit = await h.api.request('GET', '/api/audit?action=recording.settings');
    expect((audit.body.entries as unknown as { actor: string }[])[0]).toMatchObject({ actor: 'admin' });
    // After a reload the page shows what the server holds.
    await admin.reload();
    expect(await admin.getByLabel('Keep for (days)').inputValue()).toBe('30');
    expect(await admin.getByLabel('Notice').inputValue()).toBe(NOTICE);
  });

  it("P-32: b. the end-user page shows the administrator's notice before the first message", async () => {
    await admin.goto(`${h.url}/devices`);
    const window = await h.openChat(admin, 'ACME-REC-1', 'ravi');
    const endUser = await h.endUserPage(agent);
    const notice = endUser.getByText(SHOWN);
    await notice.waitFor();
    const log = endUser.getByRole('log');
    expect(await log.getByText('Hello Ravi').count()).toBe(0);
    await window.getByRole('log').getByText('ravi joined the chat').waitFor();
    await say(window, 'Hello Ravi');
    await log.getByText('Hello Ravi').waitFor();
    // The notice stays above the conversation.
    const noticeFirst = await notice.evaluate((element) => {
      const logElement = document.querySelector('[role="log"]');
      return (
        logElement !== null &&
        (element.compareDocumentPosition(logElement) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0
      );
    });
    expect(noticeFirst).toBe(true);
  });

  it('c. an operator without settings.manage has no Recording screen: its address says which capability it needs', async () => {
    await h.addOperator({
      username: 'auditor',
      password: 'auditor password 1',
      capabilities: ['audit.view'],
    });
    const auditor = await h.signIn(await h.newContext(), 'auditor', 'auditor password 1');
    await adminScreen(auditor, 'Audit log');
    const nav = auditor.getByRole('navigation', { name: 'Administration' });
    expect(await nav.getByRole('link', { name: 'Recording' }).count()).toBe(0);
    await auditor.goto(`${h.url}/admin/recording`);
    await auditor.getByRole('heading', { name: 'You need the settings.manage capability' }).waitFor();
  });
});
