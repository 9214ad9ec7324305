import { AgentChatOpen, type LoggedOnUser } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { connectConsole, connectRawAgent, useTestServer } from './support/server.js';

/** A terminal server: a remote session listed first (whoever logged on first), the console, a disconnected one. */
const TERMINAL_SERVER: LoggedOnUser[] = [
  { name: 'jonas', session: 'remote', since: '2024-05-14T06:10:00.000Z', sessionId: '3' },
  { name: 'maria', session: 'console', since: '2024-05-14T07:45:00.000Z', sessionId: '1' },
  { name: 'oskar', sessionId: '2' },
];

describe('A computer several people use (P-16)', () => {
  const suite = useTestServer();

  /** An agent whose device reports `users` (with their session facts), once the server has stored them. */
  async function deviceWith(users: LoggedOnUser[], name: string) {
    const agent = await connectRawAgent(suite.server, suite.api, [], name);
    agent.socket.send({ type: 'agent.users', loggedOnUsers: users });
    await expect
      .poll(async () => (await suite.server.store.devices.find(agent.deviceId))?.loggedOnUsers)
      .toEqual(users);
    return agent;
  }

  it('with several people logged on, asks which one: 409 choose_user with the list, the console session first', async () => {
    const agent = await deviceWith(TERMINAL_SERVER, 'TS-01');
    const refused = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`);
    expect(refused).toMatchObject({ status: 409, body: { error: 'choose_user' } });
    expect(refused.body.message).toEqual(expect.any(String));
    expect(refused.body.users).toEqual([TERMINAL_SERVER[1], TERMINAL_SERVER[2], TERMINAL_SERVER[0]]);
    // An empty body is the same as none.
    expect(await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, {})).toMatchObject({
      status: 409,
      body: { error: 'choose_user' },
    });
    // Nothing was opened, nothing reached the agent.
    expect((await suite.server.store.chats.listOpen(agent.deviceId)).length).toBe(0);
    expect(agent.socket.ofType('agent.chat_open')).toEqual([]);
    agent.socket.close();
  });

  it('opens the chat with the person chosen: its end user, the agent asked to show it to them, the audit row', async () => {
    const agent = await deviceWith(TERMINAL_SERVER, 'TS-02');
    const created = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, {
      user: 'oskar',
    });
    expect(created).toMatchObject({ status: 201, body: { reused: false } });
    const chatId = created.body.chatId as string;
    const open = await agent.socket.next((f) => f.type === 'agent.chat_open');
    expect(open.chat).toMatchObject({ chatId, endUserName: 'oskar' });
    const mine = await suite.api.request('GET', '/api/chats');
    expect(mine.body).toContainEqual(expect.objectContaining({ chatId, endUserName: 'oskar' }));
    const console = await connectConsole(suite.server, suite.api);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    const info = await console.next((f) => f.type === 'chat.info');
    expect(info.chat).toMatchObject({ chatId, endUserName: 'oskar' });
    console.close();
    const audit = await suite.api.request('GET', '/api/audit?action=chat.open');
    expect(JSON.stringify(audit.body)).toContain(chatId);
    expect(JSON.stringify(audit.body)).toContain('"endUser":"oskar"');

    // Again with the same person: the same chat, shown again; another person: a chat of their own.
    const again = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, { user: 'oskar' });
    expect(again).toMatchObject({ status: 200, body: { chatId, reused: true } });
    const other = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, { user: 'maria' });
    expect(other.status).toBe(201);
    expect(other.body.chatId).not.toBe(chatId);
    await expect
      .poll(() => agent.socket.ofType('agent.chat_open').map((f) => AgentChatOpen.parse(f).chat.endUserName))
      .toEqual(['oskar', 'oskar', 'maria']);
    agent.socket.close();
  });

  it('refuses a person who is not logged on, with a clear error, and opens nothing', async () => {
    const agent = await deviceWith(TERMINAL_SERVER, 'TS-03');
    const refused = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, {
      user: 'mallory',
    });
    expect(refused).toMatchObject({ status: 409, body: { error: 'user_not_logged_on' } });
    expect(String(refused.body.message)).toMatch(/not logged on/);
    // Names are exact: `Maria` is not `maria`.
    expect(
      await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, { user: 'Maria' }),
    ).toMatchObject({ status: 409, body: { error: 'user_not_logged_on' } });
    expect((await suite.server.store.chats.listOpen(agent.deviceId)).length).toBe(0);
    // A name the schema refuses is a bad request, not a lookup.
    expect(
      await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, { user: 'x'.repeat(257) }),
    ).toMatchObject({ status: 400 });
    expect(
      await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, { user: '' }),
    ).toMatchObject({ status: 400 });
    agent.socket.close();
  });

  it('with one person logged on behaves as before: no body needed, and naming them works too', async () => {
    const agent = await deviceWith([{ name: 'bob', session: 'console' }], 'PC-SOLO');
    const created = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`);
    expect(created).toMatchObject({ status: 201 });
    const named = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, { user: 'bob' });
    expect(named).toMatchObject({ status: 200, body: { chatId: created.body.chatId, reused: true } });
    expect(
      await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, { user: 'alice' }),
    ).toMatchObject({ status: 409, body: { error: 'user_not_logged_on' } });
    agent.socket.close();
  });

  it('a person who logged off: user_not_logged_on while others are on, their open chat still shown to its operator', async () => {
    const agent = await deviceWith(TERMINAL_SERVER, 'TS-04');
    const created = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, {
      user: 'jonas',
    });
    expect(created.status).toBe(201);
    agent.socket.send({ type: 'agent.users', loggedOnUsers: [TERMINAL_SERVER[1], TERMINAL_SERVER[2]] });
    await expect
      .poll(async () => (await suite.server.store.devices.find(agent.deviceId))?.loggedOnUsers.length)
      .toBe(2);
    // jonas is gone, but the chat with him is the operator's to look at (as with nobody logged on).
    expect(
      await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, { user: 'jonas' }),
    ).toMatchObject({ status: 200, body: { chatId: created.body.chatId, reused: true } });
    expect(
      await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`, { user: 'lena' }),
    ).toMatchObject({ status: 409, body: { error: 'user_not_logged_on' } });
    agent.socket.close();
  });

  it('describes the body and the choose_user answer in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${suite.server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, { post?: { requestBody?: unknown; responses?: Record<string, unknown> } }>;
    };
    const route = doc.paths['/api/devices/{id}/chats']?.post;
    expect(JSON.stringify(route?.requestBody)).toContain('user');
    expect(JSON.stringify(route?.responses?.['409'])).toContain('choose_user');
  });
});
