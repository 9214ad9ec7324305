import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempDatabase, tempPostgres, tempSqlite } from '../../test/support/databases.js';
import { uuidv7 } from '../ids.js';
import { openStore } from './open.js';
import type { Store } from './store.js';

const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const operator = { role: 'operator' as const, name: 'Alice Admin' };
const endUser = { role: 'end_user' as const, name: 'bob' };

const implementations: [string, () => Promise<TempDatabase>][] = [
  ['sqlite', async () => tempSqlite()],
  ['postgres', tempPostgres],
];

describe.each(implementations)('Store contract on %s', (_name, makeDatabase) => {
  let database: TempDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await makeDatabase();
    store = await openStore(database.location);
    await store.createOperator(
      { id: 'op1', username: 'alice', displayName: 'Alice Admin', passwordHash: 'h', capabilities: ['x'] },
      at(0),
    );
    await store.createDevice({ id: 'dev1', name: 'PC-1', os: 'linux', credentialHash: 'c' }, at(0));
  });

  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  /** Each chat is with another end user of dev1: one open chat per operator, device and end user (5c). */
  async function openChat(recorded = false, endUserName = `bob-${uuidv7()}`): Promise<string> {
    const id = uuidv7();
    await store.createChat(
      {
        id,
        deviceId: 'dev1',
        operatorId: 'op1',
        operatorName: 'Alice Admin',
        endUserName,
        openedAt: at(1),
        recorded,
      },
      operator,
    );
    return id;
  }

  it('finds operators by name and id, and sessions until they expire', async () => {
    expect((await store.findOperatorByUsername('alice'))?.capabilities).toEqual(['x']);
    expect(await store.findOperatorByUsername('nobody')).toBeUndefined();
    await store.createSession('s1', 'op1', at(0), at(10));
    expect((await store.findSessionOperator('s1', at(5)))?.id).toBe('op1');
    expect(await store.findSessionOperator('s1', at(11))).toBeUndefined();
    await store.deleteSession('s1');
    expect(await store.findSessionOperator('s1', at(5))).toBeUndefined();
  });

  it('consumes an enrollment token once, and never after it expires', async () => {
    await store.createEnrollmentToken('t1', 'op1', at(0), at(10));
    await store.createEnrollmentToken('t2', 'op1', at(0), at(10));
    expect(await store.consumeEnrollmentToken('t1', at(1))).toBe(true);
    expect(await store.consumeEnrollmentToken('t1', at(2))).toBe(false);
    expect(await store.consumeEnrollmentToken('t2', at(11))).toBe(false);
    expect(await store.consumeEnrollmentToken('unknown', at(1))).toBe(false);
  });

  it('tracks which node holds a device and who is logged on', async () => {
    await store.setDeviceOnline(
      'dev1',
      'nodeA',
      { name: 'PC-1', os: 'linux', loggedOnUsers: [{ name: 'bob' }] },
      at(1),
    );
    expect(await store.findDevice('dev1')).toMatchObject({
      onlineNode: 'nodeA',
      loggedOnUsers: [{ name: 'bob' }],
    });
    expect(await store.setDeviceOffline('dev1', 'nodeB', at(2))).toBe(false);
    await store.setLoggedOnUsers('dev1', [], at(2));
    expect((await store.findDevice('dev1'))?.loggedOnUsers).toEqual([]);
    await store.touchNodeDevices('nodeA', at(2));
    expect(await store.expireStaleDevices(at(2), at(2))).toEqual([]);
    expect(await store.clearNodeDevices('nodeA', at(1))).toEqual([]);
    expect(await store.clearNodeDevices('nodeA', at(3))).toEqual(['dev1']);
    expect((await store.findDevice('dev1'))?.onlineNode).toBeNull();
    expect((await store.listDevices()).map((d) => d.id)).toEqual(['dev1']);
  });

  it('numbers a chat’s messages and events in one sequence, starting with chat_opened', async () => {
    const chatId = await openChat();
    const first = await store.appendMessage(chatId, {
      clientId: 'client-0001',
      from: operator,
      text: 'Hello',
      at: at(2),
    });
    const event = await store.appendEvent(chatId, 'end_user_connected', endUser, at(3));
    const second = await store.appendMessage(chatId, {
      clientId: 'client-0002',
      from: endUser,
      text: 'Hi',
      at: at(4),
    });
    expect([first?.entry.seq, event?.seq, second?.entry.seq]).toEqual([2, 3, 4]);
    const entries = await store.entriesAfter(chatId, 0, 100);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(entries[0]).toMatchObject({ kind: 'event', event: 'chat_opened', from: operator });
    expect(entries[1]).toMatchObject({
      kind: 'message',
      clientId: 'client-0001',
      from: operator,
      text: 'Hello',
    });
    expect(await store.entriesAfter(chatId, 2, 1)).toMatchObject([{ seq: 3 }]);
  });

  it('never stores a client id twice: a resend returns the first entry', async () => {
    const chatId = await openChat();
    const first = await store.appendMessage(chatId, {
      clientId: 'client-dup1',
      from: operator,
      text: 'once',
      at: at(2),
    });
    const again = await store.appendMessage(chatId, {
      clientId: 'client-dup1',
      from: operator,
      text: 'once',
      at: at(3),
    });
    expect(again).toEqual({ entry: first?.entry, duplicate: true });
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        store.appendMessage(chatId, { clientId: 'client-race', from: operator, text: 'race', at: at(4) }),
      ),
    );
    expect(new Set(concurrent.map((r) => r?.entry.seq)).size).toBe(1);
    expect((await store.entriesAfter(chatId, 0, 100)).filter((e) => e.kind === 'message')).toHaveLength(2);
  });

  it('9: dedupe by client id is per sender (P-20)', async () => {
    const chatId = await openChat();
    const mine = await store.appendMessage(chatId, {
      clientId: 'client-same',
      from: operator,
      text: 'from the operator',
      at: at(2),
    });
    const theirs = await store.appendMessage(chatId, {
      clientId: 'client-same',
      from: endUser,
      text: 'from the end user',
      at: at(3),
    });
    expect(theirs?.duplicate).toBe(false);
    expect(theirs?.entry).toMatchObject({ seq: 3, from: endUser, text: 'from the end user' });
    const theirsAgain = await store.appendMessage(chatId, {
      clientId: 'client-same',
      from: endUser,
      text: 'from the end user',
      at: at(4),
    });
    expect(theirsAgain).toEqual({ entry: theirs?.entry, duplicate: true });
    const mineAgain = await store.appendMessage(chatId, {
      clientId: 'client-same',
      from: operator,
      text: 'from the operator',
      at: at(5),
    });
    expect(mineAgain).toEqual({ entry: mine?.entry, duplicate: true });
    const messages = (await store.entriesAfter(chatId, 0, 100)).filter((e) => e.kind === 'message');
    expect(messages.map((e) => e.kind === 'message' && e.text)).toEqual([
      'from the operator',
      'from the end user',
    ]);
  });

  it('closes a chat once and deletes the entries of an unrecorded chat', async () => {
    const chatId = await openChat();
    await store.appendMessage(chatId, { clientId: 'client-0003', from: operator, text: 'bye', at: at(2) });
    expect((await store.listOpenChats('dev1')).map((c) => c.id)).toContain(chatId);
    expect(await store.closeChat(chatId, operator, at(5))).toMatchObject({
      kind: 'event',
      event: 'chat_closed',
      seq: 3,
    });
    expect(await store.closeChat(chatId, endUser, at(6))).toBeNull();
    expect(
      await store.appendMessage(chatId, { clientId: 'client-late', from: endUser, text: 'late', at: at(7) }),
    ).toBeNull();
    expect(await store.appendEvent(chatId, 'end_user_disconnected', endUser, at(7))).toBeNull();
    expect(await store.findChat(chatId)).toMatchObject({ status: 'closed', closedAt: at(5), lastSeq: 3 });
    expect(await store.entriesAfter(chatId, 0, 100)).toEqual([]);
    expect((await store.listOpenChats('dev1')).map((c) => c.id)).not.toContain(chatId);
  });

  it('5c: one open chat per operator, device and end user; found again, and free once it closed', async () => {
    const first = await openChat(false, 'carol');
    await expect(openChat(false, 'carol')).rejects.toThrow();
    expect((await store.findOpenChatWith('op1', 'dev1', 'carol'))?.id).toBe(first);
    expect(await store.findOpenChatWith('op1', 'dev1', 'dave')).toBeUndefined();
    expect(await store.listOpenChats('dev1')).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: first })]),
    );
    await store.closeChat(first, operator, at(4));
    expect(await store.findOpenChatWith('op1', 'dev1', 'carol')).toBeUndefined();
    const second = await openChat(false, 'carol');
    expect((await store.findOpenChatWith('op1', 'dev1', 'carol'))?.id).toBe(second);
  });

  it('5a: an event keeps its detail', async () => {
    const chatId = await openChat();
    const event = await store.appendEvent(chatId, 'page_failed', null, at(2), 'xdg-open: no browser');
    expect(event).toMatchObject({
      kind: 'event',
      event: 'page_failed',
      from: null,
      detail: 'xdg-open: no browser',
    });
    expect((await store.entriesAfter(chatId, 1, 10))[0]).toEqual(event);
  });

  it('keeps the entries of a recorded chat after it closes', async () => {
    const id = await openChat(true);
    await store.appendMessage(id, { clientId: 'client-0004', from: operator, text: 'kept', at: at(2) });
    await store.closeChat(id, operator, at(3));
    expect((await store.entriesAfter(id, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('P-25a: moves receipts forward only, never past the last entry; read implies delivered', async () => {
    const chatId = await openChat();
    await store.appendMessage(chatId, { clientId: 'client-rc-1', from: operator, text: 'one', at: at(2) });
    await store.appendMessage(chatId, { clientId: 'client-rc-2', from: operator, text: 'two', at: at(3) });
    expect(await store.advanceReceipt(chatId, 'end_user', 'delivered', 2)).toEqual({
      deliveredSeq: 2,
      readSeq: 0,
    });
    expect(await store.advanceReceipt(chatId, 'end_user', 'delivered', 1)).toBeNull();
    expect(await store.advanceReceipt(chatId, 'end_user', 'read', 3)).toEqual({
      deliveredSeq: 3,
      readSeq: 3,
    });
    expect(await store.advanceReceipt(chatId, 'end_user', 'read', 4)).toBeNull();
    expect(await store.advanceReceipt(chatId, 'operator', 'read', 1)).toEqual({
      deliveredSeq: 1,
      readSeq: 1,
    });
    expect((await store.findChat(chatId))?.receipts).toEqual({
      operator: { deliveredSeq: 1, readSeq: 1 },
      end_user: { deliveredSeq: 3, readSeq: 3 },
    });
  });

  it('expires the devices of a node that stopped renewing its lease, and only those', async () => {
    await store.createDevice({ id: 'dev-lease', name: 'PC-L', os: 'linux', credentialHash: 'c' }, at(0));
    await store.setDeviceOnline(
      'dev-lease',
      'ghost',
      { name: 'PC-L', os: 'linux', loggedOnUsers: [] },
      at(10),
    );
    await store.setDeviceOnline('dev1', 'alive', { name: 'PC-1', os: 'linux', loggedOnUsers: [] }, at(10));
    await store.touchNodeDevices('alive', at(40));
    expect(await store.expireStaleDevices(at(30), at(41))).toEqual(['dev-lease']);
    expect((await store.findDevice('dev-lease'))?.onlineNode).toBeNull();
    expect((await store.findDevice('dev1'))?.onlineNode).toBe('alive');
    expect(await store.expireStaleDevices(at(30), at(42))).toEqual([]);
  });

  it('commits what a transaction wrote together, or none of it', async () => {
    await store.createEnrollmentToken('t-commit', 'op1', at(0), at(100));
    await store.transaction(async (tx) => {
      expect(await tx.consumeEnrollmentToken('t-commit', at(1))).toBe(true);
      await tx.createDevice({ id: 'dev-tx', name: 'PC-TX', os: 'linux', credentialHash: 'c' }, at(1));
    });
    expect((await store.findDevice('dev-tx'))?.name).toBe('PC-TX');

    await store.createEnrollmentToken('t-rollback', 'op1', at(0), at(100));
    await expect(
      store.transaction(async (tx) => {
        expect(await tx.consumeEnrollmentToken('t-rollback', at(1))).toBe(true);
        await tx.createDevice({ id: 'dev-tx-2', name: 'PC-TX-2', os: 'linux', credentialHash: 'c' }, at(1));
        // Nested: joins the outer transaction, and goes with it.
        await tx.transaction((inner) => inner.setLoggedOnUsers('dev-tx', [{ name: 'eve' }], at(2)));
        throw new Error('the audit row could not be written');
      }),
    ).rejects.toThrow(/audit row/);
    expect(await store.findDevice('dev-tx-2')).toBeUndefined();
    expect((await store.findDevice('dev-tx'))?.loggedOnUsers).toEqual([]);
    expect(await store.consumeEnrollmentToken('t-rollback', at(3))).toBe(true);
  });

  it('deletes expired sessions and enrollment tokens', async () => {
    await store.createSession('s-old', 'op1', at(0), at(10));
    await store.createSession('s-new', 'op1', at(0), at(100));
    await store.createEnrollmentToken('t-old', 'op1', at(0), at(10));
    await store.deleteExpired(at(50));
    expect(await store.findSessionOperator('s-old', at(5))).toBeUndefined();
    expect((await store.findSessionOperator('s-new', at(60)))?.id).toBe('op1');
    expect(await store.consumeEnrollmentToken('t-old', at(5))).toBe(false);
  });
});

describe('the SQLite store', () => {
  it('keeps its database readable by the server account only', async () => {
    const database = tempSqlite();
    const store = await openStore(database.location);
    try {
      if (database.location.kind !== 'sqlite') throw new Error('sqlite expected');
      const { file } = database.location;
      for (const path of [file, `${file}-wal`]) expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
