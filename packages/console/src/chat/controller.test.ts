import { describe, expect, it } from 'vitest';
import { ACK_TIMEOUT_MS, ChatController, GAP_WAIT_MS } from './controller';
import { TestClock } from './testClock';
import { chatInfo, event, FakeTransport, message } from './testing';

const info = chatInfo();

function setup(myRole: 'operator' | 'end_user' = 'operator') {
  const transport = new FakeTransport();
  const clock = new TestClock();
  let n = 0;
  const controller = new ChatController('chat-1', transport, {
    myRole,
    clock,
    newId: () => `client-id-${++n}`,
    ackTimeoutMs: 15_000,
    // The middle of the retry jitter: a retry after `overloaded` comes exactly after the server's delay.
    random: () => 0.5,
  });
  return { transport, clock, controller };
}

describe('ChatController', () => {
  it('subscribes when the transport is up, and again after a reconnect from the highest seq held', () => {
    const { transport, controller } = setup();
    controller.start();
    expect(transport.take()).toEqual([]);
    transport.up();
    expect(transport.take()).toEqual([{ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 }]);
    transport.receive({ type: 'chat.info', chat: info });
    transport.receive({
      type: 'chat.entries',
      chatId: 'chat-1',
      entries: [
        event(1, 'chat_opened', 'operator'),
        message(3, 'end_user', 'c'),
        message(2, 'end_user', 'b'),
      ],
    });
    expect(transport.take()).toEqual([
      { type: 'chat.receipt', chatId: 'chat-1', seq: 3, state: 'delivered' },
    ]);
    transport.down();
    expect(controller.getState().connected).toBe(false);
    transport.up();
    expect(transport.take()).toEqual([{ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 3 }]);
  });

  it('P-23: fills a hole in the seqs by subscribing again, and sends no receipt past it', () => {
    const { transport, clock, controller } = setup();
    controller.start();
    transport.up();
    transport.receive({ type: 'chat.info', chat: info });
    transport.receive({
      type: 'chat.entries',
      chatId: 'chat-1',
      entries: [event(1, 'chat_opened', 'operator'), message(2, 'end_user', 'b')],
    });
    transport.take();
    // Entry 3 was lost between nodes; 4 arrives live.
    transport.receive({ type: 'chat.entries', chatId: 'chat-1', entries: [message(4, 'end_user', 'd')] });
    expect(controller.getState().lastSeq).toBe(2);
    expect(transport.take()).toEqual([]);
    clock.advance(GAP_WAIT_MS);
    expect(transport.take()).toEqual([{ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 2 }]);
    transport.receive({
      type: 'chat.entries',
      chatId: 'chat-1',
      entries: [message(3, 'end_user', 'c'), message(4, 'end_user', 'd')],
    });
    expect(controller.getState().lastSeq).toBe(4);
    expect(transport.take()).toEqual([
      { type: 'chat.receipt', chatId: 'chat-1', seq: 4, state: 'delivered' },
    ]);
  });

  it('subscribes at once when started on a transport that is already up', () => {
    const { transport, controller } = setup();
    transport.up();
    controller.start();
    expect(transport.take()).toEqual([{ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 }]);
  });

  it('ignores frames of other chats', () => {
    const { transport, controller } = setup();
    controller.start();
    transport.up();
    transport.receive({ type: 'chat.entries', chatId: 'chat-2', entries: [message(1, 'end_user', 'x')] });
    transport.receive({ type: 'chat.info', chat: { ...info, chatId: 'chat-2' } });
    expect(controller.getState().entries).toEqual([]);
    expect(controller.getState().info).toBeNull();
  });

  it('sends a message with a fresh clientId, shows it pending, and dedupes it when it comes back', () => {
    const { transport, controller } = setup();
    controller.start();
    transport.up();
    transport.take();
    expect(controller.send('   ')).toEqual({ ok: false, reason: 'empty' });
    expect(controller.send('Hello\nthere')).toEqual({ ok: true, clientId: 'client-id-1' });
    expect(transport.take()).toEqual([
      { type: 'chat.send', chatId: 'chat-1', clientId: 'client-id-1', text: 'Hello\nthere' },
    ]);
    expect(controller.getState().pending).toMatchObject([{ clientId: 'client-id-1', status: 'sending' }]);
    transport.receive({ type: 'chat.ack', chatId: 'chat-1', clientId: 'client-id-1', seq: 4, at: 'now' });
    expect(controller.getState().pending).toMatchObject([{ status: 'sent', seq: 4 }]);
    transport.receive({
      type: 'chat.entries',
      chatId: 'chat-1',
      entries: [message(4, 'operator', 'Hello\nthere', 'client-id-1')],
    });
    expect(controller.getState().pending).toEqual([]);
    expect(controller.getState().entries).toHaveLength(1);
  });

  it('keeps messages written while down and sends them, same clientId, after re-subscribing', () => {
    const { transport, controller } = setup();
    controller.start();
    transport.up();
    controller.send('first');
    transport.down();
    controller.send('second');
    transport.take();
    transport.up();
    expect(transport.take()).toEqual([
      { type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 },
      { type: 'chat.send', chatId: 'chat-1', clientId: 'client-id-1', text: 'first' },
      { type: 'chat.send', chatId: 'chat-1', clientId: 'client-id-2', text: 'second' },
    ]);
  });

  it('does not resend a message that was acked before the drop', () => {
    const { transport, controller } = setup();
    controller.start();
    transport.up();
    controller.send('first');
    transport.receive({ type: 'chat.ack', chatId: 'chat-1', clientId: 'client-id-1', seq: 2, at: 'now' });
    transport.down();
    transport.take();
    transport.up();
    expect(transport.take()).toEqual([{ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 }]);
  });

  it('marks a refused message not delivered; Retry resends it with the same clientId', () => {
    const { transport, controller } = setup();
    controller.start();
    transport.up();
    controller.send('hello');
    transport.take();
    transport.receive({
      type: 'error',
      code: 'rate_limited',
      message: 'too many messages',
      ref: 'client-id-1',
    });
    expect(controller.getState().pending).toMatchObject([{ status: 'failed', error: 'too many messages' }]);
    // Not resent by itself after a reconnect: the server refused it.
    transport.down();
    transport.up();
    expect(transport.take()).toEqual([{ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 }]);
    controller.retry('client-id-1');
    expect(transport.take()).toEqual([
      { type: 'chat.send', chatId: 'chat-1', clientId: 'client-id-1', text: 'hello' },
    ]);
    expect(controller.getState().pending).toMatchObject([{ status: 'sending' }]);
  });

  it('P-36: a message refused as overloaded stays sending and goes again by itself, same clientId, after the delay', () => {
    const { transport, clock, controller } = setup();
    controller.start();
    transport.up();
    controller.send('hello');
    transport.take();
    const refuse = () =>
      transport.receive({
        type: 'error',
        code: 'overloaded',
        message: 'the server is busy',
        ref: 'client-id-1',
        retryAfterMs: 2000,
      });
    refuse();
    expect(controller.getState().pending).toMatchObject([{ status: 'sending', error: null }]);
    clock.advance(1999);
    expect(transport.take().filter((f) => f.type === 'chat.send')).toEqual([]);
    clock.advance(1);
    expect(transport.take()).toEqual([
      { type: 'chat.send', chatId: 'chat-1', clientId: 'client-id-1', text: 'hello' },
    ]);
    // Refused again, and again sent later; the ack timeout of an earlier try never marks it failed meanwhile.
    refuse();
    clock.advance(14_000);
    expect(controller.getState().pending).toMatchObject([{ status: 'sending' }]);
    expect(transport.take().filter((f) => f.type === 'chat.send')).toHaveLength(1);
    transport.receive({ type: 'chat.ack', chatId: 'chat-1', clientId: 'client-id-1', seq: 2, at: 'now' });
    expect(controller.getState().pending).toMatchObject([{ status: 'sent', seq: 2 }]);
  });

  it('shows a message not delivered when no answer comes, and resends it after a reconnect', () => {
    const { transport, clock, controller } = setup();
    controller.start();
    transport.up();
    controller.send('hello');
    clock.advance(15_000);
    expect(controller.getState().pending).toMatchObject([
      { status: 'failed', error: 'No answer from the server' },
    ]);
    transport.down();
    transport.take();
    transport.up();
    expect(transport.take()).toEqual([
      { type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 },
      { type: 'chat.send', chatId: 'chat-1', clientId: 'client-id-1', text: 'hello' },
    ]);
  });

  it('4: never waits silently: a message stuck behind a dead transport is shown not delivered, then sent when back', () => {
    const { transport, clock, controller } = setup();
    controller.start();
    transport.up();
    controller.send('sent, then the link died');
    transport.down();
    controller.send('typed while down');
    clock.advance(ACK_TIMEOUT_MS);
    expect(controller.getState().pending).toMatchObject([
      { status: 'failed', autoRetry: true },
      { status: 'failed', autoRetry: true },
    ]);
    controller.retry(controller.getState().pending[1]?.clientId ?? '');
    expect(controller.getState().pending[1]).toMatchObject({ status: 'sending' });
    clock.advance(ACK_TIMEOUT_MS);
    expect(controller.getState().pending[1]).toMatchObject({ status: 'failed' });
    transport.sent.length = 0;
    transport.up();
    expect(transport.sent.flatMap((frame) => (frame.type === 'chat.send' ? [frame.text] : []))).toEqual([
      'sent, then the link died',
      'typed while down',
    ]);
  });

  it('refuses to send in a closed chat', () => {
    const { transport, controller } = setup();
    controller.start();
    transport.up();
    transport.receive({ type: 'chat.info', chat: { ...info, status: 'closed' } });
    expect(controller.send('hello')).toEqual({ ok: false, reason: 'closed' });
  });

  it("shows the other side's typing, not its own, and clears it after a while", () => {
    const { transport, clock, controller } = setup();
    controller.start();
    transport.up();
    transport.receive({ type: 'chat.typing', chatId: 'chat-1', role: 'operator', typing: true });
    expect(controller.getState().peerTyping).toBe(false);
    transport.receive({ type: 'chat.typing', chatId: 'chat-1', role: 'end_user', typing: true });
    expect(controller.getState().peerTyping).toBe(true);
    clock.advance(6000);
    expect(controller.getState().peerTyping).toBe(false);
    transport.receive({ type: 'chat.typing', chatId: 'chat-1', role: 'end_user', typing: true });
    transport.receive({ type: 'chat.typing', chatId: 'chat-1', role: 'end_user', typing: false });
    expect(controller.getState().peerTyping).toBe(false);
  });

  it('sends typing notices as the text changes, and typing:false on send', () => {
    const { transport, controller } = setup();
    controller.start();
    transport.up();
    transport.take();
    controller.input('H');
    controller.input('He');
    expect(transport.take()).toEqual([{ type: 'chat.typing', chatId: 'chat-1', typing: true }]);
    controller.send('Hello');
    expect(transport.take()).toEqual([
      { type: 'chat.typing', chatId: 'chat-1', typing: false },
      { type: 'chat.send', chatId: 'chat-1', clientId: 'client-id-1', text: 'Hello' },
    ]);
  });

  it('closes the chat', () => {
    const { transport, controller } = setup();
    controller.start();
    transport.up();
    transport.take();
    expect(controller.close()).toBe(true);
    expect(transport.take()).toEqual([{ type: 'chat.close', chatId: 'chat-1' }]);
  });

  it('treats end_user messages as its own on the end-user side', () => {
    const { transport, controller } = setup('end_user');
    controller.start();
    transport.up();
    controller.send('hi');
    transport.receive({
      type: 'chat.entries',
      chatId: 'chat-1',
      entries: [message(2, 'end_user', 'hi', 'client-id-1')],
    });
    expect(controller.getState().pending).toEqual([]);
  });

  it('stops listening on stop() and can start again', () => {
    const { transport, controller } = setup();
    controller.start();
    expect(transport.listenerCount).toBe(1);
    controller.stop();
    expect(transport.listenerCount).toBe(0);
    transport.up();
    controller.start();
    expect(transport.listenerCount).toBe(1);
    expect(transport.take()).toEqual([{ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 }]);
  });

  describe('receipts', () => {
    const receipt = (seq: number, state: 'delivered' | 'read') => ({
      type: 'chat.receipt',
      chatId: 'chat-1',
      seq,
      state,
    });

    it('says delivered up to the highest seq held when the other side writes, and nothing for its own', () => {
      const { transport, controller } = setup();
      controller.start();
      transport.up();
      transport.receive({ type: 'chat.info', chat: info });
      transport.take();
      transport.receive({
        type: 'chat.entries',
        chatId: 'chat-1',
        entries: [message(1, 'operator', 'mine')],
      });
      expect(transport.take()).toEqual([]);
      transport.receive({
        type: 'chat.entries',
        chatId: 'chat-1',
        entries: [message(2, 'end_user', 'hi'), event(3, 'end_user_connected', 'end_user')],
      });
      expect(transport.take()).toEqual([receipt(3, 'delivered')]);
      // A repeat of what is held says nothing more.
      transport.receive({ type: 'chat.entries', chatId: 'chat-1', entries: [message(2, 'end_user', 'hi')] });
      expect(transport.take()).toEqual([]);
    });

    it('says read while looked at, and at once for what arrived while it was not', () => {
      const { transport, controller } = setup();
      controller.start();
      transport.up();
      transport.receive({ type: 'chat.info', chat: info });
      transport.take();
      transport.receive({ type: 'chat.entries', chatId: 'chat-1', entries: [message(1, 'end_user', 'a')] });
      expect(transport.take()).toEqual([receipt(1, 'delivered')]);
      expect(controller.getState().receipts.operator).toEqual({ deliveredSeq: 1, readSeq: 0 });
      controller.setAttention(true);
      expect(transport.take()).toEqual([receipt(1, 'read')]);
      expect(controller.getState().receipts.operator).toEqual({ deliveredSeq: 1, readSeq: 1 });
      transport.receive({ type: 'chat.entries', chatId: 'chat-1', entries: [message(2, 'end_user', 'b')] });
      expect(transport.take()).toEqual([receipt(2, 'read')]);
      controller.setAttention(false);
      transport.receive({ type: 'chat.entries', chatId: 'chat-1', entries: [message(3, 'end_user', 'c')] });
      expect(transport.take()).toEqual([receipt(3, 'delivered')]);
    });

    it('does not repeat what the server already holds, and says again what a drop may have lost', () => {
      const { transport, controller } = setup();
      controller.start();
      transport.up();
      const read = { ...info, receipts: { ...info.receipts, operator: { deliveredSeq: 2, readSeq: 2 } } };
      transport.receive({ type: 'chat.info', chat: read });
      transport.receive({
        type: 'chat.entries',
        chatId: 'chat-1',
        entries: [message(1, 'end_user', 'a'), message(2, 'end_user', 'b')],
      });
      controller.setAttention(true);
      expect(transport.take()).toEqual([{ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 }]);
      transport.receive({ type: 'chat.entries', chatId: 'chat-1', entries: [message(3, 'end_user', 'c')] });
      expect(transport.take()).toEqual([receipt(3, 'read')]);
      // The connection drops before the server stored it: after the reconnect, the server still says 2.
      transport.down();
      transport.up();
      transport.take();
      transport.receive({ type: 'chat.info', chat: read });
      transport.receive({ type: 'chat.entries', chatId: 'chat-1', entries: [] });
      expect(transport.take()).toEqual([receipt(3, 'read')]);
      expect(controller.getState().receipts.operator.readSeq).toBe(3);
    });

    it('turns the other side’s marks into delivered and read on this side’s messages', () => {
      const { transport, controller } = setup();
      controller.start();
      transport.up();
      transport.receive({ type: 'chat.info', chat: info });
      transport.take();
      transport.receive({
        type: 'chat.receipts',
        chatId: 'chat-1',
        role: 'end_user',
        deliveredSeq: 4,
        readSeq: 2,
      });
      transport.receive({
        type: 'chat.receipts',
        chatId: 'chat-1',
        role: 'end_user',
        deliveredSeq: 3,
        readSeq: 1,
      });
      expect(controller.getState().receipts.end_user).toEqual({ deliveredSeq: 4, readSeq: 2 });
      expect(transport.take()).toEqual([]);
    });

    it('reports the other side’s messages that arrive live, not the history loaded at start', () => {
      const { transport, controller } = setup();
      const heard: string[] = [];
      controller.onPeerMessages((messages) => heard.push(...messages.map((m) => m.text)));
      controller.start();
      transport.up();
      transport.receive({ type: 'chat.info', chat: info });
      transport.receive({ type: 'chat.entries', chatId: 'chat-1', entries: [message(1, 'end_user', 'old')] });
      transport.receive({
        type: 'chat.entries',
        chatId: 'chat-1',
        entries: [message(2, 'operator', 'mine'), message(3, 'end_user', 'new')],
      });
      transport.receive({ type: 'chat.entries', chatId: 'chat-1', entries: [message(3, 'end_user', 'new')] });
      // After a reconnect, what was missed meanwhile is news too.
      transport.down();
      transport.up();
      transport.receive({
        type: 'chat.entries',
        chatId: 'chat-1',
        entries: [message(4, 'end_user', 'missed')],
      });
      expect(heard).toEqual(['new', 'missed']);
    });
  });

  it('sends again what got no answer when the chat info comes back (the path behind the transport reconnected)', () => {
    const { transport, clock, controller } = setup('end_user');
    controller.start();
    transport.up();
    transport.receive({ type: 'chat.info', chat: info });
    transport.take();
    controller.send('written while the agent was away');
    expect(transport.take()).toMatchObject([{ type: 'chat.send', clientId: 'client-id-1' }]);
    // An info right away (an answer to our own subscribe) does not repeat a message just sent.
    transport.receive({ type: 'chat.info', chat: info });
    expect(transport.take()).toEqual([]);
    clock.advance(10_000);
    transport.receive({ type: 'chat.info', chat: info });
    expect(transport.take()).toMatchObject([{ type: 'chat.send', clientId: 'client-id-1' }]);
    transport.receive({ type: 'chat.ack', chatId: 'chat-1', clientId: 'client-id-1', seq: 5, at: 'x' });
    clock.advance(10_000);
    transport.receive({ type: 'chat.info', chat: info });
    expect(transport.take()).toEqual([]);
    expect(controller.getState().pending[0]?.status).toBe('sent');
  });
});
