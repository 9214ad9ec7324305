import { describe, expect, it } from 'vitest';
import {
  advanceReceipts,
  type ChatState,
  chatReducer,
  closedBy,
  endUserPresence,
  initialChatState,
  mergeEntries,
  operatorSignedOut,
  pendingStatus,
  storedStatus,
  timeline,
  toResend,
  unreadCount,
  unreadMessages,
} from './chatState';
import { chatInfo, event, message } from './testing';

const info = chatInfo();

function seqs(state: Pick<ChatState, 'entries'>): number[] {
  return state.entries.map((e) => e.seq);
}

describe('mergeEntries', () => {
  it('appends entries that come after what is held', () => {
    const merged = mergeEntries(
      [message(1, 'operator', 'a')],
      [message(2, 'end_user', 'b'), message(3, 'operator', 'c')],
    );
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('is harmless with overlap and reordering, and doubles nothing', () => {
    const held = [message(1, 'operator', 'a'), message(2, 'end_user', 'b'), message(3, 'operator', 'c')];
    const merged = mergeEntries(held, [
      message(5, 'operator', 'e'),
      message(2, 'end_user', 'b'),
      message(4, 'end_user', 'd'),
    ]);
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('returns the same list when nothing is new', () => {
    const held = [message(1, 'operator', 'a'), message(2, 'end_user', 'b')];
    expect(mergeEntries(held, [message(2, 'end_user', 'b')])).toBe(held);
    expect(mergeEntries(held, [])).toBe(held);
  });

  it('keeps the entry it already holds for a seq', () => {
    const held = [message(1, 'operator', 'first')];
    const merged = mergeEntries(held, [message(1, 'operator', 'other')]);
    expect(merged[0]).toMatchObject({ text: 'first' });
  });
});

describe('chatReducer', () => {
  const start = () => chatReducer(initialChatState('chat-1', 'operator'), { type: 'info', info });

  it('tracks the highest seq held, whatever the order entries come in', () => {
    let state = start();
    state = chatReducer(state, {
      type: 'entries',
      entries: [message(4, 'end_user', 'd'), message(2, 'end_user', 'b')],
    });
    state = chatReducer(state, {
      type: 'entries',
      entries: [message(1, 'operator', 'a'), message(3, 'operator', 'c')],
    });
    expect(seqs(state)).toEqual([1, 2, 3, 4]);
    expect(state.lastSeq).toBe(4);
  });

  it('shows a message at once as sending, then sent on ack, then replaces it with the entry (by clientId)', () => {
    let state = start();
    state = chatReducer(state, { type: 'queue', clientId: 'abc-123-xyz', text: 'Hello', createdAt: 't' });
    state = chatReducer(state, { type: 'transmitted', clientId: 'abc-123-xyz' });
    expect(state.pending).toMatchObject([{ clientId: 'abc-123-xyz', status: 'sending', attempt: 1 }]);
    state = chatReducer(state, { type: 'ack', clientId: 'abc-123-xyz', seq: 2, at: 'u' });
    expect(state.pending).toMatchObject([{ status: 'sent', seq: 2 }]);
    state = chatReducer(state, {
      type: 'entries',
      entries: [message(2, 'operator', 'Hello', 'abc-123-xyz')],
    });
    expect(state.pending).toEqual([]);
    expect(timeline(state)).toHaveLength(1);
  });

  it('replaces the pending message even when the entry arrives before the ack', () => {
    let state = start();
    state = chatReducer(state, { type: 'queue', clientId: 'abc-123-xyz', text: 'Hello', createdAt: 't' });
    state = chatReducer(state, {
      type: 'entries',
      entries: [message(2, 'operator', 'Hello', 'abc-123-xyz')],
    });
    state = chatReducer(state, { type: 'ack', clientId: 'abc-123-xyz', seq: 2, at: 'u' });
    expect(state.pending).toEqual([]);
    expect(timeline(state)).toHaveLength(1);
  });

  it('marks a refused message not delivered, and retry puts it back to sending with the same clientId', () => {
    let state = start();
    state = chatReducer(state, { type: 'queue', clientId: 'abc-123-xyz', text: 'Hello', createdAt: 't' });
    state = chatReducer(state, {
      type: 'error',
      frame: { type: 'error', code: 'rate_limited', message: 'too many messages', ref: 'abc-123-xyz' },
    });
    expect(state.pending).toMatchObject([{ status: 'failed', error: 'too many messages', autoRetry: false }]);
    expect(toResend(state)).toEqual([]);
    state = chatReducer(state, { type: 'retry', clientId: 'abc-123-xyz' });
    expect(state.pending).toMatchObject([{ clientId: 'abc-123-xyz', status: 'sending', error: null }]);
  });

  it('ignores errors that are about something else', () => {
    const state = start();
    const next = chatReducer(state, {
      type: 'error',
      frame: { type: 'error', code: 'forbidden', message: 'no', ref: 'another-chat' },
    });
    expect(next).toBe(state);
  });

  it('keeps a refusal about the chat itself as its problem, until chat.info comes', () => {
    let state = initialChatState('chat-1', 'operator');
    state = chatReducer(state, {
      type: 'error',
      frame: {
        type: 'error',
        code: 'forbidden',
        message: 'you may not take part in this chat',
        ref: 'chat-1',
      },
    });
    expect(state.problem).toEqual({ code: 'forbidden', message: 'you may not take part in this chat' });
    state = chatReducer(state, { type: 'info', info });
    expect(state.problem).toBeNull();
  });

  it('times out only the transmission it was set for', () => {
    let state = start();
    state = chatReducer(state, { type: 'queue', clientId: 'abc-123-xyz', text: 'Hello', createdAt: 't' });
    state = chatReducer(state, { type: 'transmitted', clientId: 'abc-123-xyz' });
    state = chatReducer(state, { type: 'transmitted', clientId: 'abc-123-xyz' });
    expect(chatReducer(state, { type: 'timeout', clientId: 'abc-123-xyz', attempt: 1 })).toBe(state);
    state = chatReducer(state, { type: 'timeout', clientId: 'abc-123-xyz', attempt: 2 });
    expect(state.pending).toMatchObject([{ status: 'failed', autoRetry: true }]);
    expect(toResend(state).map((m) => m.clientId)).toEqual(['abc-123-xyz']);
  });

  it('a late ack still marks a timed-out message sent', () => {
    let state = start();
    state = chatReducer(state, { type: 'queue', clientId: 'abc-123-xyz', text: 'Hello', createdAt: 't' });
    state = chatReducer(state, { type: 'transmitted', clientId: 'abc-123-xyz' });
    state = chatReducer(state, { type: 'timeout', clientId: 'abc-123-xyz', attempt: 1 });
    state = chatReducer(state, { type: 'ack', clientId: 'abc-123-xyz', seq: 7, at: 'u' });
    expect(state.pending).toMatchObject([{ status: 'sent', error: null, seq: 7 }]);
  });

  it("clears the other side's typing when they send a message", () => {
    let state = chatReducer(start(), { type: 'peerTyping', typing: true });
    state = chatReducer(state, { type: 'entries', entries: [message(2, 'operator', 'mine')] });
    expect(state.peerTyping).toBe(true);
    state = chatReducer(state, { type: 'entries', entries: [message(3, 'end_user', 'theirs')] });
    expect(state.peerTyping).toBe(false);
  });
});

describe('timeline', () => {
  it('puts entries by seq, acked messages at their seq, and unacked ones last in writing order', () => {
    let state = chatReducer(initialChatState('chat-1', 'operator'), {
      type: 'entries',
      entries: [message(1, 'operator', 'a'), message(3, 'end_user', 'c')],
    });
    state = chatReducer(state, { type: 'queue', clientId: 'p-acked-1', text: 'acked', createdAt: 't' });
    state = chatReducer(state, { type: 'queue', clientId: 'p-second-2', text: 'second', createdAt: 't' });
    state = chatReducer(state, { type: 'queue', clientId: 'p-third-3', text: 'third', createdAt: 't' });
    state = chatReducer(state, { type: 'ack', clientId: 'p-acked-1', seq: 2, at: 'u' });
    const order = timeline(state).map((item) => (item.kind === 'entry' ? item.entry.seq : item.message.text));
    expect(order).toEqual([1, 'acked', 3, 'second', 'third']);
  });
});

describe('presence and closing', () => {
  it('derives whether the end user is connected from the last presence event', () => {
    expect(endUserPresence([event(1, 'chat_opened', 'operator')])).toBe('unknown');
    expect(endUserPresence([event(1, 'chat_opened'), event(2, 'end_user_connected', 'end_user')])).toBe(
      'connected',
    );
    expect(
      endUserPresence([
        event(2, 'end_user_connected', 'end_user'),
        message(3, 'end_user', 'hi'),
        event(4, 'end_user_disconnected', 'end_user'),
      ]),
    ).toBe('disconnected');
    expect(
      endUserPresence([
        event(4, 'end_user_disconnected', 'end_user'),
        event(5, 'end_user_connected', 'end_user'),
      ]),
    ).toBe('connected');
  });

  it('says who closed the chat', () => {
    expect(closedBy([event(1, 'chat_opened', 'operator')])).toBeNull();
    expect(closedBy([event(1, 'chat_opened'), event(9, 'chat_closed', 'end_user')])).toBe('end_user');
    expect(closedBy([event(9, 'chat_closed', 'operator')])).toBe('operator');
    expect(closedBy([event(9, 'operator_left', 'operator')])).toBe('operator');
  });

  it('P-34: the operator signed out until they write again', () => {
    expect(operatorSignedOut([event(1, 'chat_opened', 'operator')])).toBe(false);
    expect(operatorSignedOut([event(1, 'chat_opened'), event(2, 'operator_left', 'operator')])).toBe(true);
    expect(operatorSignedOut([event(2, 'operator_left', 'operator'), message(3, 'end_user', 'hello?')])).toBe(
      true,
    );
    expect(operatorSignedOut([event(2, 'operator_left', 'operator'), message(3, 'operator', 'back')])).toBe(
      false,
    );
  });
});

describe('receipts and delivery', () => {
  const start = () => chatReducer(initialChatState('chat-1', 'operator'), { type: 'info', info });

  it('only move forward, and read implies delivered', () => {
    const marks = { deliveredSeq: 4, readSeq: 2 };
    expect(advanceReceipts(marks, { deliveredSeq: 3, readSeq: 1 })).toBe(marks);
    expect(advanceReceipts(marks, { deliveredSeq: 0, readSeq: 6 })).toEqual({ deliveredSeq: 6, readSeq: 6 });
    let state = start();
    state = chatReducer(state, {
      type: 'receipts',
      role: 'end_user',
      receipts: { deliveredSeq: 5, readSeq: 3 },
    });
    const same = chatReducer(state, {
      type: 'receipts',
      role: 'end_user',
      receipts: { deliveredSeq: 1, readSeq: 1 },
    });
    expect(same).toBe(state);
    // chat.info carries both sides' marks; an older info does not move them back.
    state = chatReducer(state, { type: 'info', info });
    expect(state.receipts.end_user).toEqual({ deliveredSeq: 5, readSeq: 3 });
  });

  it("turn this side's stored messages into sent, delivered and read", () => {
    const peer = { deliveredSeq: 5, readSeq: 3 };
    expect(storedStatus(3, peer)).toBe('read');
    expect(storedStatus(5, peer)).toBe('delivered');
    expect(storedStatus(6, peer)).toBe('sent');
    const pending = {
      clientId: 'c-1-abcdef',
      text: 'x',
      createdAt: 'now',
      status: 'sent' as const,
      seq: 4,
      at: 'now',
      error: null,
      autoRetry: false,
      attempt: 1,
    };
    expect(pendingStatus(pending, peer)).toBe('delivered');
    expect(pendingStatus({ ...pending, status: 'sending', seq: null }, peer)).toBe('sending');
    expect(pendingStatus({ ...pending, status: 'failed', seq: null }, peer)).toBe('failed');
  });

  it("counts the other side's messages after this side's read mark as unread", () => {
    let state = start();
    state = chatReducer(state, {
      type: 'entries',
      entries: [
        message(1, 'end_user', 'a'),
        message(2, 'operator', 'b'),
        event(3, 'end_user_disconnected', 'end_user'),
        message(4, 'end_user', 'c'),
        message(5, 'end_user', 'd'),
      ],
    });
    expect(unreadCount(state)).toBe(3);
    state = chatReducer(state, {
      type: 'receipts',
      role: 'operator',
      receipts: { deliveredSeq: 5, readSeq: 3 },
    });
    expect(unreadMessages(state).map((m) => m.text)).toEqual(['c', 'd']);
    state = chatReducer(state, {
      type: 'receipts',
      role: 'operator',
      receipts: { deliveredSeq: 5, readSeq: 5 },
    });
    expect(unreadCount(state)).toBe(0);
    // The end user's own view counts the operator's messages.
    const page = chatReducer(initialChatState('chat-1', 'end_user'), {
      type: 'entries',
      entries: state.entries,
    });
    expect(unreadCount(page)).toBe(1);
  });
});
