import { type BackoffOptions, reconnectDelay } from './backoff.js';

/** Time and timers, injected so what waits runs the same in tests (with a fake clock) as for real. */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  schedule(fn: () => void, ms: number): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
};

/** What a socket tells the reconnecting loop. */
export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number): void;
}

/** A connected socket as the reconnecting loop sees it. */
export interface SocketHandle {
  /** Sends if open; false otherwise. */
  send(data: string): boolean;
  close(code?: number, reason?: string): void;
}

/** What a WebSocket offers, the browser's or `ws`'s. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket, the browser's or `ws`'s, as the loop's handle: it sends only while open. */
export function socketHandle(ws: WebSocketLike): SocketHandle {
  return {
    send(data) {
      if (ws.readyState !== ws.OPEN) return false;
      ws.send(data);
      return true;
    },
    close(code, reason) {
      ws.close(code, reason);
    },
  };
}

/** Opens a socket (the browser's WebSocket in the console, `ws` in the agent) that reports to `handlers`. */
export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketHandle;

export type SocketStatus = 'connecting' | 'open' | 'waiting' | 'stopped';

export interface ReconnectOptions {
  url(): string;
  connect: SocketFactory;
  onOpen?(): void;
  onMessage(data: string): void;
  /** After a close: try again, or give up (e.g. the session ended). `wasOpen` = the socket had opened. */
  onClose?(code: number, wasOpen: boolean): 'retry' | 'stop';
  onStatus?(status: SocketStatus): void;
  /** Each time it waits before the next attempt: how long. */
  onWait?(delayMs: number): void;
  clock?: Clock;
  random?: () => number;
  /** The waits between attempts (the protocol's default otherwise). */
  backoff?: BackoffOptions;
  /** A connection that stayed open this long resets the backoff. */
  stableMs?: number;
}

/** A connection that stayed open this long resets the backoff, unless told otherwise. */
const DEFAULT_STABLE_MS = 10_000;

/**
 * The one reconnect loop of every client: a socket that comes back. After a drop it reconnects with exponential
 * backoff and jitter (`reconnectDelay`), until `stop()` or until `onClose` says to give up. A connection that stayed
 * open `stableMs` (or one its owner calls good with `resetBackoff`) starts the backoff over. Events of a socket it
 * has let go of are ignored.
 */
export class ReconnectLoop {
  private handle: SocketHandle | null = null;
  private attempt = 0;
  private openedAt: number | null = null;
  private cancelWait: (() => void) | null = null;
  private current: SocketStatus = 'stopped';
  private generation = 0;
  private readonly clock: Clock;

  constructor(private readonly options: ReconnectOptions) {
    this.clock = options.clock ?? realClock;
  }

  get status(): SocketStatus {
    return this.current;
  }

  start(): void {
    if (this.current !== 'stopped') return;
    this.open();
  }

  /** Closes the socket (if any) with `code` and `reason`, cancels a pending attempt, and stays stopped. */
  stop(code = 1000, reason = 'closing'): void {
    this.generation++;
    this.cancelWait?.();
    this.cancelWait = null;
    const handle = this.handle;
    this.handle = null;
    this.setStatus('stopped');
    handle?.close(code, reason);
  }

  send(data: string): boolean {
    return this.current === 'open' && this.handle !== null && this.handle.send(data);
  }

  /** Reconnect now if waiting to. */
  readonly retryNow = (): void => {
    if (this.current !== 'waiting') return;
    this.cancelWait?.();
    this.cancelWait = null;
    this.open();
  };

  /** The connection is good (its server greeted it, say): the next drop starts the backoff over. */
  resetBackoff(): void {
    this.attempt = 0;
  }

  private setStatus(status: SocketStatus): void {
    if (this.current === status) return;
    this.current = status;
    this.options.onStatus?.(status);
  }

  private open(): void {
    const generation = ++this.generation;
    this.openedAt = null;
    this.setStatus('connecting');
    this.handle = this.options.connect(this.options.url(), {
      open: () => {
        if (generation !== this.generation) return;
        this.openedAt = this.clock.now();
        this.setStatus('open');
        this.options.onOpen?.();
      },
      message: (data) => {
        if (generation !== this.generation) return;
        this.options.onMessage(data);
      },
      close: (code) => {
        if (generation !== this.generation) return;
        this.closed(code);
      },
    });
  }

  private closed(code: number): void {
    const wasOpen = this.openedAt !== null;
    if (wasOpen && this.clock.now() - (this.openedAt ?? 0) >= (this.options.stableMs ?? DEFAULT_STABLE_MS))
      this.attempt = 0;
    this.handle = null;
    this.openedAt = null;
    this.generation++;
    const decision = this.options.onClose?.(code, wasOpen) ?? 'retry';
    // onClose may have stopped us (and stop() bumps the generation).
    if (decision === 'stop' || this.current === 'stopped') {
      this.setStatus('stopped');
      return;
    }
    const delay = reconnectDelay(this.attempt++, this.options.random, this.options.backoff);
    this.setStatus('waiting');
    this.options.onWait?.(delay);
    this.cancelWait = this.clock.schedule(() => {
      this.cancelWait = null;
      this.open();
    }, delay);
  }
}
