import {
  type ChatServerFrame,
  type DeviceSummary,
  MAX_CLIENT_FRAME_BYTES,
  MAX_WATCHED_DEVICES,
  PROTOCOL_VERSION,
  WATCH_REF,
} from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../chat/testClock';
import { FakeSockets, message } from '../chat/testing';
import type { ChatTransportListener } from '../chat/transport';
import { ConsoleSocket, consoleSocketUrl, type DeviceChange } from './consoleSocket';

const operator = { id: 'op-1', username: 'olga', displayName: 'Olga' };

function device(id: string, name: string, online = true): DeviceSummary {
  return { id, name, os: 'Linux', online, loggedOnUsers: online ? [{ name: 'sam' }] : [] };
}

function recorder() {
  const events: string[] = [];
  const frames: ChatServerFrame[] = [];
  const listener: ChatTransportListener = {
    frame: (frame) => frames.push(frame),
    ready: () => events.push('ready'),
    down: () => events.push('down'),
  };
  return { events, frames, listener };
}

function setup(checkSession?: () => Promise<boolean>) {
  const sockets = new FakeSockets();
  const clock = new TestClock();
  const changes: DeviceChange[] = [];
  const socket = new ConsoleSocket({
    url: 'ws://h/ws/console',
    connect: sockets.factory,
    clock,
    checkSession,
    onDevices: (change) => changes.push(change),
  });
  return { sockets, clock, socket, changes };
}

/** What the changes said, one line each: the ids of an answer, or "id online" of an update. */
function said(changes: readonly DeviceChange[]): string[] {
  return changes.map((change) => {
    switch (change.type) {
      case 'watched':
        return `watched ${change.devices.map((d) => `${d.id}${d.online ? '' : '(offline)'}`).join(' ')}`;
      case 'removed':
        return `removed ${change.deviceId}`;
      case 'chats':
        return `chats ${change.deviceId} ${change.chats.map((chat) => (chat.mine ? 'mine' : chat.operator)).join(' ')}`;
      case 'listChanged':
        return 'list changed';
      default:
        return `updated ${change.device.id}${change.device.online ? '' : '(offline)'}`;
    }
  });
}

function greet(sockets: FakeSockets) {
  sockets.open();
  sockets.message({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, operator });
}

describe('ConsoleSocket', () => {
  it('builds the socket URL from the page location', () => {
    expect(consoleSocketUrl({ protocol: 'http:', host: 'localhost:8080' })).toBe(
      'ws://localhost:8080/ws/console',
    );
    expect(consoleSocketUrl({ protocol: 'https:', host: 'help.example' })).toBe(
      'wss://help.example/ws/console',
    );
  });

  it('P-37: says hello, becomes ready on welcome, gets no device list, and watches what the console shows', () => {
    const { sockets, socket, changes } = setup();
    socket.watchDevices(['a', 'b', 'a'], true);
    socket.start();
    sockets.open();
    expect(sockets.sentFrames()).toEqual([{ type: 'hello', protocolVersion: PROTOCOL_VERSION }]);
    expect(socket.getSnapshot().status).toBe('connecting');
    sockets.message({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, operator });
    expect(socket.getSnapshot().status).toBe('ready');
    expect(sockets.sentFrames().at(-1)).toEqual({
      type: 'devices.watch',
      deviceIds: ['a', 'b'],
      listChanges: true,
    });
    sockets.message({
      type: 'devices.watched',
      devices: [device('b', 'PC-10'), device('a', 'PC-9')],
      more: false,
    });
    sockets.message({ type: 'device.updated', device: device('a', 'PC-9', false) });
    sockets.message({ type: 'devices.changed' });
    expect(said(changes)).toEqual(['list changed', 'watched b a', 'updated a(offline)', 'list changed']);
    // The same ids again: nothing to say.
    const sent = sockets.sentFrames().length;
    socket.watchDevices(['a', 'b'], true);
    expect(sockets.sentFrames()).toHaveLength(sent);
  });

  it('P-37: keeps at most MAX_WATCHED_DEVICES, the first ones', () => {
    const { sockets, socket } = setup();
    socket.start();
    greet(sockets);
    socket.watchDevices(
      Array.from({ length: MAX_WATCHED_DEVICES + 20 }, (_, i) => `id-${i}`),
      true,
    );
    const frame = sockets.sentFrames().at(-1) as { type: string; deviceIds: string[] };
    expect(frame.type).toBe('devices.watch');
    expect(frame.deviceIds).toHaveLength(MAX_WATCHED_DEVICES);
  });

  it('P-37, P-29: says nothing of an answer until its last part, then gives every part with the updates and removals on top', () => {
    const { sockets, socket, changes } = setup();
    socket.start();
    greet(sockets);
    socket.watchDevices(['a', 'b', 'c', 'd'], true);
    sockets.message({
      type: 'devices.watched',
      devices: [device('a', 'PC-1'), device('b', 'PC-2')],
      more: true,
    });
    // An update that comes while the answer is on its way goes on top of it, not in place of it.
    sockets.message({ type: 'device.updated', device: device('b', 'PC-2', false) });
    sockets.message({ type: 'devices.watched', devices: [device('c', 'PC-3')], more: true });
    sockets.message({ type: 'device.removed', deviceId: 'c' });
    expect(changes).toEqual([]);
    sockets.message({ type: 'devices.watched', devices: [device('d', 'PC-4')], more: false });
    expect(said(changes)).toEqual(['watched a b(offline) d', 'removed c']);
    sockets.message({ type: 'device.updated', device: device('d', 'PC-4', false) });
    expect(said(changes).at(-1)).toBe('updated d(offline)');
    sockets.message({ type: 'device.removed', deviceId: 'a' });
    expect(said(changes).at(-1)).toBe('removed a');
  });

  it('P-37: an answer that failed (internal) ends the wait; not_found comes after its answer and changes nothing', () => {
    const { sockets, socket, changes } = setup();
    socket.start();
    greet(sockets);
    socket.watchDevices(['a'], true);
    sockets.message({ type: 'device.updated', device: device('a', 'PC-1') });
    sockets.message({ type: 'error', code: 'internal', message: 'no database', ref: WATCH_REF });
    expect(said(changes)).toEqual(['updated a']);
    socket.watchDevices(['a', 'zz'], true);
    sockets.message({ type: 'devices.watched', devices: [device('a', 'PC-1')], more: false });
    sockets.message({ type: 'error', code: 'not_found', message: '1 of the 2…', ref: WATCH_REF });
    sockets.message({ type: 'device.updated', device: device('a', 'PC-1', false) });
    expect(said(changes).slice(1)).toEqual(['watched a', 'updated a(offline)']);
  });

  it('P-35: passes a device’s open chats on at once, even while an answer is on its way', () => {
    const { sockets, socket, changes } = setup();
    socket.start();
    greet(sockets);
    socket.watchDevices(['a'], true);
    sockets.message({ type: 'devices.watched', devices: [device('a', 'PC-1')], more: true });
    const chats = [
      { chatId: 'c1', operator: 'Maria', mine: false },
      { chatId: 'c2', operator: 'Ann Admin', mine: true },
    ];
    sockets.message({ type: 'device.chats', deviceId: 'a', chats });
    expect(said(changes)).toEqual(['chats a Maria mine']);
    sockets.message({ type: 'device.chats', deviceId: 'a', chats: [] });
    expect(said(changes).at(-1)).toBe('chats a ');
  });

  it('P-37: after a reconnect watches again and says the list may have changed, parts of a dropped answer forgotten', () => {
    const { sockets, clock, socket, changes } = setup();
    socket.start();
    greet(sockets);
    socket.watchDevices(['a'], true);
    sockets.message({ type: 'devices.watched', devices: [device('a', 'PC-1')], more: false });
    sockets.drop();
    clock.advance(1000);
    greet(sockets);
    expect(sockets.sentFrames().at(-1)).toEqual({
      type: 'devices.watch',
      deviceIds: ['a'],
      listChanges: true,
    });
    sockets.message({ type: 'devices.watched', devices: [device('x', 'PC-X')], more: true });
    sockets.drop();
    clock.advance(5000);
    greet(sockets);
    sockets.message({ type: 'devices.watched', devices: [device('a', 'PC-1', false)], more: true });
    expect(said(changes)).toEqual(['watched a', 'list changed', 'list changed']);
    sockets.message({ type: 'devices.watched', devices: [], more: false });
    expect(said(changes).at(-1)).toBe('watched a(offline)');
  });

  it('P-7: takes a frame far over the client cap (an answer of 2,000 devices in one part)', () => {
    const { sockets, socket, changes } = setup();
    socket.start();
    greet(sockets);
    socket.watchDevices(['id-0'], true);
    const devices = Array.from({ length: 2000 }, (_, i) =>
      device(`id-${i}`, `finance-laptop-${i}.example.com`),
    );
    expect(JSON.stringify(devices).length).toBeGreaterThan(MAX_CLIENT_FRAME_BYTES);
    sockets.message({ type: 'devices.watched', devices, more: false });
    const [answer] = changes;
    expect(answer?.type === 'watched' && answer.devices).toHaveLength(2000);
  });

  it('ignores frames that do not parse', () => {
    const { sockets, socket, changes } = setup();
    socket.start();
    greet(sockets);
    const before = socket.getSnapshot();
    sockets.last.handlers.message('{"type":"devices.watched","devices":"nope"}');
    sockets.last.handlers.message('not json');
    expect(socket.getSnapshot()).toBe(before);
    expect(changes).toEqual([]);
  });

  it('routes chat frames to their chat, errors to every chat, and ready/down around reconnects', () => {
    const { sockets, clock, socket } = setup();
    const one = recorder();
    const two = recorder();
    socket.chatTransport('chat-1').listen(one.listener);
    socket.chatTransport('chat-2').listen(two.listener);
    socket.start();
    greet(sockets);
    expect(one.events).toEqual(['ready']);
    sockets.message({ type: 'chat.entries', chatId: 'chat-1', entries: [message(1, 'end_user', 'hi')] });
    sockets.message({ type: 'error', code: 'rate_limited', message: 'slow down', ref: 'some-client-id' });
    expect(one.frames.map((f) => f.type)).toEqual(['chat.entries', 'error']);
    expect(two.frames.map((f) => f.type)).toEqual(['error']);
    sockets.drop();
    expect(socket.getSnapshot().status).toBe('reconnecting');
    expect(one.events).toEqual(['ready', 'down']);
    expect(socket.chatTransport('chat-1').send({ type: 'chat.typing', chatId: 'chat-1', typing: true })).toBe(
      false,
    );
    clock.advance(1000);
    greet(sockets);
    expect(one.events).toEqual(['ready', 'down', 'ready']);
  });

  it('gives the same transport object for a chat every time', () => {
    const { socket } = setup();
    expect(socket.chatTransport('chat-1')).toBe(socket.chatTransport('chat-1'));
  });

  it('sends chat frames only once greeted, and a close asked for while down once back', () => {
    const { sockets, clock, socket } = setup();
    const transport = socket.chatTransport('chat-1');
    socket.start();
    sockets.open();
    expect(transport.send({ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 })).toBe(false);
    sockets.message({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, operator });
    expect(transport.send({ type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 })).toBe(true);
    sockets.drop();
    expect(transport.send({ type: 'chat.close', chatId: 'chat-1' })).toBe(true);
    clock.advance(1000);
    greet(sockets);
    expect(sockets.sentFrames()).toEqual([
      { type: 'hello', protocolVersion: PROTOCOL_VERSION },
      { type: 'chat.close', chatId: 'chat-1' },
    ]);
  });

  it('stops on 4001 (sign in again) and 4002 (reload)', () => {
    for (const [code, status] of [
      [4001, 'signedOut'],
      [4007, 'signedOut'],
      [4002, 'reloadNeeded'],
    ] as const) {
      const { sockets, clock, socket } = setup();
      socket.start();
      greet(sockets);
      sockets.drop(code);
      expect(socket.getSnapshot().status).toBe(status);
      clock.advance(60_000);
      expect(sockets.sockets).toHaveLength(1);
    }
  });

  it('asks whether the session is still valid when the upgrade fails, and stops if not', async () => {
    let asked = 0;
    const { sockets, clock, socket } = setup(async () => {
      asked++;
      return false;
    });
    socket.start();
    sockets.drop(1006);
    await Promise.resolve();
    await Promise.resolve();
    expect(asked).toBe(1);
    expect(socket.getSnapshot().status).toBe('signedOut');
    clock.advance(60_000);
    expect(sockets.sockets).toHaveLength(1);
  });
});
