import {
  CloseCode,
  FRAME_CHUNK_BYTES,
  MAX_MESSAGE_CHARS,
  MAX_SERVER_FRAME_BYTES,
  PROTOCOL_VERSION,
} from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { startAgentClient } from './support/clients.js';
import {
  ApiClient,
  agentHello,
  connectConsole,
  connectRawAgent,
  openManyChats,
  operatorNamed,
  TestSocket,
  useTestServer,
  watchDevices,
  wsUrl,
} from './support/server.js';

describe('a chat between the console and a device agent (raw sockets, SQLite)', () => {
  const suite = useTestServer();

  it('lists the enrolled device as online with its logged-on user, live', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['bob'], 'PC-LIVE');
    const console = await connectConsole(suite.server, suite.api);
    const [shown] = await watchDevices(console, [agent.deviceId]);
    expect(shown).toMatchObject({ name: 'PC-LIVE', online: true, loggedOnUsers: [{ name: 'bob' }] });
    const list = await suite.api.request('GET', '/api/devices');
    expect(list.body).toContainEqual(expect.objectContaining({ id: agent.deviceId, online: true }));
    agent.socket.close();
    await console.next(
      (f) =>
        f.type === 'device.updated' &&
        (f.device as { id: string }).id === agent.deviceId &&
        !(f.device as { online: boolean }).online,
    );
    console.close();
  });

  it('5c, P-15: one open chat per operator, device and end user: parallel opens give one chat, shown again each time', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['una'], 'PC-ONE');
    const path = `/api/devices/${agent.deviceId}/chats`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => suite.api.request('POST', path)));
    expect(new Set(answers.map((a) => a.body.chatId)).size).toBe(1);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(answers.filter((a) => a.body.reused === true)).toHaveLength(4);
    // 5b: each time the agent is asked to show the chat, so a closed window comes back.
    await expect.poll(() => agent.socket.ofType('agent.chat_open').length).toBe(5);

    // 5a: the agent could not show it: the chat says why, to whoever watches it.
    const chatId = answers[0]?.body.chatId as string;
    const console = await connectConsole(suite.server, suite.api);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await console.next((f) => f.type === 'chat.entries');
    agent.socket.send({ type: 'agent.page_failed', chatId, reason: 'xdg-open: no browser' });
    const failed = await console.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('page_failed'),
    );
    expect((failed.entries as unknown[])[0]).toMatchObject({
      kind: 'event',
      event: 'page_failed',
      from: null,
      detail: 'xdg-open: no browser',
    });
    // Another device's chat is not this agent's to report on.
    const other = await connectRawAgent(suite.server, suite.api, ['otto'], 'PC-OTHER');
    other.socket.send({ type: 'agent.page_failed', chatId, reason: 'spoofed' });
    expect(await other.socket.next((f) => f.type === 'error')).toMatchObject({
      code: 'not_found',
      ref: chatId,
    });

    const admin = await operatorNamed(suite.server, 'admin');
    await suite.server.services.chats.close(chatId, { kind: 'operator', operator: admin });
    const next = await suite.api.request('POST', path);
    expect(next.status).toBe(201);
    expect(next.body.chatId).not.toBe(chatId);
    // The device goes offline: Instant Messaging still shows the operator their chat on it, rather than refusing.
    agent.socket.close();
    await expect
      .poll(async () => (await suite.server.store.devices.find(agent.deviceId))?.onlineNode)
      .toBeNull();
    const offline = await suite.api.request('POST', path);
    expect(offline).toMatchObject({ status: 200, body: { chatId: next.body.chatId, reused: true } });
    await suite.server.services.chats.close(next.body.chatId as string, {
      kind: 'operator',
      operator: admin,
    });
    expect(await suite.api.request('POST', path)).toMatchObject({
      status: 409,
      body: { error: 'device_offline' },
    });
    console.close();
  });

  it('P-1, P-20, P-21: carries messages both ways with acks, one sequence, and no duplicates on resend', async () => {
    const agent = await connectRawAgent(suite.server, suite.api, ['bob']);
    const created = await suite.api.request('POST', `/api/devices/${agent.deviceId}/chats`);
    expect(created.status).toBe(201);
    const chatId = created.body.chatId as string;
    const open = await agent.socket.next((f) => f.type === 'agent.chat_open');
    expect(open.chat).toMatchObject({
      chatId,
      endUserName: 'bob',
      operatorName: 'Administrator',
      status: 'open',
    });

    const mine = await suite.api.request('GET', '/api/chats');
    expect(mine.body).toContainEqual(
      expect.objectContaining({ chatId, endUserName: 'bob', deviceName: 'PC-1', status: 'open' }),
    );

    const console = await connectConsole(suite.server, suite.api);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await console.next((f) => f.type === 'chat.entries');
    agent.socket.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    agent.socket.send({ type: 'agent.end_user', chatId, connected: true });

    console.send({ type: 'chat.send', chatId, clientId: 'op-msg-0001', text: 'Hello Bob, how can I help?' });
    const ack = await console.next((f) => f.type === 'chat.ack');
    expect(ack).toMatchObject({ chatId, clientId: 'op-msg-0001' });
    const atAgent = await agent.socket.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('op-msg-0001'),
    );
    expect((atAgent.entries as unknown[])[0]).toMatchObject({
      kind: 'message',
      seq: ack.seq,
      from: { role: 'operator', name: 'Administrator' },
      text: 'Hello Bob, how can I help?',
    });

    agent.socket.send({ type: 'chat.send', chatId, clientId: 'eu-msg-0001', text: 'My printer is broken' });
    const reply = await console.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('eu-msg-0001'),
    );
    expect((reply.entries as unknown[])[0]).toMatchObject({
      from: { role: 'end_user', name: 'bob' },
      text: 'My printer is broken',
    });

    console.send({ type: 'chat.send', chatId, clientId: 'op-msg-0001', text: 'Hello Bob, how can I help?' });
    await console.next((f) => f.type === 'chat.ack' && f !== ack);
    const again = console.ofType('chat.ack');
    expect(again).toHaveLength(2);
    expect(again[1]?.seq).toBe(ack.seq);

    agent.socket.send({ type: 'chat.receipt', chatId, seq: ack.seq as number, state: 'delivered' });
    const delivered = await console.next((f) => f.type === 'chat.receipts');
    expect(delivered).toMatchObject({ chatId, role: 'end_user', deliveredSeq: ack.seq, readSeq: 0 });
    agent.socket.send({ type: 'chat.receipt', chatId, seq: ack.seq as number, state: 'read' });
    await console.next((f) => f.type === 'chat.receipts' && f.readSeq === ack.seq);

    const history = await suite.server.store.chats.entriesAfter(chatId, 0, 100);
    expect(history.map((e) => (e.kind === 'message' ? e.text : e.event))).toEqual([
      'chat_opened',
      'end_user_connected',
      'Hello Bob, how can I help?',
      'My printer is broken',
    ]);
    expect(history.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    console.close();
    agent.socket.close();
  });
});

describe('client ids belong to their sender', () => {
  const suite = useTestServer();

  it('9: dedupe by client id is per sender (P-20)', async () => {
    const { server, api } = suite;
    const agent = await connectRawAgent(server, api, ['bob']);
    const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    const console = await connectConsole(server, api);
    console.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    agent.socket.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await console.next((f) => f.type === 'chat.entries');

    console.send({ type: 'chat.send', chatId, clientId: 'shared-id-0001', text: 'operator says hi' });
    const operatorAck = await console.next((f) => f.type === 'chat.ack');
    // The end user's page made the same client id: it is a different message, and it is stored.
    agent.socket.send({ type: 'chat.send', chatId, clientId: 'shared-id-0001', text: 'end user says hi' });
    const endUserAck = await agent.socket.next((f) => f.type === 'chat.ack');
    expect(endUserAck).toMatchObject({ chatId, clientId: 'shared-id-0001' });
    expect(endUserAck.seq).not.toBe(operatorAck.seq);
    const atConsole = await console.next(
      (f) => f.type === 'chat.entries' && JSON.stringify(f).includes('end user says hi'),
    );
    expect((atConsole.entries as unknown[])[0]).toMatchObject({
      seq: endUserAck.seq,
      from: { role: 'end_user', name: 'bob' },
    });

    // A resend by the end user is still deduplicated: the same seq, nothing new stored.
    agent.socket.send({ type: 'chat.send', chatId, clientId: 'shared-id-0001', text: 'end user says hi' });
    await expect.poll(() => agent.socket.ofType('chat.ack').length).toBe(2);
    expect(agent.socket.ofType('chat.ack')[1]?.seq).toBe(endUserAck.seq);

    const messages = (await server.store.chats.entriesAfter(chatId, 0, 100)).filter(
      (e) => e.kind === 'message',
    );
    expect(messages.map((e) => e.kind === 'message' && [e.from.role, e.text])).toEqual([
      ['operator', 'operator says hi'],
      ['end_user', 'end user says hi'],
    ]);
    console.close();
    agent.socket.close();
  });
});

describe('rights are checked on every frame', () => {
  const suite = useTestServer();

  it('P-24: a console whose session ended is told so and closed with 4007', async () => {
    const { server, api } = suite;
    const agent = await connectRawAgent(server, api, ['bob']);
    const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    const console = await connectConsole(server, api);
    await api.request('POST', '/api/auth/logout');
    console.send({ type: 'chat.send', chatId, clientId: 'after-logout', text: 'hello?' });
    expect(await console.next((f) => f.type === 'error')).toMatchObject({ code: 'not_authenticated' });
    expect((await console.closed).code).toBe(CloseCode.sessionEnded);
    expect((await server.store.chats.entriesAfter(chatId, 0, 10)).some((e) => e.kind === 'message')).toBe(
      false,
    );
    agent.socket.close();
  });
});

describe('a session ended elsewhere', () => {
  // Beats far apart: only the news of the ended session can close the socket within the test.
  const suite = useTestServer({ heartbeatMs: 600_000 });

  it('P-24: a session ended from the session list closes its console at once, before its next frame is handled', async () => {
    const { server } = suite;
    const laptop = new ApiClient(server.url);
    await laptop.login();
    const phone = new ApiClient(server.url);
    await phone.login();
    const agent = await connectRawAgent(server, phone, ['bob'], 'PC-SESSION-LIST');
    const chatId = (await phone.request('POST', `/api/devices/${agent.deviceId}/chats`)).body
      .chatId as string;
    const console = await connectConsole(server, phone);
    const sessions = (await laptop.request('GET', '/api/auth/sessions')).body as {
      id: string;
      current: boolean;
    }[];
    const others = sessions.filter((session) => !session.current);
    expect(others.length).toBeGreaterThan(0);
    for (const session of others)
      expect((await laptop.request('DELETE', `/api/auth/sessions/${session.id}`)).status).toBe(204);
    console.send({ type: 'chat.send', chatId, clientId: 'after-end', text: 'still here?' });
    expect((await console.closed).code).toBe(CloseCode.sessionEnded);
    expect(console.ofType('chat.ack')).toEqual([]);
    expect(
      (await server.store.chats.entriesAfter(chatId, 0, 10)).some(
        (e) => e.kind === 'message' && e.clientId === 'after-end',
      ),
    ).toBe(false);
    agent.socket.close();
  });
});

describe('signing out', () => {
  const suite = useTestServer();

  it('the end user sees the display name the operator set for themselves, in the chats opened after it', async () => {
    const { server, api } = suite;
    const agent = await connectRawAgent(server, api, ['bob'], 'PC-NAME');
    expect((await api.request('PUT', '/api/auth/display-name', { displayName: '  ' })).status).toBe(400);
    expect((await api.request('PUT', '/api/auth/display-name', { displayName: 'Ada Lind' })).status).toBe(
      204,
    );
    expect((await api.request('GET', '/api/auth/me')).body).toMatchObject({ displayName: 'Ada Lind' });
    await api.request('POST', `/api/devices/${agent.deviceId}/chats`);
    const open = await agent.socket.next((f) => f.type === 'agent.chat_open');
    expect(open.chat).toMatchObject({ operatorName: 'Ada Lind' });
    // Back to the name the other tests expect.
    await api.request('PUT', '/api/auth/display-name', { displayName: 'Administrator' });
    agent.socket.close();
  });

  it('P-34: an operator who signs out for good leaves their open chats (operator_left, to the end user); the chats stay open', async () => {
    const { server, api } = suite;
    const agent = await connectRawAgent(server, api, ['bob'], 'PC-OUT');
    const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    const leftEvents = async () =>
      (await server.store.chats.entriesAfter(chatId, 0, 100)).filter(
        (e) => e.kind === 'event' && e.event === 'operator_left',
      );

    // Signed in twice: signing out of one session leaves the chats as they are.
    const second = new ApiClient(server.url);
    await second.login();
    await second.request('POST', '/api/auth/logout');
    expect(await leftEvents()).toEqual([]);

    // The last session ends: the end user's side hears that the operator left, by name.
    await api.request('POST', '/api/auth/logout');
    const frame = await agent.socket.next(
      (f) =>
        f.type === 'chat.entries' &&
        (f.entries as { kind: string; event?: string }[]).some((e) => e.event === 'operator_left'),
    );
    expect((frame.entries as unknown[])[0]).toMatchObject({
      kind: 'event',
      event: 'operator_left',
      from: { role: 'operator', name: 'Administrator' },
    });
    expect(await leftEvents()).toHaveLength(1);
    expect((await server.store.chats.find(chatId))?.status).toBe('open');

    // A sign-out with no session changes nothing more.
    await api.request('POST', '/api/auth/logout');
    expect(await leftEvents()).toHaveLength(1);
    agent.socket.close();
  });
});

describe('closing races', () => {
  const suite = useTestServer();

  it('P-27: a message racing the close is stored before it or refused, never left behind in a closed chat', async () => {
    const { server, api } = suite;
    const agent = await connectRawAgent(server, api, ['bob']);
    const operator = await operatorNamed(server, 'admin');
    const { chats } = server.services;
    for (let round = 0; round < 20; round++) {
      const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body
        .chatId as string;
      const device = { kind: 'device' as const, deviceId: agent.deviceId };
      const [sent, closed, closedAgain] = await Promise.all([
        chats.send(chatId, device, `race-${round}-msg`, 'are you there?'),
        chats.close(chatId, { kind: 'operator', operator }),
        chats.close(chatId, device),
      ]);
      expect(closed.ok && closedAgain.ok).toBe(true);
      if (!sent.ok) expect(sent.code).toBe('chat_closed');
      expect(await server.store.chats.entriesAfter(chatId, 0, 100)).toEqual([]);
      expect((await server.store.chats.find(chatId))?.status).toBe('closed');
    }
    agent.socket.close();
  });
});

describe('history in frames a client can take', () => {
  const suite = useTestServer();

  it('P-7: splits a long history into frames under MAX_SERVER_FRAME_BYTES that the real agent takes, nothing missing', async () => {
    const { server, api } = suite;
    const agent = await startAgentClient(server, api, ['bob']);
    await expect.poll(() => agent.connection.isReady).toBe(true);
    const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    const console = await connectConsole(server, api);
    // Control characters are escaped six bytes each in JSON: the worst case for size.
    const text = '\u0001'.repeat(MAX_MESSAGE_CHARS);
    for (let i = 0; i < 40; i++) console.send({ type: 'chat.send', chatId, clientId: `big-${i}-0000`, text });
    await expect.poll(() => console.ofType('chat.ack').length, { timeout: 10_000 }).toBe(40);

    // The agent already got the messages live; what follows the subscribe is the catch-up alone.
    const entriesFrames = () =>
      agent.frames.filter((f): f is Extract<typeof f, { type: 'chat.entries' }> => f.type === 'chat.entries');
    await expect.poll(() => entriesFrames().length, { timeout: 10_000 }).toBe(40);
    agent.frames.length = 0;
    agent.connection.send({ type: 'chat.subscribe', chatId, afterSeq: 0 });
    await expect.poll(() => entriesFrames().flatMap((f) => f.entries).length, { timeout: 10_000 }).toBe(41);
    const frames = entriesFrames();
    expect(frames.length).toBeGreaterThan(1);
    for (const frame of frames)
      expect(Buffer.byteLength(JSON.stringify(frame))).toBeLessThan(MAX_SERVER_FRAME_BYTES);
    const seqs = frames.flatMap((f) => f.entries.map((e) => e.seq));
    expect(seqs).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect(agent.logs.filter((line) => line.startsWith('ignored'))).toEqual([]);
    console.close();
    await agent.stop();
  });
});

describe('a device with more open chats than one frame part holds', () => {
  const suite = useTestServer();

  it('P-11: the welcome is followed by the open chats in parts, and the real agent acts on all of them once', async () => {
    const { server, api } = suite;
    // Long names make each chat's facts about 580 bytes: 600 chats are two parts.
    const agent = await startAgentClient(server, api, ['b'.repeat(250)], `PC-${'d'.repeat(200)}`);
    await expect.poll(() => agent.welcomes.length).toBe(1);
    const chatIds = await openManyChats(server, agent.deviceId, 600, (i) => `${'b'.repeat(245)}-${i}`);
    // The agent connects again: one welcome, with every open chat.
    await agent.stop();
    agent.connection.start();
    await expect.poll(() => agent.welcomes.length, { timeout: 10_000 }).toBe(2);
    expect(new Set(agent.welcomes[1]?.map((chat) => chat.chatId))).toEqual(chatIds);
    expect(agent.connection.isReady).toBe(true);
    await agent.stop();

    // On the wire: the welcome, then several parts under the chunk size, only the last with more: false.
    const wire = await TestSocket.connect(wsUrl(server, '/ws/agent'));
    wire.send(agentHello(agent.deviceId, agent.credential, 'PC-D'));
    await wire.next((f) => f.type === 'agent.open_chats' && f.more === false);
    expect(wire.frames[0]).toEqual({ type: 'agent.welcome', protocolVersion: PROTOCOL_VERSION });
    const parts = wire.ofType('agent.open_chats');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((part) => part.more)).toEqual([...parts.slice(1).map(() => true), false]);
    for (const part of parts)
      expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThan(FRAME_CHUNK_BYTES + 4096);
    expect(parts.flatMap((part) => part.chats as unknown[])).toHaveLength(600);
    wire.close();
  });
});

describe('the first administrator’s name (issue 11: never a generic “Administrator”)', () => {
  const suite = useTestServer({ adminUnnamed: true });

  it('opens no chat under a blank name: 409 display_name_required, then the name the operator gave', async () => {
    const { server, api } = suite;
    const me = await api.request('GET', '/api/auth/me');
    expect(me.body).toMatchObject({ username: 'admin', displayName: '' });
    const agent = await connectRawAgent(server, api, ['bob'], 'PC-NAME');
    const path = `/api/devices/${agent.deviceId}/chats`;
    const refused = await api.request('POST', path);
    expect(refused).toMatchObject({ status: 409, body: { error: 'display_name_required' } });
    expect(refused.body.message).toContain('display-name');
    expect(await server.store.chats.listOpen(agent.deviceId)).toEqual([]);
    expect(agent.socket.ofType('agent.chat_open')).toEqual([]);
    // Blank after trimming is no name either.
    expect((await api.request('PUT', '/api/auth/display-name', { displayName: '   ' })).status).toBe(400);

    expect((await api.request('PUT', '/api/auth/display-name', { displayName: 'Ada Lovelace' })).status).toBe(
      204,
    );
    expect(await api.request('POST', path)).toMatchObject({ status: 201 });
    const open = await agent.socket.next((f) => f.type === 'agent.chat_open');
    expect(open.chat).toMatchObject({ operatorName: 'Ada Lovelace' });
    agent.socket.close();
  });
});
