import { CloseCode, MAX_MESSAGE_CHARS } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import {
  type ApiClient,
  connectConsole,
  connectRawAgent,
  type TestServer,
  useTestServer,
} from './support/server.js';

/** Open sockets of `kind` as the node counts them (`/metrics`). */
async function openSockets(server: TestServer, kind: 'console' | 'agent'): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`parley_websockets{kind="${kind}"}`));
  return Number(line?.split(' ')[1]);
}

/** A chat with the agent's end user, and a console of `admin` subscribed to it. */
async function chatWatched(server: TestServer, api: ApiClient, user: string, deviceName: string) {
  const agent = await connectRawAgent(server, api, [user], deviceName);
  const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
  const console = await connectConsole(server, api);
  console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
  await console.next((f) => f.type === 'chat.info');
  return { agent, chatId, console };
}

/** Waits until `socket` has been told of the message `clientId` in `chatId`. */
function sawMessage(
  socket: { next: (m: (f: Record<string, unknown>) => boolean) => Promise<unknown> },
  clientId: string,
) {
  return socket.next(
    (f) =>
      f.type === 'chat.entries' &&
      (f.entries as { kind: string; clientId?: string }[]).some(
        (e) => e.kind === 'message' && e.clientId === clientId,
      ),
  );
}

describe('peers that read nothing or send too much', () => {
  const suite = useTestServer();

  it('P-7: a console that reads nothing is cut off at its cap of unsent data; the others chat on', async () => {
    const { server, api } = suite;
    // 100 messages of 8,000 characters: each catch-up of the chat is about 800 KB of frames.
    const big = await chatWatched(server, api, 'rita', 'PC-BIG');
    const text = 'x'.repeat(MAX_MESSAGE_CHARS);
    for (let i = 0; i < 100; i++)
      await server.store.chats.appendMessage(big.chatId, {
        clientId: `seeded-message-${i}`,
        from: { role: 'end_user', name: 'rita' },
        text,
        at: new Date().toISOString(),
      });
    const healthy = await chatWatched(server, api, 'sam', 'PC-OK');
    const consolesBefore = await openSockets(server, 'console');

    const slow = await connectConsole(server, api);
    slow.ws.pause();
    // Asks for the whole history 150 times (within its frame budget): about 120 MB, were it all queued.
    for (let i = 0; i < 150; i++) slow.send({ type: 'chat.subscribe', chatId: big.chatId, afterSeq: 0 });
    await expect.poll(() => openSockets(server, 'console'), { timeout: 15_000 }).toBe(consolesBefore);

    // The others were not held up: a message each way in the healthy chat, the agents still connected.
    healthy.console.send({
      type: 'chat.send',
      chatId: healthy.chatId,
      clientId: 'healthy-op-1',
      text: 'still here?',
    });
    await sawMessage(healthy.agent.socket, 'healthy-op-1');
    healthy.agent.socket.send({
      type: 'chat.send',
      chatId: healthy.chatId,
      clientId: 'healthy-eu-1',
      text: 'yes',
    });
    await sawMessage(healthy.console, 'healthy-eu-1');
    expect(await openSockets(server, 'agent')).toBe(2);

    // What reached the slow console is what its cap and the kernel's buffers hold, not what it asked for.
    slow.ws.resume();
    const closed = await slow.closed;
    expect([CloseCode.slowConsumer, 1006]).toContain(closed.code);
    const received = slow.frames.reduce((bytes, f) => bytes + JSON.stringify(f).length, 0);
    expect(received).toBeLessThan(30 * 1024 * 1024);
    for (const s of [big.console, big.agent.socket, healthy.console, healthy.agent.socket]) s.close();
  });

  it('P-4, P-25: an agent that floods gets every frame answered, ack or rate_limited; the other chats are unaffected', async () => {
    const { server, api } = suite;
    const flood = await chatWatched(server, api, 'fred', 'PC-FLOOD');
    const calm = await chatWatched(server, api, 'cleo', 'PC-CALM');

    const clientIds = Array.from({ length: 1000 }, (_, i) => `flood-message-${i}`);
    // One write of 1,000 frames, as fast as the socket takes them.
    for (const [i, clientId] of clientIds.entries())
      flood.agent.socket.send({ type: 'chat.send', chatId: flood.chatId, clientId, text: `flood ${i}` });
    calm.console.send({ type: 'chat.send', chatId: calm.chatId, clientId: 'calm-op-1', text: 'hello cleo' });
    await sawMessage(calm.agent.socket, 'calm-op-1');

    const answered = () => {
      const acked = flood.agent.socket.ofType('chat.ack').map((f) => f.clientId as string);
      const refused = flood.agent.socket.ofType('error');
      return { acked, refused };
    };
    await expect
      .poll(() => answered().acked.length + answered().refused.length, { timeout: 15_000 })
      .toBe(1000);
    const { acked, refused } = answered();
    expect(acked.length).toBeGreaterThan(0);
    for (const error of refused) expect(error.code).toBe('rate_limited');
    expect(new Set([...acked, ...refused.map((e) => e.ref as string)]).size).toBe(1000);
    // Stored: exactly the acked ones; the flooding agent stays connected.
    const stored = (await server.store.chats.entriesAfter(flood.chatId, 0, 2000)).flatMap((e) =>
      e.kind === 'message' ? [e.clientId] : [],
    );
    expect(stored.sort()).toEqual([...acked].sort());
    expect(flood.agent.socket.ws.readyState).toBe(flood.agent.socket.ws.OPEN);
    calm.agent.socket.send({ type: 'chat.send', chatId: calm.chatId, clientId: 'calm-eu-1', text: 'hi' });
    await sawMessage(calm.console, 'calm-eu-1');
    for (const s of [flood.console, flood.agent.socket, calm.console, calm.agent.socket]) s.close();
  });
});
