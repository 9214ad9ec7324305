import { MAX_WATCHED_DEVICES, PROTOCOL_VERSION, WATCH_REF } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  connectConsole,
  connectRawAgent,
  operatorClient,
  startTestServer,
  type TestServer,
  TestSocket,
  useTestServer,
  watchDevices,
  wsUrl,
} from './support/server.js';

/** Issue 12: a console hears of the devices it shows, and of no other (P-37). */

type Device = { id: string; loggedOnUsers: { name: string }[] };
const updatesOf = (console: TestSocket, deviceId: string) =>
  console.ofType('device.updated').filter((f) => (f.device as Device).id === deviceId);

/** Frames of one socket are handled in order: once this answer came, every frame before it was answered. */
async function settled(console: TestSocket, tag: string): Promise<void> {
  console.send({ type: 'chat.subscribe', chatId: tag, afterSeq: 0 });
  await console.next((f) => f.type === 'error' && f.ref === tag);
}

describe('P-37: the hello at 10,000 devices', () => {
  let server: TestServer;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startTestServer();
    api = new ApiClient(server.url);
    await api.login();
    const at = new Date().toISOString();
    await server.store.transaction(async (tx) => {
      for (let i = 0; i < 10_000; i++)
        await tx.devices.create(
          { id: `fleet-${i}`, name: `PC-${String(i).padStart(5, '0')}`, os: 'linux', credentialHash: 'c' },
          at,
        );
    });
  });
  afterAll(() => server.stop());

  it('P-37: a console’s hello at 10,000 devices sends no device frame at all, and watching gives only what was asked', async () => {
    const console = await TestSocket.connect(wsUrl(server, '/ws/console'), {
      origin: server.url,
      cookie: api.cookie,
    });
    console.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
    await settled(console, 'after-hello');
    expect(console.frames.map((f) => f.type)).toEqual(['welcome', 'error']);

    const ids = Array.from({ length: MAX_WATCHED_DEVICES }, (_, i) => `fleet-${i * 20}`);
    const watched = await watchDevices(console, ids);
    expect(new Set(watched.map((d) => d.id))).toEqual(new Set(ids));
    expect(console.ofType('devices.watched').length).toBeGreaterThanOrEqual(1);
    console.close();
  });
});

describe('P-37: devices.watch', () => {
  // Every change of logged-on users goes out (no coalescing): the hint's own window is what is seen.
  const suite = useTestServer({ listHintMs: 2000, deviceUpdateMs: 0 });

  it('P-37: only the watched devices’ updates arrive; any other change is a devices.changed, at most one a window', async () => {
    const { server, api } = suite;
    const shown = await connectRawAgent(server, api, ['ann'], 'PC-SHOWN');
    const other = await connectRawAgent(server, api, ['bea'], 'PC-OTHER');
    const list = await connectConsole(server, api);
    const quiet = await connectConsole(server, api);
    const [state] = await watchDevices(list, [shown.deviceId]);
    expect(state).toMatchObject({ id: shown.deviceId, name: 'PC-SHOWN', online: true });
    // A device page watching one device shows no list: it wants no devices.changed.
    await watchDevices(quiet, [shown.deviceId], false);

    for (let i = 0; i < 5; i++)
      other.socket.send({ type: 'agent.users', loggedOnUsers: [{ name: `bea-${i}` }] });
    await list.next((f) => f.type === 'devices.changed');
    shown.socket.send({ type: 'agent.users', loggedOnUsers: [{ name: 'ann' }, { name: 'cat' }] });
    await list.next(() => updatesOf(list, shown.deviceId).length > 0);
    await quiet.next(() => updatesOf(quiet, shown.deviceId).length > 0);
    expect(updatesOf(list, other.deviceId)).toEqual([]);
    expect(list.ofType('device.chats')).toEqual([]);
    // The flood of changes is told once, then once more after the window: never once per change.
    expect(list.ofType('devices.changed')).toHaveLength(1);
    await list.next(() => list.ofType('devices.changed').length === 2);
    await settled(quiet, 'quiet-settled');
    expect(quiet.ofType('devices.changed')).toEqual([]);
    expect(updatesOf(quiet, other.deviceId)).toEqual([]);

    // A new watch replaces the old: the device no longer shown gets nothing, not even its removal.
    await watchDevices(list, [other.deviceId]);
    const before = list.frames.length;
    expect((await api.request('DELETE', `/api/devices/${shown.deviceId}`)).status).toBe(204);
    await quiet.next((f) => f.type === 'device.removed' && f.deviceId === shown.deviceId);
    await settled(list, 'list-settled');
    expect(list.frames.slice(before).filter((f) => JSON.stringify(f).includes(shown.deviceId))).toEqual([]);
    for (const socket of [list, quiet, shown.socket, other.socket]) socket.close();
  });

  it('P-37: too many ids, malformed ids and unknown ids get a clear error, and the socket goes on', async () => {
    const { server, api } = suite;
    const agent = await connectRawAgent(server, api, ['dan'], 'PC-VALID');
    const console = await connectConsole(server, api);
    const errors = () => console.ofType('error');

    const tooMany = Array.from({ length: MAX_WATCHED_DEVICES + 1 }, (_, i) => `d-${i}`);
    console.send({ type: 'devices.watch', deviceIds: tooMany, listChanges: true });
    await console.next(() => errors().length === 1);
    expect(errors()[0]).toMatchObject({ code: 'bad_frame', message: expect.stringContaining('deviceIds') });

    for (const deviceIds of [[''], ['x'.repeat(65)], [42], 'all']) {
      const count = errors().length;
      console.send({ type: 'devices.watch', deviceIds, listChanges: true });
      await console.next(() => errors().length === count + 1);
      expect(errors().at(-1)).toMatchObject({
        code: 'bad_frame',
        message: expect.stringContaining('deviceIds'),
      });
    }
    console.send({ type: 'devices.watch', deviceIds: [agent.deviceId], listChanges: 'yes' });
    await console.next(() => errors().length === 6);
    expect(errors().at(-1)).toMatchObject({
      code: 'bad_frame',
      message: expect.stringContaining('listChanges'),
    });
    expect(console.ofType('devices.watched')).toEqual([]);

    const watched = await watchDevices(console, [
      'no-such-device',
      agent.deviceId,
      agent.deviceId,
      'nor-this',
    ]);
    expect(watched.map((d) => d.id)).toEqual([agent.deviceId]);
    await console.next(() => errors().length === 7);
    expect(errors().at(-1)).toEqual({
      type: 'error',
      code: 'not_found',
      ref: WATCH_REF,
      message: '2 of the 3 devices asked for are not found, or not yours to read: not watched',
    });
    // Nothing broke: the watched device's news arrives.
    agent.socket.send({ type: 'agent.users', loggedOnUsers: [{ name: 'dan' }, { name: 'eve' }] });
    await console.next(() => updatesOf(console, agent.deviceId).length > 0);
    expect(console.ws.readyState).toBe(console.ws.OPEN);
    console.close();
    agent.socket.close();
  });

  it('P-37: a device the operator may not read is answered as an unknown one, and never named in any frame', async () => {
    const { server, api } = suite;
    const theirs = await connectRawAgent(server, api, ['fay'], 'PC-THEIRS');
    const hidden = await connectRawAgent(server, api, ['gus'], 'PC-HIDDEN');
    const nora = await operatorClient(server, {
      username: 'nora',
      password: 'nora password 12',
      capabilities: ['instant-messaging'],
      devices: [theirs.deviceId],
    });
    const console = await connectConsole(server, nora);
    expect(await watchDevices(console, [hidden.deviceId])).toEqual([]);
    expect(await watchDevices(console, ['no-such-device'])).toEqual([]);
    const [asHidden, asUnknown] = console.ofType('error');
    expect(asHidden).toEqual(asUnknown);
    expect((await watchDevices(console, [theirs.deviceId, hidden.deviceId])).map((d) => d.id)).toEqual([
      theirs.deviceId,
    ]);
    hidden.socket.send({ type: 'agent.users', loggedOnUsers: [{ name: 'gus' }, { name: 'hal' }] });
    theirs.socket.send({ type: 'agent.users', loggedOnUsers: [{ name: 'fay' }, { name: 'ian' }] });
    await console.next(() => updatesOf(console, theirs.deviceId).length > 0);
    expect((await api.request('DELETE', `/api/devices/${hidden.deviceId}`)).status).toBe(204);
    await hidden.socket.closed;
    await settled(console, 'nora-settled');
    expect(console.frames.filter((f) => JSON.stringify(f).includes(hidden.deviceId))).toEqual([]);
    console.close();
    theirs.socket.close();
  });
});
