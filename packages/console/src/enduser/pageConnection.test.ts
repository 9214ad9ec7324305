import { describe, expect, it } from 'vitest';
import { ChatController } from '../chat/controller';
import { TestClock } from '../chat/testClock';
import { chatInfo, FakeSockets, message } from '../chat/testing';
import { PageConnection } from './pageConnection';

const info = chatInfo({ operatorName: 'Olga', recorded: true });

function setup() {
  const sockets = new FakeSockets();
  const clock = new TestClock();
  const connection = new PageConnection('ws://127.0.0.1:1/ws/page?chat=chat-1&token=t', {
    connect: sockets.factory,
    clock,
  });
  let n = 0;
  const chat = new ChatController('chat-1', connection, {
    myRole: 'end_user',
    clock,
    newId: () => `client-id-${++n}`,
  });
  chat.start();
  connection.start();
  return { sockets, clock, connection, chat };
}

describe('PageConnection + ChatController (the end-user page)', () => {
  it('subscribes right after the socket opens, with no hello', () => {
    const { sockets, connection } = setup();
    expect(connection.getStatus()).toBe('connecting');
    sockets.open();
    expect(connection.getStatus()).toBe('open');
    expect(sockets.sentFrames()).toEqual([{ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 }]);
  });

  it('P-14: says reconnecting while the agent cannot reach the help desk, and still takes messages', () => {
    const { sockets, connection, chat } = setup();
    sockets.open();
    sockets.message({ type: 'page.link', up: false });
    expect(connection.getStatus()).toBe('reconnecting');
    expect(connection.ready).toBe(true);
    chat.send('hello?');
    expect(sockets.sentFrames().at(-1)).toMatchObject({ type: 'chat.send', text: 'hello?' });
    sockets.message({ type: 'page.link', up: true });
    expect(connection.getStatus()).toBe('open');
  });

  it('reconnects after a drop and continues after the highest seq, resending what is pending', () => {
    const { sockets, clock, connection, chat } = setup();
    sockets.open();
    sockets.message({ type: 'chat.info', chat: info });
    sockets.message({
      type: 'chat.entries',
      chatId: 'chat-1',
      entries: [message(1, 'operator', 'hi'), message(2, 'end_user', 'yo')],
    });
    sockets.drop();
    expect(connection.getStatus()).toBe('reconnecting');
    chat.send('are you there?');
    clock.advance(1000);
    sockets.open();
    expect(sockets.sentFrames()).toEqual([
      { type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 2 },
      { type: 'chat.send', chatId: 'chat-1', clientId: 'client-id-1', text: 'are you there?' },
    ]);
  });

  it('stops reconnecting once the chat is over', () => {
    const { sockets, clock, connection } = setup();
    sockets.open();
    connection.chatOver = true;
    sockets.drop(1000);
    expect(connection.getStatus()).toBe('ended');
    clock.advance(60_000);
    expect(sockets.sockets).toHaveLength(1);
  });

  it('ignores frames that do not parse', () => {
    const { sockets, chat } = setup();
    sockets.open();
    sockets.last.handlers.message('{"type":"chat.entries","chatId":"chat-1","entries":[{"kind":"html"}]}');
    expect(chat.getState().entries).toEqual([]);
  });
});
