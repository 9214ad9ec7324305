import { type DevicePage, type DeviceSummary, PROTOCOL_VERSION } from '@parley/protocol';
import { type InfiniteData, QueryClient, QueryObserver, skipToken } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsoleSocket } from '../api/consoleSocket';
import { endSession } from '../auth/session';
import { TestClock } from '../chat/testClock';
import { FakeSockets } from '../chat/testing';
import { applyDeviceChange, devicesSink, NO_DEVICE_FILTER } from './deviceList';

function device(id: string, name: string, online = true): DeviceSummary {
  return { id, name, os: 'Linux', online, loggedOnUsers: online ? [{ name: 'sam' }] : [] };
}

/** A console socket over fake sockets whose device list lands in a real query cache, as in the console. */
function setup() {
  const client = new QueryClient();
  const sockets = new FakeSockets();
  const socket = new ConsoleSocket({
    url: 'ws://h/ws/console',
    connect: sockets.factory,
    clock: new TestClock(),
    onDevices: devicesSink(client),
  });
  socket.start();
  sockets.open();
  sockets.message({
    type: 'welcome',
    protocolVersion: PROTOCOL_VERSION,
    operator: { id: 'op-1', username: 'olga', displayName: 'Olga' },
  });
  const shown = () => client.getQueryData<DeviceSummary[]>(['devices'])?.map((d) => d.name) ?? null;
  return { client, sockets, socket, shown };
}

describe('the device list in the query cache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sorts by name, numbers in numeric order, and puts an updated device in its place', () => {
    let list = applyDeviceChange(undefined, {
      type: 'snapshot',
      devices: [device('b', 'PC-10'), device('a', 'pc-9'), device('c', 'Alpha')],
    });
    expect(list.map((d) => d.name)).toEqual(['Alpha', 'pc-9', 'PC-10']);
    list = applyDeviceChange(list, { type: 'updated', device: device('a', 'PC-9', false) });
    list = applyDeviceChange(list, { type: 'updated', device: device('d', 'PC-1') });
    expect(list.map((d) => [d.name, d.online])).toEqual([
      ['Alpha', true],
      ['PC-1', true],
      ['PC-9', false],
      ['PC-10', true],
    ]);
  });

  it('P-10: is empty ("Loading devices…") until the snapshot is complete, then live from the socket', () => {
    const { sockets, shown } = setup();
    sockets.message({ type: 'devices.snapshot', devices: [device('b', 'PC-2')], more: true });
    sockets.message({ type: 'device.updated', device: device('b', 'PC-2', false) });
    expect(shown()).toBeNull();
    sockets.message({ type: 'devices.snapshot', devices: [device('a', 'PC-1')], more: false });
    expect(shown()).toEqual(['PC-1', 'PC-2']);
    sockets.message({ type: 'device.updated', device: device('c', 'PC-0') });
    expect(shown()).toEqual(['PC-0', 'PC-1', 'PC-2']);
  });

  it('P-29: a removed device leaves the list', () => {
    const { sockets, shown } = setup();
    sockets.message({
      type: 'devices.snapshot',
      devices: [device('a', 'PC-1'), device('b', 'PC-2')],
      more: false,
    });
    sockets.message({ type: 'device.removed', deviceId: 'a' });
    expect(shown()).toEqual(['PC-2']);
    sockets.message({ type: 'device.removed', deviceId: 'unknown' });
    expect(shown()).toEqual(['PC-2']);
  });

  it('keeps the list while no screen shows it (no refetch: the socket is its only source)', () => {
    vi.useFakeTimers();
    const { client, sockets, shown } = setup();
    sockets.message({ type: 'devices.snapshot', devices: [device('a', 'PC-1')], more: false });
    const observer = new QueryObserver(client, { queryKey: ['devices'], queryFn: skipToken });
    const stop = observer.subscribe(() => {});
    expect(observer.getCurrentResult().data).toHaveLength(1);
    stop();
    vi.advanceTimersByTime(60 * 60_000);
    expect(shown()).toEqual(['PC-1']);
  });

  it('P-35: a shown row takes the device’s open chats at once', () => {
    const { client, sockets } = setup();
    sockets.message({ type: 'devices.snapshot', devices: [device('a', 'PC-1')], more: false });
    const row = (id: string, name: string) => ({
      ...device(id, name),
      lastSeenAt: null,
      agentVersion: '1',
      chats: [],
    });
    const page = {
      devices: [row('a', 'PC-1'), row('b', 'PC-2')],
      nextCursor: null,
      total: 2,
      online: 2,
      oses: [],
    };
    const key = ['device-pages', NO_DEVICE_FILTER];
    client.setQueryData<InfiniteData<DevicePage>>(key, { pages: [page], pageParams: [null] });
    const chats = [{ chatId: 'c1', operator: 'Maria', mine: false }];
    sockets.message({ type: 'device.chats', deviceId: 'b', chats });
    const rows = client.getQueryData<InfiniteData<DevicePage>>(key)?.pages[0]?.devices;
    expect(rows?.map((r) => [r.id, r.chats])).toEqual([
      ['a', []],
      ['b', chats],
    ]);
    expect(client.getQueryData<DeviceSummary[]>(['devices'])?.map((d) => d.id)).toEqual(['a']);
  });

  it('goes with the session', () => {
    const { client, sockets, shown } = setup();
    sockets.message({ type: 'devices.snapshot', devices: [device('a', 'PC-1')], more: false });
    endSession(client, null);
    expect(shown()).toBeNull();
    expect(client.getQueryData(['session'])).toEqual({ operator: null, notice: null, signedOut: false });
  });
});
