import { randomUUID } from 'node:crypto';
import { DEFAULT_RECORDING_SETTINGS } from '@parley/protocol';
import { CLI } from '../../src/audit/audit.js';
import { type ApiClient, connectConsole, type connectRawAgent, type TestServer } from './server.js';

/** A device with a raw agent on it, `users` logged on. */
export type RawAgent = Awaited<ReturnType<typeof connectRawAgent>>;

/**
 * A recorded chat made through the real path: recording turned on in the settings (and off again once it opened), the chat opened over the API by
 * the operator of `api`, every line sent through the real console and agent sockets (and acked), then closed.
 */
export async function recordedChat(
  server: TestServer,
  api: ApiClient,
  agent: RawAgent,
  lines: readonly ['operator' | 'end_user', string][],
): Promise<string> {
  // On for this chat only: its flag is fixed at open, and the other chats of a test stay unrecorded.
  await server.services.recording.update({ ...DEFAULT_RECORDING_SETTINGS, enabled: true }, CLI);
  const opened = await api.request('POST', `/api/devices/${agent.deviceId}/chats`);
  await server.services.recording.update(DEFAULT_RECORDING_SETTINGS, CLI);
  if (opened.status !== 201) throw new Error(`open: ${opened.status} ${JSON.stringify(opened.body)}`);
  const chatId = opened.body.chatId as string;
  if (!(await server.store.chats.find(chatId))?.recorded) throw new Error('the chat is not recorded');
  const console = await connectConsole(server, api);
  try {
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await console.next((f) => f.type === 'chat.entries');
    agent.socket.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    for (const [role, text] of lines) {
      const clientId = randomUUID();
      const socket = role === 'operator' ? console : agent.socket;
      socket.send({ type: 'chat.send', chatId, clientId, text });
      await socket.next((f) => f.type === 'chat.ack' && f.clientId === clientId);
    }
    console.send({ type: 'chat.close', chatId });
    await console.next((f) => f.type === 'chat.entries' && JSON.stringify(f).includes('chat_closed'));
  } finally {
    console.close();
  }
  return chatId;
}

/** Another logged-on user on the agent's device (one open chat per operator, device and end user). */
export function reportUsers(agent: RawAgent, users: string[]): void {
  agent.socket.send({ type: 'agent.users', loggedOnUsers: users.map((name) => ({ name })) });
}
