import { describe, expect, it } from 'vitest';
import { ReconnectingSocket, type SocketStatus } from './reconnectingSocket';
import { TestClock } from './testClock';
import { FakeSockets } from './testing';

function setup(onClose?: (code: number, wasOpen: boolean) => 'retry' | 'stop') {
  const sockets = new FakeSockets();
  const clock = new TestClock();
  const received: string[] = [];
  const statuses: SocketStatus[] = [];
  let opens = 0;
  const socket = new ReconnectingSocket({
    url: () => 'ws://host/ws/x',
    connect: sockets.factory,
    clock,
    random: () => 1,
    onOpen: () => opens++,
    onMessage: (data) => received.push(data),
    onClose,
    onStatus: (status) => statuses.push(status),
  });
  return { sockets, clock, socket, received, statuses, opens: () => opens };
}

describe('ReconnectingSocket', () => {
  it('connects, passes messages and sends only while open', () => {
    const { sockets, socket, received, opens } = setup();
    socket.start();
    expect(socket.status).toBe('connecting');
    expect(socket.send('early')).toBe(false);
    sockets.open();
    expect(opens()).toBe(1);
    expect(socket.send('hi')).toBe(true);
    expect(sockets.last.sent).toEqual(['hi']);
    sockets.last.handlers.message('frame');
    expect(received).toEqual(['frame']);
  });

  it('reconnects after a drop with growing delays', () => {
    const { sockets, clock, socket } = setup();
    socket.start();
    sockets.open();
    sockets.drop();
    expect(socket.status).toBe('waiting');
    clock.advance(499);
    expect(sockets.sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets.sockets).toHaveLength(2);
    sockets.drop(); // failed before opening
    clock.advance(999);
    expect(sockets.sockets).toHaveLength(2);
    clock.advance(1);
    expect(sockets.sockets).toHaveLength(3);
  });

  it('resets the backoff after a connection that stayed up', () => {
    const { sockets, clock, socket } = setup();
    socket.start();
    sockets.drop();
    clock.advance(500);
    sockets.drop();
    clock.advance(1000);
    sockets.open();
    clock.advance(20_000);
    sockets.drop();
    clock.advance(500);
    expect(sockets.sockets).toHaveLength(4);
  });

  it('gives up when onClose says so', () => {
    const { sockets, clock, socket } = setup((code) => (code === 4001 ? 'stop' : 'retry'));
    socket.start();
    sockets.open();
    sockets.drop(4001);
    expect(socket.status).toBe('stopped');
    clock.advance(60_000);
    expect(sockets.sockets).toHaveLength(1);
  });

  it('stop() closes and stays closed; events of the old socket are ignored', () => {
    const { sockets, clock, socket, received } = setup();
    socket.start();
    sockets.open();
    const old = sockets.last;
    socket.stop();
    expect(old.closed).toBe(1000);
    old.handlers.message('late');
    old.handlers.close(1006);
    clock.advance(60_000);
    expect(received).toEqual([]);
    expect(sockets.sockets).toHaveLength(1);
    socket.start();
    expect(sockets.sockets).toHaveLength(2);
  });

  it('retryNow skips the wait', () => {
    const { sockets, socket } = setup();
    socket.start();
    sockets.drop();
    socket.retryNow();
    expect(sockets.sockets).toHaveLength(2);
  });
});
