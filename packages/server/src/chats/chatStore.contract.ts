import type { Person } from '@parley/protocol';
import { beforeAll, expect, it } from 'vitest';
import { alice, at, openChatOf, pc1, type StoreContract } from '../../test/support/storeContract.js';
import { uuidv7 } from '../ids.js';
import type { NewMessage } from './chatStore.js';

const operator: Person = { role: 'operator', name: 'Alice Admin' };
const endUser: Person = { role: 'end_user', name: 'bob' };

function message(clientId: string, from: Person, text: string, second: number): NewMessage {
  return { clientId, from, text, at: at(second) };
}

export const chatStoreContract: StoreContract = (store) => {
  beforeAll(async () => {
    await store().operators.create(alice, at(0));
    await store().devices.create(pc1, at(0));
  });

  /** Each chat is with another end user of dev1: one open chat per operator, device and end user (5c). */
  const openChat = (recorded = false, endUserName = `bob-${uuidv7()}`, recordEvents = true) =>
    openChatOf(store(), { recorded, endUserName, recordEvents });

  it('numbers a chat’s messages and events in one sequence, starting with chat_opened', async () => {
    const { chats } = store();
    const chatId = await openChat();
    const first = await chats.appendMessage(chatId, message('client-0001', operator, 'Hello', 2));
    const event = await chats.appendEvent(chatId, 'end_user_connected', endUser, at(3));
    const second = await chats.appendMessage(chatId, message('client-0002', endUser, 'Hi', 4));
    expect([first?.entry.seq, event?.seq, second?.entry.seq]).toEqual([2, 3, 4]);
    const entries = await chats.entriesAfter(chatId, 0, 100);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(entries[0]).toMatchObject({ kind: 'event', event: 'chat_opened', from: operator });
    expect(entries[1]).toMatchObject({
      kind: 'message',
      clientId: 'client-0001',
      from: operator,
      text: 'Hello',
    });
    expect(await chats.entriesAfter(chatId, 2, 1)).toMatchObject([{ seq: 3 }]);
  });

  it('never stores a client id twice: a resend returns the first entry', async () => {
    const { chats } = store();
    const chatId = await openChat();
    const first = await chats.appendMessage(chatId, message('client-dup1', operator, 'once', 2));
    const again = await chats.appendMessage(chatId, message('client-dup1', operator, 'once', 3));
    expect(again).toEqual({ entry: first?.entry, duplicate: true });
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        chats.appendMessage(chatId, message('client-race', operator, 'race', 4)),
      ),
    );
    expect(new Set(concurrent.map((r) => r?.entry.seq)).size).toBe(1);
    expect((await chats.entriesAfter(chatId, 0, 100)).filter((e) => e.kind === 'message')).toHaveLength(2);
  });

  it('takes a resend inside a transaction, which goes on (PostgreSQL aborts a transaction at a failed statement)', async () => {
    const { chats } = store();
    const chatId = await openChat();
    const before = await chats.appendMessage(chatId, message('client-tx-1', operator, 'before', 2));
    const inside = await store().transaction(async (tx) => {
      const resent = await tx.chats.appendMessage(chatId, message('client-tx-1', operator, 'before', 3));
      const sent = await tx.chats.appendMessage(chatId, message('client-tx-2', operator, 'inside', 4));
      const sentAgain = await tx.chats.appendMessage(chatId, message('client-tx-2', operator, 'inside', 5));
      const event = await tx.chats.appendEvent(chatId, 'end_user_connected', endUser, at(6));
      return { resent, sent, sentAgain, event };
    });
    expect(inside.resent).toEqual({ entry: before?.entry, duplicate: true });
    expect(inside.sent).toMatchObject({ entry: { seq: 3, text: 'inside' }, duplicate: false });
    expect(inside.sentAgain).toEqual({ entry: inside.sent?.entry, duplicate: true });
    // A resend takes no sequence number: the event is next after the one message the transaction added.
    expect(inside.event?.seq).toBe(4);
    expect((await chats.entriesAfter(chatId, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect((await chats.find(chatId))?.lastSeq).toBe(4);
  });

  it('9: dedupe by client id is per sender (P-20)', async () => {
    const { chats } = store();
    const chatId = await openChat();
    const mine = await chats.appendMessage(chatId, message('client-same', operator, 'from the operator', 2));
    const theirs = await chats.appendMessage(chatId, message('client-same', endUser, 'from the end user', 3));
    expect(theirs?.duplicate).toBe(false);
    expect(theirs?.entry).toMatchObject({ seq: 3, from: endUser, text: 'from the end user' });
    const theirsAgain = await chats.appendMessage(
      chatId,
      message('client-same', endUser, 'from the end user', 4),
    );
    expect(theirsAgain).toEqual({ entry: theirs?.entry, duplicate: true });
    const mineAgain = await chats.appendMessage(
      chatId,
      message('client-same', operator, 'from the operator', 5),
    );
    expect(mineAgain).toEqual({ entry: mine?.entry, duplicate: true });
    const messages = (await chats.entriesAfter(chatId, 0, 100)).filter((e) => e.kind === 'message');
    expect(messages.map((e) => e.kind === 'message' && e.text)).toEqual([
      'from the operator',
      'from the end user',
    ]);
  });

  it('closes a chat once and deletes the entries of an unrecorded chat', async () => {
    const { chats } = store();
    const chatId = await openChat();
    await chats.appendMessage(chatId, message('client-0003', operator, 'bye', 2));
    expect((await chats.listOpen('dev1')).map((c) => c.id)).toContain(chatId);
    expect(await chats.close(chatId, operator, at(5))).toMatchObject({
      kind: 'event',
      event: 'chat_closed',
      seq: 3,
    });
    expect(await chats.close(chatId, endUser, at(6))).toBeNull();
    expect(await chats.appendMessage(chatId, message('client-late', endUser, 'late', 7))).toBeNull();
    expect(await chats.appendEvent(chatId, 'end_user_disconnected', endUser, at(7))).toBeNull();
    expect(await chats.find(chatId)).toMatchObject({ status: 'closed', closedAt: at(5), lastSeq: 3 });
    expect(await chats.entriesAfter(chatId, 0, 100)).toEqual([]);
    expect((await chats.listOpen('dev1')).map((c) => c.id)).not.toContain(chatId);
  });

  it('5c: one open chat per operator, device and end user; found again, and free once it closed', async () => {
    const { chats } = store();
    const first = await openChat(false, 'carol');
    await expect(openChat(false, 'carol')).rejects.toThrow();
    expect((await chats.findOpenWith('op1', 'dev1', 'carol'))?.id).toBe(first);
    expect(await chats.findOpenWith('op1', 'dev1', 'dave')).toBeUndefined();
    expect(await chats.listOpen('dev1')).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: first })]),
    );
    expect((await chats.listOpenOfOperator('op1')).map((c) => c.id)).toContain(first);
    await chats.close(first, operator, at(4));
    expect(await chats.findOpenWith('op1', 'dev1', 'carol')).toBeUndefined();
    expect((await chats.listOpenOfOperator('op1')).map((c) => c.id)).not.toContain(first);
    const second = await openChat(false, 'carol');
    expect((await chats.findOpenWith('op1', 'dev1', 'carol'))?.id).toBe(second);
  });

  it('5a: an event keeps its detail', async () => {
    const { chats } = store();
    const chatId = await openChat();
    const event = await chats.appendEvent(chatId, 'page_failed', null, at(2), 'xdg-open: no browser');
    expect(event).toMatchObject({
      kind: 'event',
      event: 'page_failed',
      from: null,
      detail: 'xdg-open: no browser',
    });
    expect((await chats.entriesAfter(chatId, 1, 10))[0]).toEqual(event);
  });

  it('keeps the entries of a recorded chat after it closes', async () => {
    const { chats } = store();
    const id = await openChat(true);
    await chats.appendMessage(id, message('client-0004', operator, 'kept', 2));
    await chats.close(id, operator, at(3));
    expect((await chats.entriesAfter(id, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('keeps only the messages of a chat recorded without its events', async () => {
    const { chats } = store();
    const id = await openChat(true, undefined, false);
    await chats.appendMessage(id, message('client-0005', operator, 'kept', 2));
    await chats.appendEvent(id, 'end_user_disconnected', endUser, at(3));
    await chats.close(id, operator, at(4));
    expect((await chats.entriesAfter(id, 0, 100)).map((e) => [e.seq, e.kind])).toEqual([[2, 'message']]);
    expect((await chats.find(id))?.recordEvents).toBe(false);
  });

  it('appends a batch of messages to several chats in one transaction, a resend in it stored once', async () => {
    const { chats } = store();
    const [a, b] = [await openChat(), await openChat()];
    const results = await chats.appendMessages([
      { chatId: a, message: message('client-b1', operator, 'one', 2) },
      { chatId: b, message: message('client-b2', operator, 'two', 2) },
      { chatId: a, message: message('client-b1', operator, 'one', 2) },
      { chatId: a, message: message('client-b3', endUser, 'three', 3) },
    ]);
    expect(results.map((r) => [r?.entry.seq, r?.duplicate])).toEqual([
      [2, false],
      [2, false],
      [2, true],
      [3, false],
    ]);
    await chats.close(b, operator, at(4));
    expect(
      await chats.appendMessages([{ chatId: b, message: message('client-b4', operator, 'late', 5) }]),
    ).toEqual([null]);
  });

  it('numbers a large batch in its order per chat; a stored client id answers its entry; a closed chat takes none', async () => {
    const { chats } = store();
    const [a, b, closed] = [await openChat(), await openChat(), await openChat()];
    await chats.appendMessage(a, message('client-l-old', operator, 'before', 2));
    await chats.close(closed, operator, at(2));
    const batch = Array.from({ length: 120 }, (_, i) => ({
      chatId: i % 3 === 0 ? b : a,
      message: message(`client-l-${i}`, i % 2 === 0 ? operator : endUser, `text ${i}`, 3),
    }));
    const results = await chats.appendMessages([
      ...batch,
      { chatId: a, message: message('client-l-old', operator, 'before', 2) },
      { chatId: closed, message: message('client-l-late', operator, 'late', 3) },
    ]);
    const seqsOf = (chatId: string) =>
      results.slice(0, 120).flatMap((r, i) => (batch[i]?.chatId === chatId ? [r?.entry.seq] : []));
    expect(seqsOf(a)).toEqual(Array.from({ length: 80 }, (_, i) => i + 3));
    expect(seqsOf(b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
    expect(results.slice(0, 120).every((r) => r?.duplicate === false)).toBe(true);
    expect(results[120]).toMatchObject({ duplicate: true, entry: { seq: 2, text: 'before' } });
    expect(results[121]).toBeNull();
    const storedA = await chats.entriesAfter(a, 0, 200);
    expect(storedA.map((e) => e.seq)).toEqual(Array.from({ length: 82 }, (_, i) => i + 1));
    expect(storedA.at(-1)).toMatchObject({ kind: 'message', text: 'text 119', clientId: 'client-l-119' });
    expect((await chats.find(a))?.lastSeq).toBe(82);
  });

  it('P-25a: moves receipts forward only, never past the last entry; read implies delivered', async () => {
    const { chats } = store();
    const chatId = await openChat();
    await chats.appendMessage(chatId, message('client-rc-1', operator, 'one', 2));
    await chats.appendMessage(chatId, message('client-rc-2', operator, 'two', 3));
    expect(await chats.advanceReceipt(chatId, 'end_user', 'delivered', 2)).toEqual({
      deliveredSeq: 2,
      readSeq: 0,
    });
    expect(await chats.advanceReceipt(chatId, 'end_user', 'delivered', 1)).toBeNull();
    expect(await chats.advanceReceipt(chatId, 'end_user', 'read', 3)).toEqual({
      deliveredSeq: 3,
      readSeq: 3,
    });
    expect(await chats.advanceReceipt(chatId, 'end_user', 'read', 4)).toBeNull();
    expect(await chats.advanceReceipt(chatId, 'operator', 'read', 1)).toEqual({
      deliveredSeq: 1,
      readSeq: 1,
    });
    expect((await chats.find(chatId))?.receipts).toEqual({
      operator: { deliveredSeq: 1, readSeq: 1 },
      end_user: { deliveredSeq: 3, readSeq: 3 },
    });
  });
};
