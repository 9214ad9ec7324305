import { describe, expect, it } from 'vitest';
import {
  connectConsole,
  connectRawAgent,
  operatorClient,
  type TestSocket,
  useTestServer,
  watchDevices,
} from './support/server.js';

type Device = { id: string; online: boolean; loggedOnUsers: { name: string }[] };

/** The device.updated frames a console got about one device, once it was online. */
function updatesOf(console: TestSocket, deviceId: string): Device[] {
  const devices = console.ofType('device.updated').map((f) => f.device as Device);
  const mine = devices.filter((d) => d.id === deviceId);
  return mine.slice(mine.findIndex((d) => d.online));
}

const names = (...list: string[]) => list.map((name) => ({ name }));

describe('device.updated: only real changes, at most one a second per device (P-10)', () => {
  const suite = useTestServer();

  it('11: a flood of agent.users is coalesced, and the last list always goes out', async () => {
    const { server, api } = suite;
    const console = await connectConsole(server, api);
    const agent = await connectRawAgent(server, api, ['bob'], 'PC-FLOOD', (id) =>
      watchDevices(console, [id]),
    );
    await console.next((f) => f.type === 'device.updated' && (f.device as Device).online);

    // Two lists of ~25 KiB each, in turn, then a last one.
    const big = (tag: string) =>
      names(...Array.from({ length: 100 }, (_, i) => `${tag}-${i}-${'x'.repeat(240)}`));
    const lists = [big('a'), big('b')];
    const last = names('bob', 'kim');
    const floodStarted = Date.now();
    for (let i = 0; i < 99; i++) agent.socket.send({ type: 'agent.users', loggedOnUsers: lists[i % 2] });
    agent.socket.send({ type: 'agent.users', loggedOnUsers: last });

    await console.next(
      (f) =>
        f.type === 'device.updated' &&
        (f.device as Device).id === agent.deviceId &&
        JSON.stringify((f.device as Device).loggedOnUsers) === JSON.stringify(last),
      10_000,
    );
    const updates = updatesOf(console, agent.deviceId);
    // The online one, then at most one a second while the flood was handled (100 without coalescing).
    const seconds = Math.ceil((Date.now() - floodStarted) / 1000);
    expect(updates.length).toBeLessThanOrEqual(2 + seconds);
    expect(updates.at(-1)?.loggedOnUsers).toEqual(last);
    expect(agent.socket.ofType('error')).toEqual([]);
    expect((await server.store.devices.find(agent.deviceId))?.loggedOnUsers).toEqual(last);
    console.close();
    agent.socket.close();
  });
});

describe('device.updated without a coalescing window', () => {
  const suite = useTestServer({ deviceUpdateMs: 0 });

  it('11: the same list sent again produces no device.updated', async () => {
    const { server, api } = suite;
    const console = await connectConsole(server, api);
    const agent = await connectRawAgent(server, api, ['bob'], 'PC-SAME', (id) => watchDevices(console, [id]));
    await console.next((f) => f.type === 'device.updated' && (f.device as Device).online);

    for (let i = 0; i < 5; i++) agent.socket.send({ type: 'agent.users', loggedOnUsers: names('bob') });
    // Frames of one socket are handled in order: once this one is seen, the five before it were handled.
    agent.socket.send({ type: 'agent.users', loggedOnUsers: names('bob', 'kim') });
    await console.next(
      (f) =>
        f.type === 'device.updated' &&
        (f.device as Device).id === agent.deviceId &&
        (f.device as Device).loggedOnUsers.length === 2,
    );
    expect(updatesOf(console, agent.deviceId).map((d) => d.loggedOnUsers)).toEqual([
      names('bob'),
      names('bob', 'kim'),
    ]);
    console.close();
    agent.socket.close();
  });
});

describe('device.chats: a chat opened or ended shows on the rows of every console shown the device (P-35)', () => {
  const suite = useTestServer();

  it('P-35: tells each console whose the chat is, marks the operator’s own, and tells no console not shown the device', async () => {
    const { server, api } = suite;
    const agent = await connectRawAgent(server, api, ['bob'], 'PC-CHATS');
    const operator = { password: 'chats password 12', capabilities: ['instant-messaging' as const] };
    const maria = await operatorClient(server, {
      ...operator,
      username: 'maria',
      displayName: 'Maria Jensen',
      devices: [agent.deviceId],
    });
    const kim = await operatorClient(server, { ...operator, username: 'kim', devices: [] });
    const [adminConsole, mariaConsole, kimConsole] = await Promise.all(
      [api, maria, kim].map((client) => connectConsole(server, client)),
    );
    // Each shows the device (P-37); kim, who may not read it, asks for it too and is not given it.
    for (const console of [adminConsole, mariaConsole, kimConsole])
      await watchDevices(console, [agent.deviceId]);
    const chatsOf = (console: TestSocket, count: number) =>
      console.next((f) => f.type === 'device.chats' && console.ofType('device.chats').length >= count);

    const opened = await maria.request('POST', `/api/devices/${agent.deviceId}/chats`);
    expect(opened.status).toBe(201);
    const chatId = opened.body.chatId as string;
    await chatsOf(adminConsole, 1);
    await chatsOf(mariaConsole, 1);
    expect(adminConsole.ofType('device.chats')).toEqual([
      {
        type: 'device.chats',
        deviceId: agent.deviceId,
        chats: [{ chatId, operator: 'Maria Jensen', mine: false }],
      },
    ]);
    expect(mariaConsole.ofType('device.chats')[0]?.chats).toEqual([
      { chatId, operator: 'Maria Jensen', mine: true },
    ]);

    // The same chat shown again is no change.
    expect((await maria.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId).toBe(chatId);
    mariaConsole.send({ type: 'chat.close', chatId });
    await chatsOf(adminConsole, 2);
    expect(adminConsole.ofType('device.chats').map((f) => f.chats)).toEqual([
      [{ chatId, operator: 'Maria Jensen', mine: false }],
      [],
    ]);

    // Kim may not read the device: a request answered after every frame before it shows none came.
    kimConsole.send({ type: 'chat.subscribe', chatId: 'no-such-chat', afterSeq: 0 });
    await kimConsole.next((f) => f.type === 'error' && f.ref === 'no-such-chat');
    expect(kimConsole.ofType('device.chats')).toEqual([]);
    expect(JSON.stringify(kimConsole.frames)).not.toContain(agent.deviceId);
    for (const socket of [adminConsole, mariaConsole, kimConsole, agent.socket]) socket.close();
  });
});
