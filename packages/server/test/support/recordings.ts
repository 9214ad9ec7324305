import { randomUUID } from 'node:crypto';
import { rawSql } from './databases.js';
import { type ApiClient, connectConsole, type connectRawAgent, type TestServer } from './server.js';

/** A device with a raw agent on it, `users` logged on. */
export type RawAgent = Awaited<ReturnType<typeof connectRawAgent>>;

/**
 * A recorded chat made through the real path: opened over the API by the operator of `api`, every line sent through
 * the real console and agent sockets (and acked), then closed. The recording settings are not on this branch yet,
 * so the chat is marked recorded in the database right after it opens (until the merge brings issue 10's settings).
 */
export async function recordedChat(
  server: TestServer,
  api: ApiClient,
  agent: RawAgent,
  lines: readonly ['operator' | 'end_user', string][],
): Promise<string> {
  const opened = await api.request('POST', `/api/devices/${agent.deviceId}/chats`);
  if (opened.status !== 201) throw new Error(`open: ${opened.status} ${JSON.stringify(opened.body)}`);
  const chatId = opened.body.chatId as string;
  await rawSql(server.database.location, [`update chats set recorded = 1 where id = '${chatId}'`]);
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
