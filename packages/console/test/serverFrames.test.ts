import {
  type ChatServerFrame,
  FRAME_CHUNK_BYTES,
  MAX_CLIENT_FRAME_BYTES,
  MAX_WATCHED_DEVICES,
} from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../server/src/audit/audit.js';
import { consoleSocketOptions, startAgentClient } from '../../server/test/support/clients.js';
import { TestLicenseKey } from '../../server/test/support/licenses.js';
import {
  connectConsole,
  operatorNamed,
  useTestServer,
  watchDevices,
} from '../../server/test/support/server.js';
import { ConsoleSocket, type ConsoleSocketOptions, type DeviceChange } from '../src/api/consoleSocket';
import type { ChatTransportListener } from '../src/chat/transport';

/**
 * What the server sends in one go (history, the devices a console watches) reaches the console's real socket code, run in Node
 * over `ws`: the frames go through the same parser the browser runs.
 */

function chatRecorder() {
  const frames: ChatServerFrame[] = [];
  const listener: ChatTransportListener = {
    frame: (frame) => frames.push(frame),
    ready: () => {},
    down: () => {},
  };
  const messages = () =>
    frames.flatMap((f) => (f.type === 'chat.entries' ? f.entries.filter((e) => e.kind === 'message') : []));
  return { frames, listener, messages };
}

/**
 * A console socket whose device news is recorded: `answers` is every `watched` change it passed on (one per
 * complete answer to its devices.watch, never a part of one).
 */
function liveConsole(options: ConsoleSocketOptions) {
  const changes: DeviceChange[] = [];
  const console = new ConsoleSocket({ ...options, onDevices: (change) => changes.push(change) });
  const answers = () => changes.flatMap((change) => (change.type === 'watched' ? [change.devices] : []));
  return { console, answers };
}

describe('frames bigger than a client may send reach the real clients', () => {
  const suite = useTestServer();

  it('P-7: after a reload, a fresh console and the real agent both get a history of 14 messages of 7,000 characters', async () => {
    const { server, api } = suite;
    const agent = await startAgentClient(server, api, ['bob'], 'PC-LONG');
    await expect.poll(() => agent.connection.isReady).toBe(true);
    const chatId = (await api.request('POST', `/api/devices/${agent.deviceId}/chats`)).body.chatId as string;
    const sender = await connectConsole(server, api);
    for (let i = 0; i < 14; i++) {
      sender.send({
        type: 'chat.send',
        chatId,
        clientId: `long-${i}-0000`,
        text: `${i} ${'x'.repeat(6990)}`,
      });
    }
    await expect.poll(() => sender.ofType('chat.ack').length, { timeout: 10_000 }).toBe(14);
    sender.close();
    const stored = await server.store.chats.entriesAfter(chatId, 0, 100);
    // One frame of all of it would be over what a client may send: the old cap dropped it.
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeGreaterThan(MAX_CLIENT_FRAME_BYTES);

    // The operator reloads: a fresh console socket subscribes from the start.
    const console = new ConsoleSocket(consoleSocketOptions(server, api));
    const seen = chatRecorder();
    console.listenChat(chatId, seen.listener);
    console.start();
    try {
      await expect.poll(() => console.getSnapshot().status).toBe('ready');
      expect(console.sendChatFrame({ type: 'chat.subscribe', chatId, afterSeq: 0 })).toBe(true);
      await expect.poll(() => seen.messages().length, { timeout: 10_000 }).toBe(14);
      expect(seen.messages().map((m) => (m.kind === 'message' ? m.clientId : ''))).toEqual(
        Array.from({ length: 14 }, (_, i) => `long-${i}-0000`),
      );
    } finally {
      console.stop();
    }

    // The agent catches up the same way (its page reloaded).
    agent.frames.length = 0;
    expect(agent.connection.send({ type: 'chat.subscribe', chatId, afterSeq: 0 })).toBe(true);
    const atAgent = () =>
      agent.frames.flatMap((f) =>
        f.type === 'chat.entries' ? f.entries.filter((e) => e.kind === 'message') : [],
      );
    await expect.poll(() => atAgent().length, { timeout: 10_000 }).toBe(14);
    expect(agent.logs.filter((line) => line.startsWith('ignored'))).toEqual([]);
    await agent.stop();
  });
});

describe('a large fleet', () => {
  const key = new TestLicenseKey();
  const suite = useTestServer({ license: { licenseKeyFiles: [key.publicFile] } });
  // More devices than the evaluation license allows.
  beforeAll(async () => {
    const imported = await suite.server.services.license.import(key.issue({ deviceLimit: 1000 }), CLI);
    if (!imported.ok) throw new Error(imported.message);
  });
  afterAll(() => key.remove());

  it('P-37, P-7: a console watching 500 of 600 enrolled devices gets those, in parts, and passes them on whole, once', async () => {
    const { server, api } = suite;
    const ids: string[] = [];
    const created = await server.services.devices.createEnrollmentToken(
      await operatorNamed(server, 'admin'),
      server.services.policy,
      { maxUses: 600 },
      { name: 'admin', address: null },
    );
    if (!created.ok) throw new Error(created.message);
    const { token } = created.value;
    for (let i = 0; i < 600; i++) {
      const name = `finance-laptop-${String(i).padStart(4, '0')}.branch-office.example.com`;
      const enrolled = await server.services.devices.enroll(token, name, 'Windows 11 Pro 24H2');
      if (!enrolled) throw new Error('enrollment failed');
      ids.push(enrolled.deviceId);
    }
    // Long user lists make 500 devices about 1 MiB: several parts of FRAME_CHUNK_BYTES.
    const users = Array.from({ length: 8 }, (_, i) => ({ name: `${'u'.repeat(200)}-${i}` }));
    const at = new Date().toISOString();
    for (const id of ids) await server.store.devices.setLoggedOnUsers(id, users, at);
    const shown = ids.slice(0, MAX_WATCHED_DEVICES);

    const wire = await connectConsole(server, api);
    await watchDevices(wire, shown);
    const parts = wire.ofType('devices.watched');
    wire.close();
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.map((part) => part.more)).toEqual([...parts.slice(1).map(() => true), false]);
    for (const part of parts)
      expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThan(FRAME_CHUNK_BYTES + 4096);

    const { console, answers } = liveConsole(consoleSocketOptions(server, api));
    console.watchDevices(shown, true);
    console.start();
    try {
      await expect.poll(() => answers().length, { timeout: 10_000 }).toBe(1);
      const [answer] = answers();
      expect(new Set(answer?.map((d) => d.id))).toEqual(new Set(shown));
      expect(answer?.every((d) => d.loggedOnUsers.length === 8)).toBe(true);
    } finally {
      console.stop();
    }
  });
});
