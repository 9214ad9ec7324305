import type { AddressInfo } from 'node:net';
import {
  type AgentServerFrame,
  type ChatInfo,
  MAX_CLIENT_FRAME_BYTES,
  PROTOCOL_VERSION,
  reconnectDelay,
} from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { AGENT_BACKOFF, ServerConnection, type ServerConnectionOptions, type Welcome } from './connection.js';

function chat(i: number): ChatInfo {
  return {
    chatId: `chat-${String(i).padStart(4, '0')}`,
    organization: 'Acme IT',
    deviceId: 'device-1',
    deviceName: 'PC-042',
    operatorName: 'Olga Operator',
    endUserName: 'sam',
    status: 'open',
    recorded: false,
    receipts: { operator: { deliveredSeq: 0, readSeq: 0 }, end_user: { deliveredSeq: 0, readSeq: 0 } },
  };
}

/** A stand-in server the test speaks for: it answers the agent's hello with whatever the test sends. */
async function fakeServer() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  /** Every connection the agent made, in order. */
  const connections: WebSocket[] = [];
  wss.on('connection', (ws) => connections.push(ws));
  const peer = new Promise<WebSocket>((resolve) =>
    wss.once('connection', (ws) => ws.once('message', () => resolve(ws))),
  );
  const send = async (frame: AgentServerFrame) => (await peer).send(JSON.stringify(frame));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws/agent`,
    send,
    connections,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

/** A watchdog that looks every 20 ms and gives a silent server 150 ms (HEARTBEAT_MS and SERVER_SILENCE_MS, shrunk). */
const QUICK_WATCHDOG = { beatMs: 20, silenceMs: 150 };
/** The agent's backoff shrunk, so that a test's reconnect comes at once. */
const QUICK_BACKOFF = { baseMs: 20, maxMs: 200, jitter: 'full' } as const;

describe('AGENT_BACKOFF', () => {
  it('draws the first retry from anywhere in 0–5 s (full jitter), later ones from doubling windows capped at 30 s', () => {
    expect(reconnectDelay(0, () => 0, AGENT_BACKOFF)).toBe(0);
    expect(reconnectDelay(0, () => 0.5, AGENT_BACKOFF)).toBe(2500);
    expect(reconnectDelay(0, () => 1, AGENT_BACKOFF)).toBe(5000);
    expect(reconnectDelay(1, () => 1, AGENT_BACKOFF)).toBe(10_000);
    expect(reconnectDelay(2, () => 1, AGENT_BACKOFF)).toBe(20_000);
    expect(reconnectDelay(3, () => 1, AGENT_BACKOFF)).toBe(30_000);
    expect(reconnectDelay(9, () => 0.5, AGENT_BACKOFF)).toBe(15_000);
  });
});

describe('ServerConnection', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function connect(watchdog?: ServerConnectionOptions['watchdog']) {
    const server = await fakeServer();
    const welcomes: Welcome[] = [];
    const frames: AgentServerFrame[] = [];
    const logs: string[] = [];
    const connection = new ServerConnection({
      url: server.url,
      hello: async () => ({
        type: 'agent.hello',
        protocolVersion: PROTOCOL_VERSION,
        deviceId: 'device-1',
        credential: 'c'.repeat(32),
        device: { name: 'PC-042', os: 'linux', agentVersion: 'test' },
        loggedOnUsers: [{ name: 'sam' }],
      }),
      onWelcome: (welcome) => welcomes.push(welcome),
      onFrame: (frame) => frames.push(frame),
      onDown: () => {},
      log: (message) => logs.push(message),
      watchdog,
      backoff: QUICK_BACKOFF,
    });
    connection.start();
    cleanups.push(server.close, () => connection.stop());
    return { server, connection, welcomes, frames, logs };
  }

  it('P-11: is ready only once the last part of the open chats came, with every part, frames between passed on', async () => {
    const { server, connection, welcomes, frames } = await connect();
    const typing = (chatId: string): AgentServerFrame => ({
      type: 'chat.typing',
      chatId,
      role: 'operator',
      typing: true,
    });
    await server.send({ type: 'agent.welcome', protocolVersion: PROTOCOL_VERSION });
    await server.send({ type: 'agent.open_chats', chats: [chat(1), chat(2)], more: true });
    await server.send(typing('chat-0001'));
    await server.send({ type: 'agent.open_chats', chats: [chat(3)], more: true });
    await server.send(typing('chat-0003'));
    await expect.poll(() => frames.length).toBe(2);
    expect(connection.isReady).toBe(false);
    expect(welcomes).toEqual([]);
    await server.send({ type: 'agent.open_chats', chats: [], more: false });
    await expect.poll(() => welcomes.length).toBe(1);
    expect(connection.isReady).toBe(true);
    expect(welcomes[0]).toEqual({
      protocolVersion: PROTOCOL_VERSION,
      openChats: [chat(1), chat(2), chat(3)],
    });
    expect(frames.map((f) => f.type)).toEqual(['chat.typing', 'chat.typing']);
  });

  it('P-7: takes a part far over the client cap (300 open chats in one frame)', async () => {
    const { server, connection, welcomes, logs } = await connect();
    const chats = Array.from({ length: 300 }, (_, i) => chat(i));
    expect(JSON.stringify(chats).length).toBeGreaterThan(MAX_CLIENT_FRAME_BYTES);
    await server.send({ type: 'agent.welcome', protocolVersion: PROTOCOL_VERSION });
    await server.send({ type: 'agent.open_chats', chats, more: false });
    await expect.poll(() => connection.isReady).toBe(true);
    expect(welcomes[0]?.openChats).toHaveLength(300);
    expect(logs).toEqual([]);
  });

  it('P-11: ignores open chats that come without a welcome', async () => {
    const { server, connection, frames, logs } = await connect();
    await server.send({ type: 'agent.open_chats', chats: [chat(1)], more: false });
    await server.send({ type: 'chat.typing', chatId: 'chat-0001', role: 'operator', typing: false });
    await expect.poll(() => frames.length).toBe(1);
    expect(connection.isReady).toBe(false);
    expect(logs).toEqual(['ignored open chats that came without a welcome']);
  });

  it('P-5: cuts off a server it heard nothing from (no ping, no frame) for the silence, and connects again', async () => {
    const { server, logs } = await connect(QUICK_WATCHDOG);
    await expect.poll(() => server.connections.length, { timeout: 5000 }).toBe(2);
    expect(logs).toContain('server silent: reconnecting');
  });

  it('P-5: keeps a connection whose server pings, through ten times the silence it would be cut off after', async () => {
    const { server, logs } = await connect(QUICK_WATCHDOG);
    await expect.poll(() => server.connections.length).toBe(1);
    const first = server.connections[0];
    let pings = 0;
    const pinger = setInterval(() => {
      first?.ping();
      pings++;
    }, QUICK_WATCHDOG.beatMs);
    cleanups.push(async () => clearInterval(pinger));
    // Ten times the silence a server has, every moment of it pinged.
    await expect
      .poll(() => pings, { timeout: 10_000 })
      .toBeGreaterThan((10 * QUICK_WATCHDOG.silenceMs) / QUICK_WATCHDOG.beatMs);
    expect(server.connections).toHaveLength(1);
    expect(logs).not.toContain('server silent: reconnecting');
  });
});
