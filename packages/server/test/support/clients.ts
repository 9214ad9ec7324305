import type { AgentServerFrame, ChatInfo, SocketFactory } from '@parley/protocol';
import WebSocket from 'ws';
import { ServerConnection } from '../../../agent/src/connection.js';
import { wsSocketHandle } from '../../../agent/src/wsSocket.js';
import { type ApiClient, agentHello, type TestServer, wsUrl } from './server.js';

/**
 * The real clients' own code driven from Node, so a test sees what they parse, not what the wire carries:
 * a socket factory for the console's `ReconnectingSocket` (the browser's WebSocket as the console uses it), and the
 * agent's `ServerConnection`.
 */

/**
 * The browser's WebSocket as the console's `browserSocket` wraps it, over `ws` (as the agent wraps it), with the
 * headers a browser would send (the session cookie, the server's Origin). Binary frames are dropped, as the browser
 * wrapper does.
 */
export function nodeSocketFactory(headers: Record<string, string>): SocketFactory {
  return (url, handlers) =>
    wsSocketHandle(new WebSocket(url, { headers, perMessageDeflate: false }), handlers);
}

/** The console's socket options for a signed-in operator of `api`: its URL, cookie and Origin. */
export function consoleSocketOptions(server: TestServer, api: ApiClient) {
  return {
    url: wsUrl(server, '/ws/console'),
    connect: nodeSocketFactory({ origin: server.url, cookie: api.cookie }),
  };
}

export interface AgentClient {
  connection: ServerConnection;
  deviceId: string;
  credential: string;
  /** The open chats of every welcome, in order. */
  welcomes: ChatInfo[][];
  /** Every frame the connection passed on after parsing it. */
  frames: AgentServerFrame[];
  /** What the connection logged (ignored frames among it). */
  logs: string[];
  stop(): Promise<void>;
}

/** Enrolls a device and connects the agent's real `ServerConnection` for it, reporting `users` as logged on. */
export async function startAgentClient(
  server: TestServer,
  api: ApiClient,
  users: string[] = ['bob'],
  name = 'PC-1',
): Promise<AgentClient> {
  const token = (await api.request('POST', '/api/enrollment-tokens')).body.token as string;
  const enrolled = (await api.request('POST', '/api/agents/enroll', { token, name, os: 'linux' })).body;
  const deviceId = enrolled.deviceId as string;
  const credential = enrolled.credential as string;
  const welcomes: ChatInfo[][] = [];
  const frames: AgentServerFrame[] = [];
  const logs: string[] = [];
  const connection = new ServerConnection({
    url: wsUrl(server, '/ws/agent'),
    hello: async () => agentHello(deviceId, credential, name, users),
    onWelcome: (welcome) => welcomes.push(welcome.openChats),
    onFrame: (frame) => frames.push(frame),
    onDown: () => {},
    log: (message) => logs.push(message),
  });
  connection.start();
  return { connection, deviceId, credential, welcomes, frames, logs, stop: () => connection.stop() };
}
