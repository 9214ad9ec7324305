/**
 * The baseline: a bare `ws` relay doing the least work a chat relay can do, to compare Parley against.
 *
 * Agents connect to /ws/agent and say `{type:'agent.hello', deviceId}`; consoles connect to /ws/console and
 * register a chat with `{type:'chat.open', chatId, deviceId}`. A console's `{type:'chat.send', chatId, clientId,
 * text}` is JSON-parsed, wrapped in the same `chat.entries` frame Parley sends, forwarded to the agent registered
 * for that chat, and answered with a `chat.ack` to the sender. No database, no validation, no auth, no rate limit.
 *
 * Run: `node --import tsx bench/relay.ts [--port N]` (port 0 by default); prints `{"port":N}` on stdout.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { type WebSocket, WebSocketServer } from 'ws';
import { isEntryPoint } from './util.js';

interface RelayFrame {
  type?: unknown;
  deviceId?: unknown;
  chatId?: unknown;
  clientId?: unknown;
  text?: unknown;
}

interface RelayChat {
  deviceId: string;
  seq: number;
}

export interface Relay {
  port: number;
  close(): Promise<void>;
}

/** Starts the relay on 127.0.0.1:`port` (0 = any free port). */
export function startRelay(port = 0): Promise<Relay> {
  const agents = new Map<string, WebSocket>();
  const chats = new Map<string, RelayChat>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });

  const error = (ws: WebSocket, code: string, ref?: unknown) =>
    ws.send(
      JSON.stringify({ type: 'error', code, message: code, ...(typeof ref === 'string' ? { ref } : {}) }),
    );

  const parse = (data: unknown): RelayFrame | null => {
    try {
      const frame: unknown = JSON.parse(String(data));
      return typeof frame === 'object' && frame !== null ? (frame as RelayFrame) : null;
    } catch {
      return null;
    }
  };

  wss.on('connection', (ws, request) => {
    const path = request.url ?? '';
    if (path.startsWith('/ws/agent')) {
      let deviceId: string | null = null;
      ws.on('message', (data) => {
        const frame = parse(data);
        if (frame?.type === 'agent.hello' && typeof frame.deviceId === 'string') {
          deviceId = frame.deviceId;
          agents.set(deviceId, ws);
          ws.send(JSON.stringify({ type: 'agent.welcome' }));
        } else {
          error(ws, 'bad_frame');
        }
      });
      ws.on('close', () => {
        if (deviceId !== null && agents.get(deviceId) === ws) agents.delete(deviceId);
      });
      return;
    }
    if (path.startsWith('/ws/console')) {
      ws.on('message', (data) => {
        const frame = parse(data);
        if (frame === null || typeof frame.chatId !== 'string') return error(ws, 'bad_frame');
        const chatId = frame.chatId;
        if (frame.type === 'chat.send') {
          const chat = chats.get(chatId);
          const agent = chat && agents.get(chat.deviceId);
          if (!chat || !agent) return error(ws, 'not_found', frame.clientId);
          chat.seq += 1;
          const at = new Date().toISOString();
          const { clientId, text } = frame;
          const from = { role: 'operator', name: 'bench' };
          const entry = { kind: 'message', seq: chat.seq, at, clientId, from, text };
          agent.send(JSON.stringify({ type: 'chat.entries', chatId, entries: [entry] }));
          ws.send(JSON.stringify({ type: 'chat.ack', chatId, clientId, seq: chat.seq, at }));
          return;
        }
        if (frame.type === 'chat.open' && typeof frame.deviceId === 'string') {
          chats.set(chatId, { deviceId: frame.deviceId, seq: 0 });
          ws.send(JSON.stringify({ type: 'chat.opened', chatId }));
          return;
        }
        error(ws, 'unknown_type');
      });
      return;
    }
    ws.close(1008, 'unknown path');
  });

  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => {
      resolve({
        port: (wss.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const client of wss.clients) client.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
  const relay = await startRelay(Number(values.port));
  process.stdout.write(`${JSON.stringify({ port: relay.port })}\n`);
  const stop = () => {
    relay.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`relay: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
