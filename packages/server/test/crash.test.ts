import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RECORDING_SETTINGS } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/ids.js';
import { openStore } from '../src/store/open.js';
import { type TempDatabase, tempPostgres, tempSqlite } from './support/databases.js';
import {
  ADMIN_PASSWORD,
  ApiClient,
  connectConsole,
  connectRawAgent,
  type TestSocket,
} from './support/server.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));

/** The server in a process of its own (tsx finds @parley/protocol's source through packages/server/tsconfig.json). */
async function startProcess(database: TempDatabase): Promise<{ child: ChildProcess; url: string }> {
  const { location } = database;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/serverProcess.ts'], {
    cwd: serverDir,
    env: {
      ...process.env,
      PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...(location.kind === 'postgres'
        ? { DATABASE_URL: location.url }
        : { PARLEY_SQLITE_FILE: location.file }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return { child, url: `http://127.0.0.1:${port}` };
}

const SOCKETS = 4;
/** Per socket: within its burst of messages (P-4's message budget), so none is rate-limited. */
const PER_SOCKET = 50;

/** Sends every client id's message over `SOCKETS` console sockets at once (so they share commits). */
function sendAll(sockets: TestSocket[], chatId: string, clientIds: string[]): void {
  clientIds.forEach((clientId, i) => {
    sockets[i % SOCKETS]?.send({ type: 'chat.send', chatId, clientId, text: `message ${clientId}` });
  });
}

function acks(sockets: TestSocket[]): Map<string, number> {
  const acked = new Map<string, number>();
  for (const socket of sockets)
    for (const ack of socket.ofType('chat.ack')) acked.set(ack.clientId as string, ack.seq as number);
  return acked;
}

const implementations: [string, () => Promise<TempDatabase>][] = [
  ['SQLite', async () => tempSqlite()],
  ['PostgreSQL', tempPostgres],
];

describe.each(implementations)('a server killed (SIGKILL) on %s', (_name, makeDatabase) => {
  it('P-33: loses no acked message and stores none twice: every acked message is there exactly once after the restart', async () => {
    const database = await makeDatabase();
    let running: ChildProcess | null = null;
    try {
      const first = await startProcess(database);
      running = first.child;
      const api = new ApiClient(first.url);
      await api.login();
      await api.request('PUT', '/api/settings/recording', { ...DEFAULT_RECORDING_SETTINGS, enabled: true });
      const { deviceId } = await connectRawAgent(first, api, ['kay'], 'PC-CRASH');
      const chatId = (await api.request('POST', `/api/devices/${deviceId}/chats`)).body.chatId as string;
      const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => connectConsole(first, api)));
      const clientIds = Array.from({ length: SOCKETS * PER_SOCKET }, () => uuidv7());

      sendAll(sockets, chatId, clientIds);
      // Killed as soon as a good part is acked, with the rest in flight.
      await expect
        .poll(() => acks(sockets).size, { timeout: 20_000, interval: 1 })
        .toBeGreaterThanOrEqual(60);
      first.child.kill('SIGKILL');
      await once(first.child, 'exit');
      running = null;
      const acked = acks(sockets);
      expect(acked.size).toBeLessThan(clientIds.length);

      const store = await openStore(database.location);
      try {
        const entries = await store.chats.entriesAfter(chatId, 0, 1000);
        const messages = entries.flatMap((e) => (e.kind === 'message' ? [e] : []));
        const stored = new Map(messages.map((m) => [m.clientId, m.seq]));
        expect(stored.size).toBe(messages.length);
        for (const [clientId, seq] of acked) expect(stored.get(clientId)).toBe(seq);
      } finally {
        await store.close();
      }

      // Sent again after the restart, every message goes in once: the acked ones answer with their first seq.
      const second = await startProcess(database);
      running = second.child;
      const api2 = new ApiClient(second.url);
      await api2.login();
      const again = await Promise.all(Array.from({ length: SOCKETS }, () => connectConsole(second, api2)));
      sendAll(again, chatId, clientIds);
      await expect.poll(() => acks(again).size, { timeout: 20_000 }).toBe(clientIds.length);
      for (const [clientId, seq] of acked) expect(acks(again).get(clientId)).toBe(seq);
      const store2 = await openStore(database.location);
      try {
        const messages = (await store2.chats.entriesAfter(chatId, 0, 1000)).filter(
          (e) => e.kind === 'message',
        );
        expect(messages).toHaveLength(clientIds.length);
      } finally {
        await store2.close();
      }
      for (const socket of again) socket.close();
    } finally {
      running?.kill('SIGKILL');
      if (running) await once(running, 'exit');
      await database.drop();
    }
  });
});
