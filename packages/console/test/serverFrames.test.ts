import {
  type ChatServerFrame,
  type DeviceSummary,
  FRAME_CHUNK_BYTES,
  MAX_CLIENT_FRAME_BYTES,
} from '@parley/protocol';
import { QueryClient } from '@tanstack/react-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../server/src/audit/audit.js';
import { consoleSocketOptions, startAgentClient } from '../../server/test/support/clients.js';
import { TestLicenseKey } from '../../server/test/support/licenses.js';
import { connectConsole, operatorNamed, useTestServer } from '../../server/test/support/server.js';
import { ConsoleSocket, type ConsoleSocketOptions } from '../src/api/consoleSocket';
import type { ChatTransportListener } from '../src/chat/transport';
import { devicesSink } from '../src/devices/deviceList';

/**
 * What the server sends in one go (history, the device snapshot) reaches the console's real socket code, run in Node
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
 * A console socket feeding a query cache, as in the browser; `shown` is every length the device list took there: it
 * stays empty ("Loading devices…") until it is the whole fleet, so a list shown before its last part came would
 * show up as a shorter length.
 */
function liveConsole(options: ConsoleSocketOptions) {
  const client = new QueryClient();
  const console = new ConsoleSocket({ ...options, onDevices: devicesSink(client) });
  const devices = () => client.getQueryData<DeviceSummary[]>(['devices']) ?? null;
  const shown: number[] = [];
  client.getQueryCache().subscribe(() => {
    const list = devices();
    if (list && shown.at(-1) !== list.length) shown.push(list.length);
  });
  return { console, devices, shown };
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

  it('P-10: a console gets every one of 600 enrolled devices before it leaves "Loading devices…"', async () => {
    const { server } = suite;
    const ids = new Set<string>();
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
      ids.add(enrolled.deviceId);
    }
    const listed = await server.services.devices.list();
    expect(Buffer.byteLength(JSON.stringify(listed))).toBeGreaterThan(MAX_CLIENT_FRAME_BYTES);

    const { console, devices, shown } = liveConsole(consoleSocketOptions(server, suite.api));
    console.start();
    try {
      await expect.poll(() => devices()?.length ?? 0, { timeout: 10_000 }).toBe(600);
      expect(new Set(devices()?.map((d) => d.id))).toEqual(ids);
      expect(shown).toEqual([600]);
    } finally {
      console.stop();
    }
  });

  it('P-10: a snapshot bigger than one part comes in parts, and the console shows it whole, once', async () => {
    const { server, api } = suite;
    // Long user lists make the same 600 devices about 1 MiB: several parts of FRAME_CHUNK_BYTES.
    const users = Array.from({ length: 8 }, (_, i) => ({ name: `${'u'.repeat(200)}-${i}` }));
    const at = new Date().toISOString();
    for (const device of await server.services.devices.list())
      await server.store.devices.setLoggedOnUsers(device.id, users, at);
    const wire = await connectConsole(server, api);
    await expect.poll(() => wire.ofType('devices.snapshot').at(-1)?.more, { timeout: 10_000 }).toBe(false);
    const parts = wire.ofType('devices.snapshot');
    wire.close();
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.map((part) => part.more)).toEqual([...parts.slice(1).map(() => true), false]);
    for (const part of parts)
      expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThan(FRAME_CHUNK_BYTES + 4096);

    const { console, devices, shown } = liveConsole(consoleSocketOptions(server, api));
    console.start();
    try {
      await expect.poll(() => devices()?.length ?? 0, { timeout: 10_000 }).toBe(600);
      expect(shown).toEqual([600]);
      expect(devices()?.every((d) => d.loggedOnUsers.length === 8)).toBe(true);
    } finally {
      console.stop();
    }
  });
});
