import { type DevicePage, type DeviceRow, type DeviceSummary, PROTOCOL_VERSION } from '@parley/protocol';
import { type InfiniteData, QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsoleSocket } from '../api/consoleSocket';
import { TestClock } from '../chat/testClock';
import { FakeSockets } from '../chat/testing';
import { devicesSink, NO_DEVICE_FILTER } from './deviceList';

function device(id: string, name: string, online = true): DeviceSummary {
  return { id, name, os: 'Linux', online, loggedOnUsers: online ? [{ name: 'sam' }] : [] };
}

function row(id: string, name: string, online = true): DeviceRow {
  return { ...device(id, name, online), lastSeenAt: null, agentVersion: '1', chats: [] };
}

const key = ['device-pages', NO_DEVICE_FILTER];

/** A console socket over fake sockets whose device news lands in a real query cache holding one shown page. */
function setup() {
  const client = new QueryClient();
  const sockets = new FakeSockets();
  const socket = new ConsoleSocket({
    url: 'ws://h/ws/console',
    connect: sockets.factory,
    clock: new TestClock(),
    onDevices: devicesSink(client),
  });
  const page: DevicePage = {
    devices: [row('a', 'PC-1'), row('b', 'PC-2')],
    nextCursor: null,
    total: 2,
    online: 2,
    oses: [],
  };
  client.setQueryData<InfiniteData<DevicePage>>(key, { pages: [page], pageParams: [null] });
  socket.start();
  sockets.open();
  sockets.message({
    type: 'welcome',
    protocolVersion: PROTOCOL_VERSION,
    operator: { id: 'op-1', username: 'olga', displayName: 'Olga' },
  });
  socket.watchDevices(['a', 'b'], true);
  const rows = () => client.getQueryData<InfiniteData<DevicePage>>(key)?.pages[0]?.devices ?? [];
  const stale = () => client.getQueryState(key)?.isInvalidated ?? false;
  return { client, sockets, socket, rows, stale };
}

describe('the shown rows take the socket’s news (P-37)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('P-37: the answer to devices.watch refreshes the rows without asking for the pages again', () => {
    vi.useFakeTimers();
    const { sockets, rows, stale } = setup();
    sockets.message({ type: 'devices.watched', devices: [device('b', 'PC-2', false)], more: false });
    expect(rows().map((r) => [r.id, r.online])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    vi.advanceTimersByTime(60_000);
    expect(stale()).toBe(false);
  });

  it('P-37: an update lands in its row at once, and the pages are asked again soon after', () => {
    vi.useFakeTimers();
    const { sockets, rows, stale } = setup();
    sockets.message({ type: 'devices.watched', devices: [], more: false });
    sockets.message({ type: 'device.updated', device: device('a', 'PC-1', false) });
    expect(rows().find((r) => r.id === 'a')?.online).toBe(false);
    expect(stale()).toBe(false);
    vi.advanceTimersByTime(1500);
    expect(stale()).toBe(true);
  });

  it('P-37: devices.changed (a device not shown changed) asks for the pages again', () => {
    vi.useFakeTimers();
    const { sockets, stale } = setup();
    sockets.message({ type: 'devices.watched', devices: [], more: false });
    sockets.message({ type: 'devices.changed' });
    vi.advanceTimersByTime(1500);
    expect(stale()).toBe(true);
  });

  it('P-29: a removed device leaves the rows at once', () => {
    const { sockets, rows } = setup();
    sockets.message({ type: 'devices.watched', devices: [], more: false });
    sockets.message({ type: 'device.removed', deviceId: 'a' });
    expect(rows().map((r) => r.id)).toEqual(['b']);
  });

  it('P-35: a shown row takes the device’s open chats at once', () => {
    const { sockets, rows } = setup();
    const chats = [{ chatId: 'c1', operator: 'Maria', mine: false }];
    sockets.message({ type: 'device.chats', deviceId: 'b', chats });
    expect(rows().map((r) => [r.id, r.chats])).toEqual([
      ['a', []],
      ['b', chats],
    ]);
  });
});
