import { describe, expect, it } from 'vitest';
import { connectConsole, connectRawAgent, useTestServer } from './support/server.js';

describe('a node too far behind (P-36)', () => {
  // A backlog of three frames: a burst of messages sent at once goes past it.
  const suite = useTestServer({ backlogFrames: 3 });

  it('P-36: refuses what it cannot take at once with overloaded and a delay; the same client ids sent again are stored once', async () => {
    const { server, api } = suite;
    const agent = await connectRawAgent(server, api, ['olga'], 'PC-BUSY');
    const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    const console = await connectConsole(server, api);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await console.next((f) => f.type === 'chat.info');

    const clientIds = Array.from({ length: 30 }, (_, i) => `busy-message-${i}`);
    for (const [i, clientId] of clientIds.entries())
      console.send({ type: 'chat.send', chatId, clientId, text: `message ${i}` });
    const answerTo = (clientId: string) =>
      [...console.ofType('chat.ack'), ...console.ofType('error')].find(
        (f) => f.clientId === clientId || f.ref === clientId,
      );
    await expect.poll(() => clientIds.every((clientId) => answerTo(clientId) !== undefined)).toBe(true);
    const answers = clientIds.map((clientId) => answerTo(clientId) ?? {});

    const acked = clientIds.filter((_, i) => answers[i]?.type === 'chat.ack');
    const refused = answers.filter((a) => a.type === 'error');
    expect(refused.length).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(0);
    for (const error of refused) {
      expect(error).toMatchObject({ code: 'overloaded', message: expect.stringMatching(/busy.*not stored/) });
      expect(error.retryAfterMs).toBeGreaterThanOrEqual(500);
    }
    // Every message got exactly one answer: nothing was silently dropped, nothing answered twice.
    const answered = [
      ...console.ofType('chat.ack').map((f) => f.clientId),
      ...console.ofType('error').map((f) => f.ref),
    ];
    expect(answered.sort()).toEqual([...clientIds].sort());
    const storedIds = async () =>
      (await server.store.chats.entriesAfter(chatId, 0, 100)).flatMap((e) =>
        e.kind === 'message' ? [e.clientId] : [],
      );
    expect((await storedIds()).sort()).toEqual([...acked].sort());

    // Sent again one at a time (as the console does after the delay), each is taken.
    for (const clientId of clientIds.filter((id) => !acked.includes(id))) {
      const text = `message ${clientIds.indexOf(clientId)}`;
      const before = console.ofType('chat.ack').length;
      console.send({ type: 'chat.send', chatId, clientId, text });
      await console.next((f) => f.type === 'chat.ack' && f.clientId === clientId);
      expect(console.ofType('chat.ack').length).toBe(before + 1);
    }
    const stored = await storedIds();
    expect(stored).toHaveLength(30);
    expect(new Set(stored)).toEqual(new Set(clientIds));
    // The agent got each once, and stayed connected throughout.
    await expect
      .poll(() =>
        agent.socket
          .ofType('chat.entries')
          .flatMap((f) =>
            (f.entries as { kind: string; clientId?: string }[]).filter((e) => e.kind === 'message'),
          ),
      )
      .toHaveLength(30);
    expect(agent.socket.ws.readyState).toBe(agent.socket.ws.OPEN);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    agent.socket.close();
    console.close();
  });
});
