/**
 * A small Parley client the bench files share: JSON over HTTP, a WebSocket that setup can wait on, and the steps
 * that make a help desk (an operator with rights on a fleet of enrolled devices, each with an open chat).
 */
import { request } from 'node:http';
import { type AgentHello, DEFAULT_RECORDING_SETTINGS, PROTOCOL_VERSION } from '@parley/protocol';
import WebSocket from 'ws';

/** The part of a chat entry the bench looks at. */
export interface IncomingEntry {
  seq?: number;
  kind?: string;
  clientId?: string;
  text?: string;
  from?: { role?: string } | null;
}

/** The part of any frame either target sends that the bench looks at; nothing is validated. */
export interface Incoming {
  type?: string;
  chatId?: string;
  clientId?: string;
  seq?: number;
  code?: string;
  ref?: string;
  retryAfterMs?: number;
  more?: boolean;
  entries?: IncomingEntry[];
  chat?: { chatId?: string; status?: string };
  chats?: { chatId?: string; status?: string }[];
}

/** A WebSocket that parses every text frame and hands it to the current handler; setup can wait on frames. */
export class Socket {
  onFrame: (frame: Incoming) => void = () => {};
  onUnexpectedClose: (code: number) => void = () => {};
  /** Resolves once the socket is closed, for whatever reason. */
  readonly closed: Promise<number>;
  private expectClose = false;
  private readonly seen: Incoming[] = [];
  private waiter: (() => void) | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let frame: Incoming;
      try {
        frame = JSON.parse(String(data)) as Incoming;
      } catch {
        frame = { type: 'unparsable' };
      }
      this.onFrame(frame);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code) => {
        if (!this.expectClose) this.onUnexpectedClose(code);
        this.waiter?.();
        resolve(code);
      });
    });
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<Socket> {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.removeListener('error', reject);
        ws.on('error', () => {});
        resolve(new Socket(ws));
      });
      ws.once('error', reject);
    });
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Setup only: records frames until one matches, and returns it (with every frame recorded up to it). An error
   * frame fails the wait unless `allowError` accepts it.
   */
  async next(
    match: (frame: Incoming) => boolean,
    what: string,
    timeoutMs = 20_000,
    allowError: (frame: Incoming) => boolean = () => false,
  ): Promise<Incoming> {
    return (await this.collect(match, what, timeoutMs, allowError)).at(-1) as Incoming;
  }

  /** Like `next`, but returns every frame recorded, the matching one last. */
  async collect(
    match: (frame: Incoming) => boolean,
    what: string,
    timeoutMs = 20_000,
    allowError: (frame: Incoming) => boolean = () => false,
  ): Promise<Incoming[]> {
    const previous = this.onFrame;
    this.onFrame = (frame) => {
      this.seen.push(frame);
      this.waiter?.();
    };
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const found = this.seen.findIndex(match);
        if (found >= 0) return this.seen.slice(0, found + 1);
        const error = this.seen.find((f) => f.type === 'error' && !allowError(f));
        if (error) throw new Error(`${what}: error frame ${JSON.stringify(error)}`);
        if (!this.open) throw new Error(`${what}: socket closed`);
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`${what}: timed out; got ${JSON.stringify(this.seen.map((f) => f.type))}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          this.waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      this.waiter = null;
      this.seen.length = 0;
      this.onFrame = previous;
    }
  }

  close(): void {
    this.expectClose = true;
    this.ws.close(1000);
  }
}

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
  setCookie: string | null;
}

/** JSON over node:http, so a request can pick its source address (the enroll route is limited per address). */
export function http(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; cookie?: string; localAddress?: string } = {},
): Promise<HttpAnswer> {
  const url = new URL(path, baseUrl);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        headers: {
          origin: baseUrl,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.cookie ? { cookie: options.cookie } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          try {
            body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            body = { text };
          }
          const cookie = res.headers['set-cookie']?.[0]?.split(';')[0] ?? null;
          resolve({ status: res.statusCode ?? 0, body, setCookie: cookie });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function expectStatus(what: string, status: number, call: Promise<HttpAnswer>) {
  const response = await call;
  if (response.status !== status) {
    throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response;
}

/** Runs `task(i)` for i in [0, count) with at most `limit` at once. */
export async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  });
  await Promise.all(workers);
}

/** The enroll route allows 600 a minute per client address (AGENT_RATE): spread devices over 127.0.0.2, .3, … */
const ENROLLS_PER_ADDRESS = 500;
export const BENCH_OPERATOR = 'bench-operator';
export const BENCH_OPERATOR_PASSWORD = 'bench-operator-password';

export const wsBaseOf = (url: string) => url.replace(/^http/, 'ws');

/** Signs in and returns the session cookie (`name=value`). */
export async function signIn(url: string, username: string, password: string): Promise<string> {
  return (
    (
      await expectStatus(
        'sign in',
        200,
        http(url, 'POST', '/api/auth/login', { body: { username, password } }),
      )
    ).setCookie ?? ''
  );
}

/** Turns recording on or off (for chats opened from now on: P-32). */
export async function setRecording(url: string, adminCookie: string, enabled: boolean): Promise<void> {
  await expectStatus(
    `recording ${enabled ? 'on' : 'off'}`,
    200,
    http(url, 'PUT', '/api/settings/recording', {
      cookie: adminCookie,
      body: { ...DEFAULT_RECORDING_SETTINGS, enabled },
    }),
  );
}

/**
 * Signs admin in, names them, sets recording, and makes the help desk the consoles sign in to: operator
 * `bench-operator`, not the super-administrator, so every message takes the real rights path (instant-messaging
 * from a group, Read and Write through a dynamic device group matching `bench-*`). Returns admin's cookie.
 */
export async function prepareHelpDesk(
  url: string,
  adminPassword: string,
  recording: boolean,
): Promise<string> {
  const cookie = await signIn(url, 'admin', adminPassword);
  // A first start leaves admin without the name end users see, and no chat opens before it has one.
  await expectStatus(
    'display name',
    204,
    http(url, 'PUT', '/api/auth/display-name', { cookie, body: { displayName: 'Bench Operator' } }),
  );
  if (recording) await setRecording(url, cookie, true);
  const operator = await expectStatus(
    'create operator',
    201,
    http(url, 'POST', '/api/operators', {
      cookie,
      body: { username: BENCH_OPERATOR, password: BENCH_OPERATOR_PASSWORD, displayName: 'Bench Operator' },
    }),
  );
  const team = await expectStatus(
    'create operator group',
    201,
    http(url, 'POST', '/api/operator-groups', { cookie, body: { name: 'Bench help desk' } }),
  );
  await expectStatus(
    'group members',
    204,
    http(url, 'PUT', `/api/operator-groups/${team.body.id}/members`, {
      cookie,
      body: { operatorIds: [operator.body.id] },
    }),
  );
  await expectStatus(
    'group capabilities',
    204,
    http(url, 'PUT', `/api/operator-groups/${team.body.id}/capabilities`, {
      cookie,
      body: { capabilities: ['instant-messaging'] },
    }),
  );
  const fleet = await expectStatus(
    'device group',
    201,
    http(url, 'POST', '/api/device-groups', {
      cookie,
      body: { name: 'Bench fleet', rule: { namePattern: 'bench-*' } },
    }),
  );
  await expectStatus(
    'access right',
    204,
    http(url, 'PUT', '/api/access-rights', {
      cookie,
      body: { operatorGroupId: team.body.id, deviceGroupId: fleet.body.id, read: 'allow', write: 'allow' },
    }),
  );
  return cookie;
}

/** What an agent keeps to connect again: its id and credential. */
export interface EnrolledDevice {
  index: number;
  deviceId: string;
  credential: string;
  name: string;
  /** The one person the agent reports logged on. */
  user: string;
}

/** Enrolls device number `index` (named `bench-0000`, …) with a fresh enrollment token. */
export async function enrollDevice(url: string, adminCookie: string, index: number): Promise<EnrolledDevice> {
  const token = (
    await expectStatus(
      'enrollment token',
      201,
      http(url, 'POST', '/api/enrollment-tokens', { cookie: adminCookie }),
    )
  ).body.token as string;
  const name = `bench-${String(index).padStart(4, '0')}`;
  const enrolled = await expectStatus(
    'enroll',
    201,
    http(url, 'POST', '/api/agents/enroll', {
      body: { token, name, os: 'linux' },
      localAddress: `127.0.0.${2 + Math.floor(index / ENROLLS_PER_ADDRESS)}`,
    }),
  );
  return {
    index,
    deviceId: enrolled.body.deviceId as string,
    credential: enrolled.body.credential as string,
    name,
    user: `user${index}`,
  };
}

/**
 * Connects the device's agent (`agent.hello` with its credential) and waits for `ready` (the welcome unless told
 * otherwise); returns the socket and the frame that made it ready.
 */
export async function connectAgent(
  url: string,
  device: EnrolledDevice,
  ready: (frame: Incoming) => boolean = (f) => f.type === 'agent.welcome',
): Promise<{ agent: Socket; readyFrame: Incoming }> {
  const agent = await Socket.connect(`${wsBaseOf(url)}/ws/agent`);
  const readyFrame = agent.next(ready, `agent ${device.index} hello`);
  agent.send(agentHello(device));
  return { agent, readyFrame: await readyFrame };
}

/** The device's `agent.hello`: its credential, its name, the one user logged on. */
export function agentHello(device: Omit<EnrolledDevice, 'index'>): AgentHello {
  return {
    type: 'agent.hello',
    protocolVersion: PROTOCOL_VERSION,
    deviceId: device.deviceId,
    credential: device.credential,
    device: { name: device.name, os: 'linux', agentVersion: 'bench' },
    loggedOnUsers: [{ name: device.user }],
  };
}

/** Connects a console socket with the session cookie and waits for its welcome (no device list comes: P-37). */
export async function connectConsole(url: string, cookie: string, what: string): Promise<Socket> {
  const console = await Socket.connect(`${wsBaseOf(url)}/ws/console`, { origin: url, cookie });
  const welcome = console.next((f) => f.type === 'welcome', `${what} hello`);
  console.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
  await welcome;
  return console;
}

/** Opens a chat with the device's end user (POST /api/devices/:id/chats, 201) and returns its id. */
export async function openChat(url: string, cookie: string, deviceId: string): Promise<string> {
  const opened = await expectStatus(
    'open chat',
    201,
    http(url, 'POST', `/api/devices/${deviceId}/chats`, { cookie }),
  );
  return opened.body.chatId as string;
}
