import { randomUUID } from 'node:crypto';
import { DEFAULT_RECORDING_SETTINGS, type Person } from '@parley/protocol';
import { CLI } from '../../src/audit/audit.js';
import { uuidv7 } from '../../src/ids.js';
import type { Store } from '../../src/store/store.js';
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

/**
 * A closed recorded chat of `count` messages between operator `operatorId` and "Long Talker" on a device of its own,
 * seeded in the store (the real path is slow at this size; the tests that use it read it back through the API).
 */
export async function seedRecordedChat(
  store: Store,
  operatorId: string,
  count: number,
  text = (i: number) => `message number ${i}`,
): Promise<{ chatId: string; deviceId: string }> {
  const operator: Person = { role: 'operator', name: 'Administrator' };
  const endUser: Person = { role: 'end_user', name: 'Long Talker' };
  const deviceId = `dev-${uuidv7()}`;
  const start = Date.UTC(2026, 5, 1);
  const time = (second: number) => new Date(start + second * 1000).toISOString();
  await store.devices.create(
    { id: deviceId, name: `PC-LONG-${count}`, os: 'linux', credentialHash: 'c' },
    time(0),
  );
  const chatId = uuidv7();
  await store.chats.create(
    {
      id: chatId,
      deviceId,
      operatorId,
      operatorName: operator.name,
      endUserName: endUser.name,
      openedAt: time(0),
      recorded: true,
    },
    operator,
  );
  for (let i = 0; i < count; i++) {
    await store.chats.appendMessage(chatId, {
      clientId: `seed-${i}`,
      from: i % 2 ? endUser : operator,
      text: text(i),
      at: time(i),
    });
  }
  await store.chats.close(chatId, operator, time(count));
  return { chatId, deviceId };
}
