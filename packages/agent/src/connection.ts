import {
  type AgentClientFrame,
  type AgentHello,
  AgentServerFrame,
  type BackoffOptions,
  type ChatInfo,
  CloseCode,
  HEARTBEAT_MS,
  Heartbeat,
  MAX_SERVER_FRAME_BYTES,
  parseServerFrame,
  ReconnectLoop,
  SERVER_SILENCE_MS,
  Silence,
  type SocketHandle,
  type SocketHandlers,
} from '@parley/protocol';
import WebSocket from 'ws';
import { describeTransportError, type ServerLink, socketTls } from './serverLink.js';
import { wsSocketHandle } from './wsSocket.js';

/** The server's greeting: its welcome and every part of the device's open chats (P-11). */
export interface Welcome {
  protocolVersion: number;
  openChats: ChatInfo[];
}

/**
 * Agents wait longer between attempts than consoles: there are many more of them. Full jitter over a first window
 * of 5 s: a fleet dropped at once (a node restarted, a network blip) comes back spread evenly over those seconds,
 * not all in the first half second, which overflowed the server's listen queue (bench/fleet.ts).
 */
export const AGENT_BACKOFF: BackoffOptions = { baseMs: 5000, maxMs: 30_000, jitter: 'full' };

/** What the server sends an agent once it is connected. */
export type AgentLiveFrame = Exclude<AgentServerFrame, { type: 'agent.welcome' | 'agent.open_chats' }>;

export interface ServerConnectionOptions {
  /** ws(s)://host/ws/agent */
  url: string;
  /** How the server is reached (its CA); unset: the system's CAs. */
  link?: ServerLink;
  hello(): Promise<AgentHello>;
  /** Once per connection, when the last part of the open chats came; the connection is ready from then on. */
  onWelcome(welcome: Welcome): void;
  /** Every frame after the welcome and its open chats, which this connection takes itself. */
  onFrame(frame: AgentLiveFrame): void;
  onDown(): void;
  log(message: string): void;
  /** How often the watchdog looks, and how long a silent server has (HEARTBEAT_MS, SERVER_SILENCE_MS): for tests. */
  watchdog?: { beatMs: number; silenceMs: number };
  /** The waits between attempts (AGENT_BACKOFF): for tests. */
  backoff?: BackoffOptions;
}

/**
 * The agent's one connection to the server: hello, then frames. The protocol's reconnect loop brings it back with
 * backoff and jitter; its watchdog, the protocol's heartbeat, cuts off a server that fell silent (P-5), but not after a
 * stall of the agent itself.
 */
export class ServerConnection {
  private readonly loop: ReconnectLoop;
  private readonly watchdog: Heartbeat;
  /** The socket of this attempt, and when its server was last heard. */
  private current: { ws: WebSocket; silence: Silence } | null = null;
  private ready = false;
  /** This connection's welcome while its open chats are still coming in parts. */
  private greeting: Welcome | null = null;
  /** How the last socket closed, for the log. */
  private lastClose = '';

  constructor(private readonly options: ServerConnectionOptions) {
    this.loop = new ReconnectLoop({
      url: () => options.url,
      connect: (url, handlers) => this.open(url, handlers),
      backoff: options.backoff ?? AGENT_BACKOFF,
      onMessage: (data) => this.receive(data),
      onWait: (delay) => options.log(`disconnected (${this.lastClose}); retrying in ${delay} ms`),
    });
    this.watchdog = new Heartbeat(() => [{ beat: (judge: boolean) => this.listen(judge) }], {
      intervalMs: options.watchdog?.beatMs ?? HEARTBEAT_MS,
    });
  }

  get isReady(): boolean {
    return this.ready;
  }

  start(): void {
    this.loop.start();
    this.watchdog.start();
  }

  /** Sends when connected and greeted; false otherwise (the caller decides whether to keep it). */
  send(frame: AgentClientFrame): boolean {
    return this.ready && this.loop.send(JSON.stringify(frame));
  }

  async stop(): Promise<void> {
    this.watchdog.stop();
    const ws = this.current?.ws;
    const closed =
      ws && ws.readyState !== WebSocket.CLOSED
        ? new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            setTimeout(() => {
              ws.terminate();
              resolve();
            }, 2000).unref();
          })
        : null;
    this.loop.stop(CloseCode.goingAway, 'agent stopping');
    await closed;
  }

  /** One beat of the watchdog: the server of this attempt, if silent too long, is cut off and the loop retries. */
  private listen(judge: boolean): void {
    if (this.current?.silence.beat(judge) === 'cut') this.options.log('server silent: reconnecting');
  }

  /** The loop's socket factory: a `ws` socket that says hello once open, watched from its first moment. */
  private open(url: string, handlers: SocketHandlers): SocketHandle {
    const link = this.options.link;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: MAX_SERVER_FRAME_BYTES,
      ...(link ? socketTls(link) : {}),
    });
    const silenceMs = this.options.watchdog?.silenceMs ?? SERVER_SILENCE_MS;
    this.current = { ws, silence: new Silence(ws, { silenceMs }) };
    this.greeting = null;
    ws.on('open', () => {
      this.options
        .hello()
        .then((hello) => ws.send(JSON.stringify(hello)))
        .catch((error: unknown) => {
          this.options.log(`hello failed: ${String(error)}`);
          ws.terminate();
        });
    });
    ws.on('error', (error) =>
      this.options.log(`connection error: ${link ? describeTransportError(error, link) : error.message}`),
    );
    // Before the loop hears of the close (wsSocketHandle listens after this), so `onWait` can say how it closed.
    ws.on('close', (code, reason) => this.closed(ws, code, reason.toString()));
    return wsSocketHandle(ws, handlers);
  }

  private closed(ws: WebSocket, code: number, reason: string): void {
    if (this.current?.ws !== ws) return;
    this.current = null;
    this.lastClose = `${code}${reason.length ? ` ${reason}` : ''}`;
    const wasReady = this.ready;
    this.ready = false;
    if (wasReady) this.options.onDown();
  }

  private receive(data: string): void {
    const parsed = parseServerFrame(AgentServerFrame, data);
    if (!parsed.ok) {
      this.options.log(`ignored a frame from the server: ${parsed.error.message}`);
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 'agent.welcome') {
      this.greeting = { protocolVersion: frame.protocolVersion, openChats: [] };
      return;
    }
    if (frame.type === 'agent.open_chats') {
      if (!this.greeting) {
        this.options.log('ignored open chats that came without a welcome');
        return;
      }
      this.greeting.openChats.push(...frame.chats);
      if (frame.more) return;
      const welcome = this.greeting;
      this.greeting = null;
      this.ready = true;
      this.loop.resetBackoff();
      this.options.onWelcome(welcome);
      return;
    }
    if (frame.type === 'error' && frame.code === 'not_authenticated') this.options.log(frame.message);
    this.options.onFrame(frame);
  }
}
