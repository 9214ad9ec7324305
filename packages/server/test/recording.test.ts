import { DEFAULT_RECORDING_SETTINGS, type RecordingSettings } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/ids.js';
import type { Operator } from '../src/operators/operator.js';
import { rawSql, type TempDatabase, tempPostgres } from './support/databases.js';
import { TestClock } from './support/licenses.js';
import {
  ApiClient,
  addOperator,
  connectRawAgent,
  operatorClient,
  operatorNamed,
  startTestServer,
  type TestServer,
  useTestServer,
} from './support/server.js';

const implementations: [string, boolean][] = [
  ['SQLite', false],
  ['PostgreSQL', true],
];

type Suite = { readonly server: TestServer; readonly api: ApiClient };

async function putSettings(api: ApiClient, settings: Partial<RecordingSettings>) {
  const answer = await api.request('PUT', '/api/settings/recording', {
    ...DEFAULT_RECORDING_SETTINGS,
    ...settings,
  });
  expect(answer.status).toBe(200);
  return answer.body as unknown as RecordingSettings;
}

/** A device online with `user` logged on; a chat `operator` opens on it now. */
async function deviceOf(suite: Suite, name: string, user = 'bob'): Promise<string> {
  return (await connectRawAgent(suite.server, suite.api, [user], name)).deviceId;
}

async function open(suite: Suite, operator: Operator, deviceId: string): Promise<string> {
  const opened = await suite.server.services.chats.open(operator, deviceId);
  if (!opened.ok) throw new Error(opened.error);
  return opened.chatId;
}

async function recorded(suite: Suite, chatId: string): Promise<boolean | undefined> {
  return (await suite.server.store.chats.find(chatId))?.recorded;
}

async function say(suite: Suite, chatId: string, operator: Operator, text: string) {
  const sent = await suite.server.services.chats.send(chatId, { kind: 'operator', operator }, uuidv7(), text);
  if (!sent.ok) throw new Error(sent.message);
  return sent.value;
}

async function closeChat(suite: Suite, chatId: string, operator: Operator) {
  await suite.server.services.chats.close(chatId, { kind: 'operator', operator });
}

async function auditRows(api: ApiClient, action: string) {
  const page = await api.request('GET', `/api/audit?action=${action}`);
  return page.body.entries as unknown as {
    actor: string;
    action: string;
    details: Record<string, unknown>;
  }[];
}

/** Issue 10: the recording settings and the recorder, on the real server with a real database. */
describe.each(implementations)('recording on %s', (_name, postgres) => {
  const suite = useTestServer({ postgres });
  let admin: Operator;
  beforeAll(async () => {
    admin = await operatorNamed(suite.server, 'admin');
  });

  it('answers the settings, takes the five keys alone (the rest stays), audits each change, needs settings.manage', async () => {
    expect((await suite.api.request('GET', '/api/settings/recording')).body).toEqual(
      DEFAULT_RECORDING_SETTINGS,
    );
    await putSettings(suite.api, { noticeText: 'Kept by IT.', maxRecordings: 50 });
    const stable = await suite.api.request('PUT', '/api/settings/recording', {
      enabled: false,
      scope: { deviceGroupIds: [] },
      retentionDays: 30,
      notifyEndUser: true,
      recordEvents: false,
    });
    expect(stable.body).toMatchObject({
      scope: { deviceGroupIds: [] },
      retentionDays: 30,
      recordEvents: false,
      noticeText: 'Kept by IT.',
      maxRecordings: 50,
    });
    expect((await suite.api.request('GET', '/api/settings/recording')).body).toEqual(stable.body);
    const bad = await suite.api.request('PUT', '/api/settings/recording', { enabled: 'yes' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    const [last] = await auditRows(suite.api, 'recording.settings');
    expect(last).toMatchObject({
      actor: 'admin',
      details: { before: { retentionDays: null }, after: { retentionDays: 30, recordEvents: false } },
    });

    const viewer = await operatorClient(suite.server, {
      username: 'no-settings',
      password: 'no settings password',
      capabilities: ['audit.view'],
    });
    expect((await viewer.request('GET', '/api/settings/recording')).status).toBe(403);
    const refused = await viewer.request('PUT', '/api/settings/recording', DEFAULT_RECORDING_SETTINGS);
    expect(refused).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(await auditRows(suite.api, 'recording.settings')).toHaveLength(2);
  });

  it('records chats on devices of the chosen groups: below a chosen group, and in a dynamic one', async () => {
    const parent = (await suite.api.request('POST', '/api/device-groups', { name: 'Offices' })).body
      .id as string;
    const child = (await suite.api.request('POST', '/api/device-groups', { name: 'Paris', parentId: parent }))
      .body.id as string;
    const dynamic = (
      await suite.api.request('POST', '/api/device-groups', {
        name: 'Kiosks',
        rule: { namePattern: 'KIOSK-*' },
      })
    ).body.id as string;
    const nested = await deviceOf(suite, 'PARIS-01');
    await suite.api.request('PUT', `/api/device-groups/${child}/devices`, { deviceIds: [nested] });
    const kiosk = await deviceOf(suite, 'KIOSK-01');
    const outside = await deviceOf(suite, 'LAB-01');
    await expect
      .poll(async () => (await suite.server.store.rights.groupsOfDevice(kiosk)).includes(dynamic))
      .toBe(true);
    await putSettings(suite.api, { enabled: true, scope: { deviceGroupIds: [parent, dynamic] } });
    expect(await recorded(suite, await open(suite, admin, nested))).toBe(true);
    expect(await recorded(suite, await open(suite, admin, kiosk))).toBe(true);
    expect(await recorded(suite, await open(suite, admin, outside))).toBe(false);
  });

  it('records the chats of chosen operators and of the members of chosen operator groups', async () => {
    const deviceId = await deviceOf(suite, 'PC-OPS');
    const operator = (username: string) =>
      addOperator(suite.server, {
        username,
        password: `${username} password 123`,
        capabilities: ['instant-messaging'],
        devices: [deviceId],
      });
    const chosen = await operator('chosen');
    const member = await operator('member');
    const other = await operator('other');
    const group = (await suite.api.request('POST', '/api/operator-groups', { name: 'Tier 1' })).body
      .id as string;
    await suite.api.request('PUT', `/api/operator-groups/${group}/members`, { operatorIds: [member.id] });
    await putSettings(suite.api, {
      enabled: true,
      scope: { operatorIds: [chosen.id], operatorGroupIds: [group] },
    });
    expect(await recorded(suite, await open(suite, chosen, deviceId))).toBe(true);
    expect(
      await recorded(suite, await open(suite, await operatorNamed(suite.server, 'member'), deviceId)),
    ).toBe(true);
    expect(await recorded(suite, await open(suite, other, deviceId))).toBe(false);
  });

  it('P-32: fixes the recorded flag and the notice when a chat opens: turned off mid-chat it stays recorded, the next chat is not and goes at close', async () => {
    await putSettings(suite.api, { enabled: true, scope: 'all', notifyEndUser: true, noticeText: null });
    const deviceId = await deviceOf(suite, 'PC-MIDWAY', 'una');
    const first = await open(suite, admin, deviceId);
    const info = await suite.server.services.chats.history(first, { kind: 'device', deviceId }, 0);
    expect(info.ok && info.value.info).toMatchObject({
      recorded: true,
      recordingNotice: 'This conversation is recorded by IT Help Desk.',
    });
    await putSettings(suite.api, { enabled: false });
    await say(suite, first, admin, 'said after recording was turned off');
    expect(await recorded(suite, first)).toBe(true);
    await closeChat(suite, first, admin);
    expect((await suite.server.store.chats.entriesAfter(first, 0, 10)).map((e) => e.kind)).toEqual([
      'event',
      'message',
      'event',
    ]);

    const second = await open(suite, admin, deviceId);
    expect(await recorded(suite, second)).toBe(false);
    const history = await suite.server.services.chats.history(second, { kind: 'device', deviceId }, 0);
    expect(history.ok && history.value.info.recordingNotice).toBeUndefined();
    await say(suite, second, admin, 'not recorded');
    expect(await suite.server.store.chats.entriesAfter(second, 0, 10)).toHaveLength(2);
    await closeChat(suite, second, admin);
    expect(await suite.server.store.chats.entriesAfter(second, 0, 10)).toEqual([]);
  });

  it('keeps the events with their times only when recordEvents is on; tells the end user only when notifyEndUser is', async () => {
    const deviceId = await deviceOf(suite, 'PC-EVENTS', 'eve');
    for (const recordEvents of [true, false]) {
      await putSettings(suite.api, { enabled: true, recordEvents, notifyEndUser: false });
      const chatId = await open(suite, admin, deviceId);
      expect((await suite.server.store.chats.find(chatId))?.recordingNotice).toBeNull();
      await suite.server.services.chats.endUserPresence(chatId, deviceId, false);
      await suite.server.services.chats.endUserPresence(chatId, deviceId, true);
      await say(suite, chatId, admin, `events ${recordEvents}`);
      await closeChat(suite, chatId, admin);
      const kept = await suite.server.store.chats.entriesAfter(chatId, 0, 10);
      expect(kept.map((e) => (e.kind === 'event' ? e.event : e.kind))).toEqual(
        recordEvents
          ? ['chat_opened', 'end_user_disconnected', 'end_user_connected', 'message', 'chat_closed']
          : ['message'],
      );
      for (const entry of kept) expect(Date.parse(entry.at)).not.toBeNaN();
    }
  });

  it('commits concurrent sends together: N messages take fewer than N commits, each stored once', async () => {
    await putSettings(suite.api, { enabled: true, scope: 'all' });
    const deviceId = await deviceOf(suite, 'PC-BATCH', 'bea');
    const chatId = await open(suite, admin, deviceId);
    const before = await batchMetric(suite);
    const sent = await Promise.all(Array.from({ length: 40 }, (_, i) => say(suite, chatId, admin, `m${i}`)));
    const after = await batchMetric(suite);
    expect(after.sum - before.sum).toBe(40);
    expect(after.count - before.count).toBeLessThan(40);
    expect(new Set(sent.map((s) => s.seq)).size).toBe(40);
    expect(await suite.server.store.chats.entriesAfter(chatId, 0, 100)).toHaveLength(41);
  });

  it('P-33: a message the database refuses fails alone, with a clear error; the others of its batch are stored', async () => {
    const deviceId = await deviceOf(suite, 'PC-POISON', 'pat');
    const chatId = await open(suite, admin, deviceId);
    // A real refusal by the database for one text, whichever batch it lands in.
    await rawSql(
      suite.server.database.location,
      postgres
        ? ["alter table chat_entries add constraint no_poison check (text is null or text <> 'poison')"]
        : [
            "create trigger no_poison before insert on chat_entries when new.text = 'poison' begin select raise(abort, 'poison refused'); end",
          ],
    );
    try {
      const actor = { kind: 'operator', operator: admin } as const;
      const texts = Array.from({ length: 30 }, (_, i) => (i === 10 ? 'poison' : `fine ${i}`));
      const clientIds = texts.map(() => uuidv7());
      // Sent in one turn of the event loop: one batch.
      const results = await Promise.all(
        texts.map((text, i) => suite.server.services.chats.send(chatId, actor, clientIds[i] ?? '', text)),
      );
      const failed = results.flatMap((r, i) => (r.ok ? [] : [{ r, i }]));
      expect(failed.map(({ i }) => i)).toEqual([10]);
      expect(failed[0]?.r).toMatchObject({ ok: false, code: 'internal', message: /not stored/ });
      const stored = (await suite.server.store.chats.entriesAfter(chatId, 0, 100)).filter(
        (e) => e.kind === 'message',
      );
      // Sent side by side, they are stored in whichever order they came in.
      expect(stored.map((e) => (e.kind === 'message' ? e.text : '')).sort()).toEqual(
        texts.filter((text) => text !== 'poison').sort(),
      );
    } finally {
      await rawSql(
        suite.server.database.location,
        postgres ? ['alter table chat_entries drop constraint no_poison'] : ['drop trigger no_poison'],
      );
    }
  });
});

/** The histogram parley_commit_batch_size as /metrics shows it. */
async function batchMetric(suite: Suite): Promise<{ count: number; sum: number }> {
  const text = await (await fetch(`${suite.server.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');
  return { count: value('parley_commit_batch_size_count'), sum: value('parley_commit_batch_size_sum') };
}

describe.each(implementations)('recording retention on %s', (_name, postgres) => {
  const clock = new TestClock();
  const suite = useTestServer({ postgres, recordingClock: clock.now });
  let admin: Operator;
  let deviceId: string;
  beforeAll(async () => {
    admin = await operatorNamed(suite.server, 'admin');
    deviceId = await deviceOf(suite, 'PC-KEPT', 'kim');
    await putSettings(suite.api, { enabled: true });
  });

  /** A closed recorded chat with one message of `text`. */
  async function recording(text: string): Promise<string> {
    const chatId = await open(suite, admin, deviceId);
    await say(suite, chatId, admin, text);
    await closeChat(suite, chatId, admin);
    return chatId;
  }
  const exists = async (chatId: string) => (await suite.server.store.chats.find(chatId)) !== undefined;
  const lock = (chatId: string) =>
    rawSql(suite.server.database.location, [
      `update chats set locked_at = '${new Date().toISOString()}' where id = '${chatId}'`,
    ]);
  const purged = async () => {
    await suite.server.services.recording.purge();
    return auditRows(suite.api, 'recording.purge');
  };

  it('removes recordings older than the retention days at the clock of the purge, never a locked one, and audits it', async () => {
    const [old, locked] = [await recording('old'), await recording('locked')];
    await lock(locked);
    await putSettings(suite.api, { enabled: true, retentionDays: 3 });
    clock.advanceDays(2);
    await purged();
    expect([await exists(old), await exists(locked)]).toEqual([true, true]);
    clock.advanceDays(2);
    const [row] = await purged();
    expect(await exists(old)).toBe(false);
    expect(await exists(locked)).toBe(true);
    expect(row).toMatchObject({
      actor: 'system',
      details: { removed: 1, chatIds: [old], reasons: { age: 1, count: 0, size: 0 } },
    });
  });

  it('keeps at most a count, then at most a size: the oldest unlocked go first; keep forever keeps all', async () => {
    clock.reset();
    await putSettings(suite.api, { enabled: true, retentionDays: null });
    const ids = [await recording('aaaa'), await recording('bbbb'), await recording('cccc')];
    await suite.server.services.recording.purge();
    expect(await Promise.all(ids.map(exists))).toEqual([true, true, true]);
    // The locked one of the first test counts, and stays: 4 recordings kept to 3 removes the oldest unlocked.
    await putSettings(suite.api, { enabled: true, retentionDays: null, maxRecordings: 3 });
    await purged();
    await expect.poll(() => Promise.all(ids.map(exists))).toEqual([false, true, true]);
    // A limit of all that is kept less 'bbbb' (as the browser counts the space used: text and each entry's
    // overhead) keeps the locked one and the newest.
    const kept = await suite.server.store.recordingSettings.closedRecordings();
    const total = kept.reduce((sum, r) => sum + r.bytes, 0);
    const bbbb = kept.find((r) => r.chatId === ids[1])?.bytes ?? 0;
    expect(bbbb).toBeGreaterThan(4);
    await putSettings(suite.api, {
      enabled: true,
      retentionDays: null,
      maxRecordings: null,
      maxTotalBytes: total - bbbb,
    });
    const rows = await purged();
    await expect.poll(() => Promise.all(ids.map(exists))).toEqual([false, false, true]);
    expect(rows.map((r) => r.details.reasons)).toContainEqual({ age: 0, count: 0, size: 1 });
  });

  it('purges a year of recordings at once: in parts of 500, each audited (seen: one statement of 40,000 ids failed)', async () => {
    clock.reset();
    await putSettings(suite.api, {
      enabled: true,
      retentionDays: null,
      maxRecordings: null,
      maxTotalBytes: null,
    });
    const old: string[] = [];
    // Written in one transaction: 2,400 commits took most of the test's time on a busy machine.
    await suite.server.store.transaction(async ({ chats }) => {
      for (let i = 0; i < 1200; i++) {
        const id = uuidv7();
        await chats.create(
          {
            id,
            deviceId,
            operatorId: admin.id,
            operatorName: admin.displayName,
            endUserName: `user-${i}`,
            openedAt: '2025-01-01T00:00:00.000Z',
            recorded: true,
          },
          { role: 'operator', name: admin.displayName },
        );
        await chats.close(id, null, '2025-01-01T00:01:00.000Z');
        old.push(id);
      }
    });
    await putSettings(suite.api, { enabled: true, retentionDays: 30 });
    await suite.server.services.recording.purge();
    expect((await Promise.all(old.map(exists))).filter(Boolean)).toEqual([]);
    const ours = new Set(old);
    const rows = (await auditRows(suite.api, 'recording.purge')).filter((row) =>
      (row.details.chatIds as string[]).some((id) => ours.has(id)),
    );
    expect(rows.reduce((sum, row) => sum + Number(row.details.removed), 0)).toBe(1200);
    expect(Math.max(...rows.map((row) => Number(row.details.removed)))).toBeLessThanOrEqual(500);
  });
});

describe('recording settings across two nodes (PostgreSQL, NATS)', () => {
  let database: TempDatabase;
  let nodeA: TestServer;
  let nodeB: TestServer;
  beforeAll(async () => {
    database = await tempPostgres();
    nodeA = await startTestServer({ database, nats: true, nodeId: 'rec-a' });
    nodeB = await startTestServer({ database, nats: true, nodeId: 'rec-b' });
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await database?.drop();
  });

  it('a change on node A reaches node B over the bus (well before its 30 s cache would), and B records into the shared database', async () => {
    const apiA = new ApiClient(nodeA.url);
    await apiA.login();
    const apiB = new ApiClient(nodeB.url);
    await apiB.login();
    expect((await nodeB.services.recording.current()).enabled).toBe(false);
    await putSettings(apiA, { enabled: true, noticeText: 'Node A says so.' });
    await expect
      .poll(async () => (await nodeB.services.recording.current()).enabled, { timeout: 10_000 })
      .toBe(true);
    const deviceId = (await connectRawAgent(nodeB, apiB, ['nia'], 'PC-CLUSTER')).deviceId;
    const admin = await operatorNamed(nodeB, 'admin');
    const opened = await nodeB.services.chats.open(admin, deviceId);
    if (!opened.ok) throw new Error(opened.error);
    expect(await nodeA.store.chats.find(opened.chatId)).toMatchObject({
      recorded: true,
      recordingNotice: 'Node A says so.',
    });
  });
});
