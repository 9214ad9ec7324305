import { type AgentHello, type Capability, CloseCode, PROTOCOL_VERSION } from '@parley/protocol';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { CLI } from '../../src/audit/audit.js';
import type { TlsIdentity } from '../../src/http/tls.js';
import { type Operator, withGroups } from '../../src/operators/operator.js';
import { type ParleyServer, type ServerConfig, startServer } from '../../src/server.js';
import { nameAdmin } from './admin.js';
import { type TempDatabase, tempPostgres, tempSqlite } from './databases.js';

/** The NATS server the tests use; the machine and CI run one. */
export const TEST_NATS_URL = process.env.PARLEY_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface TestServer extends ParleyServer {
  database: TempDatabase;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/** The real server on port 0 with a fresh database (SQLite file by default) and operator `admin`. */
export async function startTestServer(
  options: {
    postgres?: boolean;
    heartbeatMs?: number;
    /** The least time between two `devices.changed` to one console (5 s by default). */
    listHintMs?: number;
    /** The server's device.updated coalescing window (1 s by default). */
    deviceUpdateMs?: number;
    backlogFrames?: number;
    database?: TempDatabase;
    nats?: boolean;
    nodeId?: string;
    publicUrl?: string;
    /** Serve HTTPS and WSS with this certificate and key (as PARLEY_TLS_CERT and PARLEY_TLS_KEY do). */
    tls?: TlsIdentity;
    revocationSweepMs?: number;
    /** The public keys whose licenses the server trusts, and the clock it judges their expiry by. */
    license?: Pick<ServerConfig, 'licenseKeyFiles' | 'licenseClock'>;
    /** The clock recording retention is judged by. */
    recordingClock?: () => Date;
    /** A step each recordings export awaits between conversations, and the exports' size limits. */
    exports?: Pick<ServerConfig, 'exportStep' | 'exportLimits'>;
    /** Host names, trusted proxies and /metrics access (ServerConfig's defaults otherwise). */
    edge?: Pick<ServerConfig, 'allowedHosts' | 'trustedProxies' | 'metricsAllow' | 'metricsToken'>;
    /** Leave `admin` without a display name, as a first start does (tests name it "Administrator" otherwise). */
    adminUnnamed?: boolean;
  } = {},
): Promise<TestServer> {
  const database = options.database ?? (options.postgres ? await tempPostgres() : tempSqlite());
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    store: database.location,
    nodeId: options.nodeId ?? 'test-node',
    natsUrl: options.nats ? TEST_NATS_URL : null,
    publicUrl: options.publicUrl ?? null,
    tls: options.tls ?? null,
    loginAttemptsPerMinute: 20,
    logger: pino({ level: process.env.PARLEY_TEST_LOG ?? 'silent' }),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.listHintMs === undefined ? {} : { listHintMs: options.listHintMs }),
    ...(options.deviceUpdateMs === undefined ? {} : { deviceUpdateMs: options.deviceUpdateMs }),
    ...(options.backlogFrames === undefined ? {} : { backlogFrames: options.backlogFrames }),
    ...options.edge,
    ...(options.revocationSweepMs === undefined ? {} : { revocationSweepMs: options.revocationSweepMs }),
    ...options.license,
    ...(options.recordingClock ? { recordingClock: options.recordingClock } : {}),
    ...options.exports,
    adminPassword: ADMIN_PASSWORD,
  });
  if (!options.adminUnnamed) await nameAdmin(server);
  return {
    ...server,
    // Tests talk to the server directly, even when it says it is reached at a public URL.
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${server.port}`,
    database,
    async stop() {
      await server.close();
      await database.drop();
    },
  };
}

/** An operator as the services take them (with their groups), by username. */
export async function operatorNamed(server: ParleyServer, username: string): Promise<Operator> {
  const record = await server.store.operators.findByUsername(username);
  if (!record) throw new Error(`no operator ${username}`);
  return withGroups(server.store, record);
}

/** Creates an operator as an administrator would; `devices` get Read and Write for them (chatting needs both). */
export async function addOperator(
  server: ParleyServer,
  input: {
    username: string;
    password: string;
    displayName?: string;
    capabilities?: Capability[];
    devices?: string[];
  },
): Promise<Operator> {
  const created = await server.services.operators.create(input, CLI);
  if (!created.ok) throw new Error(created.message);
  for (const deviceId of input.devices ?? []) {
    const granted = await server.services.rights.setAccessRight(
      { operatorId: created.value.id, deviceId, read: 'allow', write: 'allow' },
      CLI,
    );
    if (!granted.ok) throw new Error(granted.message);
  }
  return operatorNamed(server, input.username);
}

/** An operator `addOperator` creates, signed in on an API client of their own. */
export async function operatorClient(
  server: TestServer,
  input: Parameters<typeof addOperator>[1],
): Promise<ApiClient> {
  await addOperator(server, input);
  const api = new ApiClient(server.url);
  await api.login(input.username, input.password);
  return api;
}

export type TestServerOptions = NonNullable<Parameters<typeof startTestServer>[0]>;

/**
 * A suite's server: started before its tests (with operator `admin` signed in on `api`), stopped after them.
 * Read `suite.server` and `suite.api` inside tests, once the hooks have run.
 */
export function useTestServer(options: TestServerOptions = {}): {
  readonly server: TestServer;
  readonly api: ApiClient;
} {
  let current: { server: TestServer; api: ApiClient } | null = null;
  beforeAll(async () => {
    const server = await startTestServer(options);
    const api = new ApiClient(server.url);
    await api.login();
    current = { server, api };
  });
  afterAll(async () => current?.server.stop());
  const started = () => {
    if (!current) throw new Error('useTestServer: read the server inside a test, after beforeAll');
    return current;
  };
  return {
    get server() {
      return started().server;
    },
    get api() {
      return started().api;
    },
  };
}

/** fetch against the server, as an API client: JSON bodies, the server's Origin, and a cookie jar of one. */
export class ApiClient {
  cookie = '';
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: {
        origin: this.baseUrl,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : null;
    return {
      status: response.status,
      body: json as Record<string, unknown> & unknown[],
      headers: response.headers,
    };
  }

  /** A file answer (an export, a transcript file) as bytes. */
  async file(path: string): Promise<{ status: number; headers: Headers; data: Buffer }> {
    const response = await fetch(this.baseUrl + path, {
      headers: { cookie: this.cookie, origin: this.baseUrl },
    });
    return {
      status: response.status,
      headers: response.headers,
      data: Buffer.from(await response.arrayBuffer()),
    };
  }

  async login(username = 'admin', password = ADMIN_PASSWORD): Promise<void> {
    const { status } = await this.request('POST', '/api/auth/login', { username, password });
    if (status !== 200) throw new Error(`login failed: ${status}`);
  }
}

/** A raw WebSocket test peer that records every frame it receives and can wait for one. */
export class TestSocket {
  readonly frames: Record<string, unknown>[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static async connect(
    url: string,
    headers: Record<string, string> = {},
    /** The CA a wss:// server's certificate is checked against. */
    tls: { ca?: string } = {},
  ): Promise<TestSocket> {
    const ws = new WebSocket(url, { headers, ...tls });
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return socket;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for the first frame (received before or after the call) that matches. */
  async next(
    match: (frame: Record<string, unknown>) => boolean,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame; got ${JSON.stringify(this.frames.map((f) => f.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  ofType(type: string): Record<string, unknown>[] {
    return this.frames.filter((f) => f.type === type);
  }

  close(): void {
    this.ws.close(CloseCode.normal);
  }
}

export function wsUrl(server: { url: string }, path: string): string {
  return server.url.replace(/^http/, 'ws') + path;
}

/** Enrolls a device and connects a raw agent socket for it, reporting `users` as logged on. */
/** The `agent.hello` a test agent sends: this protocol version, a Linux device, `users` logged on. */
export function agentHello(
  deviceId: string,
  credential: string,
  name: string,
  users: string[] = ['bob'],
): AgentHello {
  return {
    type: 'agent.hello',
    protocolVersion: PROTOCOL_VERSION,
    deviceId,
    credential,
    device: { name, os: 'linux', agentVersion: 'test' },
    loggedOnUsers: users.map((u) => ({ name: u })),
  };
}

export async function connectRawAgent(
  server: Pick<TestServer, 'url'>,
  api: ApiClient,
  users: string[] = ['bob'],
  name = 'PC-1',
  /** Done once the device is enrolled, before its agent connects (a console watching it, P-37). */
  beforeConnect?: (deviceId: string) => Promise<unknown>,
) {
  const token = (await api.request('POST', '/api/enrollment-tokens')).body.token as string;
  const enrolled = (await api.request('POST', '/api/agents/enroll', { token, name, os: 'linux' })).body;
  await beforeConnect?.(enrolled.deviceId as string);
  const socket = await TestSocket.connect(wsUrl(server, '/ws/agent'));
  socket.send(agentHello(enrolled.deviceId as string, enrolled.credential as string, name, users));
  await socket.next((f) => f.type === 'agent.welcome');
  return { socket, deviceId: enrolled.deviceId as string, credential: enrolled.credential as string };
}

/** A signed-in console socket that has said hello. */
export async function connectConsole(server: Pick<TestServer, 'url'>, api: ApiClient): Promise<TestSocket> {
  const socket = await TestSocket.connect(wsUrl(server, '/ws/console'), {
    origin: server.url,
    cookie: api.cookie,
  });
  socket.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
  await socket.next((f) => f.type === 'welcome');
  return socket;
}

/**
 * The console says it shows these devices (P-37) and waits for the whole answer: their state now, the readable ones
 * of them; their news comes from then on.
 */
export async function watchDevices(
  socket: TestSocket,
  deviceIds: readonly string[],
  listChanges = true,
): Promise<Record<string, unknown>[]> {
  const from = socket.frames.length;
  socket.send({ type: 'devices.watch', deviceIds: [...deviceIds], listChanges });
  await socket.next(
    (f) => f.type === 'devices.watched' && f.more === false && socket.frames.indexOf(f) >= from,
  );
  return socket.frames
    .slice(from)
    .filter((f) => f.type === 'devices.watched')
    .flatMap((f) => f.devices as Record<string, unknown>[]);
}

/**
 * Opens `count` chats on one device as `admin`, each with another end user (`userName(i)`): one operator has one
 * open chat per device and end user (issue 6, 5c). The device's logged-on users are as before afterwards.
 */
export async function openManyChats(
  server: TestServer,
  deviceId: string,
  count: number,
  userName: (i: number) => string = (i) => `user-${i}`,
): Promise<Set<string>> {
  const admin = await operatorNamed(server, 'admin');
  const device = await server.store.devices.find(deviceId);
  if (!admin || !device) throw new Error('admin or device missing');
  const chatIds = new Set<string>();
  for (let i = 0; i < count; i++) {
    await server.store.devices.setLoggedOnUsers(deviceId, [{ name: userName(i) }], new Date().toISOString());
    const opened = await server.services.chats.open(admin, deviceId);
    if (!opened.ok) throw new Error(opened.error);
    chatIds.add(opened.chatId);
  }
  await server.store.devices.setLoggedOnUsers(deviceId, device.loggedOnUsers, new Date().toISOString());
  return chatIds;
}
