import {
  type AgentClientFrame,
  type AgentHello,
  AgentServerFrame,
  type ChatInfo,
  CloseCode,
  HEARTBEAT_MS,
  Heartbeat,
  MAX_SERVER_FRAME_BYTES,
  parseServerFrame,
  reconnectDelay,
  SERVER_SILENCE_MS,
  Silence,
} from '@parley/protocol';
import WebSocket from 'ws';

/** The server's greeting: its welcome and every part of the device's open chats (P-11). */
export interface Welcome {
  protocolVersion: number;
  openChats: ChatInfo[];
}

/** Agents wait longer between attempts than consoles: there are many more of them. */
const AGENT_BACKOFF = { baseMs: 500, maxMs: 30_000 };

/** What the server sends an agent once it is connected. */
export type AgentLiveFrame = Exclude<AgentServerFrame, { type: 'agent.welcome' | 'agent.open_chats' }>;

export interface ServerConnectionOptions {
  /** ws(s)://host/ws/agent */
  url: string;
  hello(): Promise<AgentHello>;
  /** Once per connection, when the last part of the open chats came; the connection is ready from then on. */
  onWelcome(welcome: Welcome): void;
  /** Every frame after the welcome and its open chats, which this connection takes itself. */
  onFrame(frame: AgentLiveFrame): void;
  onDown(): void;
  log(message: string): void;
  /** How often the watchdog looks, and how long a silent server has (HEARTBEAT_MS, SERVER_SILENCE_MS): for tests. */
  watchdog?: { beatMs: number; silenceMs: number };
}

/**
 * The agent's one connection to the server: hello, then frames; reconnects with backoff and jitter. Its watchdog, the
 * protocol's heartbeat, cuts off a server that fell silent (P-5), but not after a stall of the agent itself.
 */
export class ServerConnection {
  private ws: WebSocket | null = null;
  /** When the server of this socket was last heard. */
  private silence: Silence | null = null;
  private ready = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly watchdog: Heartbeat;

  constructor(private readonly options: ServerConnectionOptions) {
    this.watchdog = new Heartbeat(() => [{ beat: (judge: boolean) => this.listen(judge) }], {
      intervalMs: options.watchdog?.beatMs ?? HEARTBEAT_MS,
    });
  }

  get isReady(): boolean {
    return this.ready;
  }

  start(): void {
    this.stopped = false;
    this.connect();
    this.watchdog.start();
  }

  /** Sends when connected and greeted; false otherwise (the caller decides whether to keep it). */
  send(frame: AgentClientFrame): boolean {
    if (!this.ready || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watchdog.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(CloseCode.goingAway, 'agent stopping');
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000).unref();
    });
  }

  /** One beat of the watchdog: the server of this socket, if silent too long, is cut off (and retried). */
  private listen(judge: boolean): void {
    if (this.silence?.beat(judge) === 'cut') this.options.log('server silent: reconnecting');
  }

  private connect(): void {
    const ws = new WebSocket(this.options.url, {
      perMessageDeflate: false,
      maxPayload: MAX_SERVER_FRAME_BYTES,
    });
    this.ws = ws;
    this.silence = new Silence(ws, { silenceMs: this.options.watchdog?.silenceMs ?? SERVER_SILENCE_MS });
    /** This connection's welcome while its open chats are still coming in parts. */
    let greeting: Welcome | null = null;
    ws.on('open', () => {
      this.options
        .hello()
        .then((hello) => ws.send(JSON.stringify(hello)))
        .catch((error: unknown) => {
          this.options.log(`hello failed: ${String(error)}`);
          ws.terminate();
        });
    });
    ws.on('message', (data) => {
      const parsed = parseServerFrame(AgentServerFrame, data.toString());
      if (!parsed.ok) {
        this.options.log(`ignored a frame from the server: ${parsed.error.message}`);
        return;
      }
      const frame = parsed.frame;
      if (frame.type === 'agent.welcome') {
        greeting = { protocolVersion: frame.protocolVersion, openChats: [] };
        return;
      }
      if (frame.type === 'agent.open_chats') {
        if (!greeting) {
          this.options.log('ignored open chats that came without a welcome');
          return;
        }
        greeting.openChats.push(...frame.chats);
        if (frame.more) return;
        const welcome = greeting;
        greeting = null;
        this.ready = true;
        this.attempt = 0;
        this.options.onWelcome(welcome);
        return;
      }
      if (frame.type === 'error' && frame.code === 'not_authenticated') this.options.log(frame.message);
      this.options.onFrame(frame);
    });
    ws.on('error', (error) => this.options.log(`connection error: ${error.message}`));
    ws.on('close', (code, reason) => {
      const wasReady = this.ready;
      this.ready = false;
      this.ws = null;
      this.silence = null;
      if (wasReady) this.options.onDown();
      if (this.stopped) return;
      const delay = reconnectDelay(this.attempt++, Math.random, AGENT_BACKOFF);
      this.options.log(
        `disconnected (${code}${reason.length ? ` ${reason.toString()}` : ''}); retrying in ${delay} ms`,
      );
      this.retryTimer = setTimeout(() => this.connect(), delay);
    });
  }
}
