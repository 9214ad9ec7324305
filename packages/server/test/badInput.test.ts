import { CloseCode, HELLO_TIMEOUT_MS, MAX_CLIENT_FRAME_BYTES, PROTOCOL_VERSION } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import {
  ApiClient,
  addOperator,
  agentHello,
  connectConsole,
  connectRawAgent,
  TestSocket,
  useTestServer,
  wsUrl,
} from './support/server.js';

describe('bad input gets a clear error and the server keeps serving others', () => {
  const suite = useTestServer();

  /** Another console that must keep working whatever the bad peer did. */
  async function othersStillServed(): Promise<void> {
    const witness = await connectConsole(suite.server, suite.api);
    expect(witness.ofType('welcome')).toHaveLength(1);
    witness.close();
    expect((await fetch(`${suite.server.url}/healthz`)).status).toBe(200);
  }

  it('P-1, P-3: answers malformed JSON, non-objects and unknown types with errors and stays open', async () => {
    const console = await connectConsole(suite.server, suite.api);
    console.send('{"type": "chat.send", ');
    expect(await console.next((f) => f.type === 'error')).toMatchObject({
      code: 'bad_frame',
      message: 'frame is not valid JSON',
    });
    console.send('[1,2,3]');
    console.send({ type: 'chat.explode', chatId: 'x' });
    await console.next((f) => f.type === 'error' && f.code === 'unknown_type');
    expect(console.ofType('error').map((e) => e.code)).toEqual(['bad_frame', 'bad_frame', 'unknown_type']);
    console.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await console.next((f) => f.type === 'error' && String(f.message).includes('binary'));
    expect(console.ws.readyState).toBe(console.ws.OPEN);
    console.close();
    await othersStillServed();
  });

  it('P-3, P-22: rejects wrong field types and oversize or empty message text, storing nothing', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['bob']);
    const chatId = (await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body
      .chatId as string;
    const console = await connectConsole(suite.server, suite.api);
    console.send({ type: 'chat.send', chatId, clientId: 12345678, text: 'hi' });
    expect(await console.next((f) => f.type === 'error')).toMatchObject({ code: 'bad_frame' });
    console.send({ type: 'chat.send', chatId, clientId: 'client-big-1', text: 'x'.repeat(8001) });
    console.send({ type: 'chat.send', chatId, clientId: 'client-empty', text: '   ' });
    await expect.poll(() => console.ofType('error').length).toBe(3);
    expect(console.ofType('error').every((e) => e.code === 'bad_frame')).toBe(true);
    expect((await suite.server.store.chats.entriesAfter(chatId, 0, 10)).map((e) => e.kind)).toEqual([
      'event',
    ]);
    console.close();
    agent.socket.close();
  });

  it('P-3: closes a connection that sends a frame larger than the cap with 1009', async () => {
    const console = await connectConsole(suite.server, suite.api);
    console.send({ type: 'chat.typing', chatId: 'x', typing: true, pad: 'x'.repeat(MAX_CLIENT_FRAME_BYTES) });
    expect((await console.closed).code).toBe(CloseCode.tooBig);
    await othersStillServed();
  });

  it('P-6: closes a socket that has not said hello within 10 s with 4003', async () => {
    const started = Date.now();
    const [console, agent] = await Promise.all([
      TestSocket.connect(wsUrl(suite.server, '/ws/console'), {
        origin: suite.server.url,
        cookie: suite.api.cookie,
      }),
      TestSocket.connect(wsUrl(suite.server, '/ws/agent')),
    ]);
    for (const socket of [console, agent]) expect((await socket.closed).code).toBe(CloseCode.helloTimeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(HELLO_TIMEOUT_MS - 100);
    expect([...console.frames, ...agent.frames].map((f) => f.type)).toEqual([]);
  });

  it('P-12: refuses chat frames before hello, and an agent that has not said who it is', async () => {
    const console = await TestSocket.connect(wsUrl(suite.server, '/ws/console'), {
      origin: suite.server.url,
      cookie: suite.api.cookie,
    });
    console.send({ type: 'chat.subscribe', chatId: 'x', afterSeq: 0 });
    expect(await console.next((f) => f.type === 'error')).toMatchObject({ code: 'not_authenticated' });
    expect((await console.closed).code).toBe(CloseCode.authFailed);

    const agent = await TestSocket.connect(wsUrl(suite.server, '/ws/agent'));
    agent.send({ type: 'agent.users', loggedOnUsers: [] });
    expect(await agent.next((f) => f.type === 'error')).toMatchObject({ code: 'not_authenticated' });
    expect((await agent.closed).code).toBe(CloseCode.authFailed);
    await othersStillServed();
  });

  it('P-12: refuses an agent with a wrong credential or an unknown device, and a wrong protocol version', async () => {
    const real = await connectRawAgent(suite.server, suite.api, ['bob']);
    const hello = agentHello(real.deviceId, 'w'.repeat(43), 'PC', []);
    for (const bad of [hello, { ...hello, deviceId: 'no-such-device', credential: real.credential }]) {
      const agent = await TestSocket.connect(wsUrl(suite.server, '/ws/agent'));
      agent.send(bad);
      expect(await agent.next((f) => f.type === 'error')).toMatchObject({ code: 'not_authenticated' });
      expect((await agent.closed).code).toBe(CloseCode.authFailed);
    }
    // The handshake tells a client that is too old from a server that is.
    for (const [version, who] of [
      [PROTOCOL_VERSION + 1, /this server is too old/],
      [PROTOCOL_VERSION - 1, /the agent is too old/],
    ] as const) {
      const other = await TestSocket.connect(wsUrl(suite.server, '/ws/agent'));
      other.send({ ...hello, credential: real.credential, protocolVersion: version });
      const error = await other.next((f) => f.type === 'error');
      expect(error).toMatchObject({ code: 'version_mismatch' });
      expect(String(error.message)).toMatch(who);
      const closed = await other.closed;
      expect(closed.code).toBe(CloseCode.versionMismatch);
      expect(closed.reason).toBe(version > PROTOCOL_VERSION ? 'server too old' : 'client too old');
    }
    expect((await suite.server.store.devices.find(real.deviceId))?.onlineNode).toBe('test-node');
    real.socket.close();
  });

  it('P-2, P-10: refuses WebSocket upgrades without a session, from another origin, or to unknown paths', async () => {
    await expect(
      TestSocket.connect(wsUrl(suite.server, '/ws/console'), { origin: suite.server.url }),
    ).rejects.toThrow(/401/);
    await expect(
      TestSocket.connect(wsUrl(suite.server, '/ws/console'), {
        origin: 'http://evil.example',
        cookie: suite.api.cookie,
      }),
    ).rejects.toThrow(/403/);
    await expect(
      TestSocket.connect(wsUrl(suite.server, '/ws/agent'), { origin: 'http://evil.example' }),
    ).rejects.toThrow(/403/);
    await expect(TestSocket.connect(wsUrl(suite.server, '/ws/nope'))).rejects.toThrow(/404/);
  });

  it('P-24: keeps an operator out of a chat that is not theirs, and a device out of another device’s chat', async () => {
    const agentA = await connectRawAgent(suite.server, suite.api, ['bob'], 'PC-A');
    const agentB = await connectRawAgent(suite.server, suite.api, ['carol'], 'PC-B');
    const chatId = (await suite.api.request('POST', `/api/devices/${agentA.deviceId}/chats`)).body
      .chatId as string;
    agentB.socket.send({ type: 'chat.send', chatId, clientId: 'intruder-01', text: 'hi' });
    expect(await agentB.socket.next((f) => f.type === 'error')).toMatchObject({
      code: 'not_found',
      ref: 'intruder-01',
    });
    agentB.socket.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    expect(await agentB.socket.next((f) => f.type === 'error' && f.ref === chatId)).toMatchObject({
      code: 'not_found',
    });

    const other = await addOperator(suite.server, {
      username: 'eve',
      password: 'eve-password-123',
      capabilities: ['instant-messaging'],
    });
    const eve = new ApiClient(suite.server.url);
    await eve.login(other.username, 'eve-password-123');
    const eveSocket = await connectConsole(suite.server, eve);
    eveSocket.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    expect(await eveSocket.next((f) => f.type === 'error')).toMatchObject({ code: 'forbidden', ref: chatId });
    eveSocket.send({ type: 'chat.send', chatId, clientId: 'intruder-02', text: 'hi' });
    expect(await eveSocket.next((f) => f.type === 'error' && f.ref === 'intruder-02')).toMatchObject({
      code: 'forbidden',
    });
    expect((await suite.server.store.chats.entriesAfter(chatId, 0, 10)).map((e) => e.kind)).toEqual([
      'event',
    ]);
    eveSocket.close();
    agentA.socket.close();
    agentB.socket.close();
  });

  it('P-25: rate-limits a flood of messages without refusing a burst of twenty', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['bob']);
    const chatId = (await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body
      .chatId as string;
    const console = await connectConsole(suite.server, suite.api);
    for (let i = 0; i < 20; i++)
      console.send({ type: 'chat.send', chatId, clientId: `paste-${i}-000`, text: `line ${i}` });
    await expect.poll(() => console.ofType('chat.ack').length).toBe(20);
    expect(console.ofType('error')).toEqual([]);
    for (let i = 0; i < 100; i++)
      console.send({ type: 'chat.send', chatId, clientId: `flood-${i}-000`, text: 'spam' });
    await expect.poll(() => console.ofType('chat.ack').length + console.ofType('error').length).toBe(120);
    const limited = console.ofType('error');
    expect(limited.length).toBeGreaterThan(40);
    expect(limited.every((e) => e.code === 'rate_limited' && String(e.ref).startsWith('flood-'))).toBe(true);
    console.close();
    agent.socket.close();
  });

  it('P-4: limits frames of every kind, so a flood of small frames is refused and others are still served', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['bob']);
    const chatId = (await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body
      .chatId as string;
    const console = await connectConsole(suite.server, suite.api);
    for (let i = 0; i < 1000; i++) console.send({ type: 'chat.typing', chatId, typing: i % 2 === 0 });
    await console.next((f) => f.type === 'error' && f.code === 'rate_limited');
    expect(console.ofType('error').every((e) => e.code === 'rate_limited')).toBe(true);
    await othersStillServed();
    console.close();
    agent.socket.close();
  });
});
