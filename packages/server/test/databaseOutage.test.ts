import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, connectRawAgent, startTestServer, type TestServer } from './support/server.js';

describe('a chat frame while the database cannot be reached', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.close();
  });

  it('P-21: the agent is told which message was not stored (error with ref = its clientId), and its resend goes in once', async () => {
    const api = new ApiClient(server.url);
    await api.login();
    const agent = await connectRawAgent(server, api, ['bob'], 'PC-OUTAGE');
    const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    await agent.socket.next((f) => f.type === 'agent.chat_open');

    // What pg answers while PostgreSQL restarts (seen in bench/cluster-faults.ts): the chat's lookup fails.
    const find = server.store.chats.find.bind(server.store.chats);
    const outage = vi
      .spyOn(server.store.chats, 'find')
      .mockImplementation(async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')));
    agent.socket.send({
      type: 'chat.send',
      chatId,
      clientId: 'outage-msg-1',
      text: 'sent during the outage',
    });
    const refused = await agent.socket.next((f) => f.type === 'error');
    expect(refused).toMatchObject({ code: 'internal', ref: 'outage-msg-1' });

    outage.mockImplementation(find);
    agent.socket.send({
      type: 'chat.send',
      chatId,
      clientId: 'outage-msg-1',
      text: 'sent during the outage',
    });
    const ack = await agent.socket.next((f) => f.type === 'chat.ack' && f.clientId === 'outage-msg-1');
    const messages = (await server.store.chats.entriesAfter(chatId, 0, 10)).filter(
      (e) => e.kind === 'message',
    );
    expect(messages.map((m) => m.seq)).toEqual([ack.seq]);
    expect(agent.socket.ofType('error')).toHaveLength(1);
    agent.socket.close();
  });
});
