import { CloseCode } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempDatabase, tempPostgres } from './support/databases.js';
import {
  ApiClient,
  addOperator,
  agentHello,
  connectConsole,
  connectRawAgent,
  startTestServer,
  type TestServer,
  TestSocket,
  watchDevices,
  wsUrl,
} from './support/server.js';

describe('two server nodes on PostgreSQL and NATS', () => {
  let database: TempDatabase;
  let nodeA: TestServer;
  let nodeB: TestServer;

  beforeAll(async () => {
    database = await tempPostgres();
    nodeA = await startTestServer({ database, nats: true, nodeId: 'node-a' });
    nodeB = await startTestServer({ database, nats: true, nodeId: 'node-b' });
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await database?.drop();
  });

  it('P-29: a device removed on node B is cut off on node A, and leaves the device list of a console on A', async () => {
    const apiA = new ApiClient(nodeA.url);
    await apiA.login();
    const apiB = new ApiClient(nodeB.url);
    await apiB.login();
    const agent = await connectRawAgent(nodeA, apiA, ['bob'], 'PC-REMOVED-ACROSS');
    const consoleA = await connectConsole(nodeA, apiA);
    expect((await watchDevices(consoleA, [agent.deviceId])).map((d) => d.id)).toEqual([agent.deviceId]);
    expect((await apiB.request('DELETE', `/api/devices/${agent.deviceId}`)).status).toBe(204);
    expect((await agent.socket.closed).code).toBe(CloseCode.deviceRemoved);
    await consoleA.next((f) => f.type === 'device.removed' && f.deviceId === agent.deviceId);
    consoleA.close();
  });

  it('carries a chat across nodes: agent on A, operator on B, messages both ways', async () => {
    const apiA = new ApiClient(nodeA.url);
    await apiA.login();
    const apiB = new ApiClient(nodeB.url);
    await apiB.login();
    const agent = await connectRawAgent(nodeA, apiA, ['bob'], 'PC-CLUSTER');
    const console = await connectConsole(nodeB, apiB);
    const [seen] = await watchDevices(console, [agent.deviceId]);
    expect(seen).toMatchObject({ name: 'PC-CLUSTER', online: true, loggedOnUsers: [{ name: 'bob' }] });

    const created = await apiB.request('POST', `/api/devices/${agent.deviceId}/chats`);
    expect(created.status).toBe(201);
    const chatId = created.body.chatId as string;
    await agent.socket.next((f) => f.type === 'agent.chat_open');

    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await console.next((f) => f.type === 'chat.info');
    console.send({ type: 'chat.send', chatId, clientId: 'cross-node-1', text: 'from node B' });
    const atAgent = await agent.socket.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('cross-node-1'),
    );
    expect((atAgent.entries as { text: string }[])[0]?.text).toBe('from node B');

    agent.socket.send({ type: 'chat.send', chatId, clientId: 'cross-node-2', text: 'from node A' });
    const atConsole = await console.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('cross-node-2'),
    );
    expect((atConsole.entries as { text: string; seq: number }[])[0]).toMatchObject({
      text: 'from node A',
      seq: 3,
    });

    agent.socket.close();
    await console.next(
      (f) =>
        f.type === 'device.updated' &&
        !(f.device as { online: boolean }).online &&
        (f.device as { id: string }).id === agent.deviceId,
    );
    console.close();
  });

  it('P-26: an agent that moved to another node is shown away and back at once, and not gone when its old connection dies', async () => {
    const apiA = new ApiClient(nodeA.url);
    await apiA.login();
    const first = await connectRawAgent(nodeA, apiA, ['bob'], 'PC-MOVING');
    const chatId = (await apiA.request('POST', `/api/devices/${first.deviceId}/chats`)).body.chatId as string;
    first.socket.send({ type: 'agent.end_user', chatId, connected: true });
    await expect.poll(async () => (await nodeA.store.chats.entriesAfter(chatId, 0, 10)).length).toBe(2);

    // The agent's network moved it to node B before node A noticed the old connection was dead.
    const second = await TestSocket.connect(wsUrl(nodeB, '/ws/agent'));
    second.send(agentHello(first.deviceId, first.credential, 'PC-MOVING'));
    await second.next((f) => f.type === 'agent.welcome');
    // Node B cannot tell a crashed node A from one that has not noticed yet: either way the agent's link dropped.
    second.send({ type: 'agent.end_user', chatId, connected: true });
    await expect.poll(async () => (await nodeA.store.chats.entriesAfter(chatId, 0, 10)).length).toBe(4);

    first.socket.close();
    await first.socket.closed;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = (await nodeA.store.chats.entriesAfter(chatId, 0, 10)).map((e) =>
      e.kind === 'event' ? e.event : e.text,
    );
    expect(events).toEqual([
      'chat_opened',
      'end_user_connected',
      'end_user_disconnected',
      'end_user_connected',
    ]);
    expect((await nodeA.store.devices.find(first.deviceId))?.onlineNode).toBe('node-b');
    second.close();
  });

  it('takes offline the devices of a node that died for good, once its presence lease runs out', async () => {
    const apiA = new ApiClient(nodeA.url);
    await apiA.login();
    const console = await connectConsole(nodeA, apiA);
    const agent = await connectRawAgent(nodeB, apiA, ['bob'], 'PC-ORPHAN');
    await watchDevices(console, [agent.deviceId]);
    // Node B "dies" without a goodbye: as far as the database knows, a silent node holds the device.
    const long = new Date(Date.now() - 60_000).toISOString();
    await nodeA.store.devices.setOnline(
      agent.deviceId,
      'node-gone',
      { name: 'PC-ORPHAN', os: 'linux', agentVersion: 'test', loggedOnUsers: [] },
      null,
      long,
    );
    await nodeA.services.devices.renewPresence(15_000);
    await console.next(
      (f) =>
        f.type === 'device.updated' &&
        (f.device as { id: string }).id === agent.deviceId &&
        !(f.device as { online: boolean }).online,
    );
    expect((await nodeA.store.devices.find(agent.deviceId))?.onlineNode).toBeNull();
    agent.socket.close();
    console.close();
  });

  it('P-28: a capability withdrawn on one node ends the chat held on the other, once, and B refuses what follows', async () => {
    const apiA = new ApiClient(nodeA.url);
    await apiA.login();
    const agent = await connectRawAgent(nodeA, apiA, ['cleo'], 'PC-CLUSTER-REVOKE');
    const ivan = await addOperator(nodeA, {
      username: 'ivan',
      password: 'ivan password 12',
      capabilities: ['instant-messaging'],
      devices: [agent.deviceId],
    });
    const apiB = new ApiClient(nodeB.url);
    await apiB.login('ivan', 'ivan password 12');
    const chatId = (await apiB.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    const console = await connectConsole(nodeB, apiB);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await console.next((f) => f.type === 'chat.info');

    expect(
      (await apiA.request('PUT', `/api/operators/${ivan.id}/capabilities`, { capabilities: [] })).status,
    ).toBe(204);
    const closedInfo = (f: Record<string, unknown>) =>
      f.type === 'chat.info' && (f.chat as { status: string }).status === 'closed';
    await console.next(closedInfo);
    await agent.socket.next(closedInfo);
    // Both nodes looked at the chat: it ended once (an unrecorded chat's entries are gone once it closed).
    const events = console.frames
      .filter((f) => f.type === 'chat.entries')
      .flatMap((f) => f.entries as { kind: string; event?: string }[])
      .filter((e) => e.kind === 'event')
      .map((e) => e.event);
    expect(events.filter((e) => e === 'access_revoked')).toHaveLength(1);
    expect(events.filter((e) => e === 'chat_closed')).toHaveLength(1);
    expect((await apiB.request('POST', `/api/devices/${agent.deviceId}/chats`)).status).toBe(403);
  });
});
