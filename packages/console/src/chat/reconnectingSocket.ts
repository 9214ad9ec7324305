import { type BackoffOptions, reconnectDelay } from '@parley/protocol';
import { type Clock, realClock } from './clock';

export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number): void;
}

/** A connected socket as the reconnecting wrapper sees it. */
export interface SocketHandle {
  /** Sends if open; false otherwise. */
  send(data: string): boolean;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketHandle;

/** The browser's WebSocket. Binary frames are not part of the protocol and are dropped. */
export const browserSocket: SocketFactory = (url, handlers) => {
  const ws = new WebSocket(url);
  let closed = false;
  ws.onopen = () => handlers.open();
  ws.onmessage = (event: MessageEvent) => {
    if (typeof event.data === 'string') handlers.message(event.data);
  };
  ws.onclose = (event: CloseEvent) => {
    if (closed) return;
    closed = true;
    handlers.close(event.code);
  };
  return {
    send(data) {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(data);
      return true;
    },
    close(code, reason) {
      ws.close(code, reason);
    },
  };
};

export type SocketStatus = 'connecting' | 'open' | 'waiting' | 'stopped';

export interface ReconnectingSocketOptions {
  url(): string;
  onOpen?(): void;
  onMessage(data: string): void;
  /** After a close: try again, or give up (e.g. the session ended). `wasOpen` = the socket had opened. */
  onClose?(code: number, wasOpen: boolean): 'retry' | 'stop';
  onStatus?(status: SocketStatus): void;
  connect?: SocketFactory;
  clock?: Clock;
  random?: () => number;
  /** The waits between attempts (the protocol's default otherwise). */
  backoff?: BackoffOptions;
  /** A connection that stayed open this long resets the backoff. */
  stableMs?: number;
}

/**
 * A WebSocket that comes back: after a drop it reconnects with exponential backoff and jitter, until `stop()` or
 * until `onClose` says to give up. The browser coming back online skips the wait.
 */
export class ReconnectingSocket {
  private handle: SocketHandle | null = null;
  private attempt = 0;
  private openedAt: number | null = null;
  private cancelWait: (() => void) | null = null;
  private current: SocketStatus = 'stopped';
  private generation = 0;
  private readonly clock: Clock;
  private readonly connect: SocketFactory;

  constructor(private readonly options: ReconnectingSocketOptions) {
    this.clock = options.clock ?? realClock;
    this.connect = options.connect ?? browserSocket;
  }

  get status(): SocketStatus {
    return this.current;
  }

  start(): void {
    if (this.current !== 'stopped') return;
    if (typeof window !== 'undefined') window.addEventListener('online', this.retryNow);
    this.open();
  }

  stop(code = 1000, reason = 'closing'): void {
    if (typeof window !== 'undefined') window.removeEventListener('online', this.retryNow);
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

  private setStatus(status: SocketStatus): void {
    if (this.current === status) return;
    this.current = status;
    this.options.onStatus?.(status);
  }

  private open(): void {
    const generation = ++this.generation;
    this.openedAt = null;
    this.setStatus('connecting');
    this.handle = this.connect(this.options.url(), {
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
    if (wasOpen && this.clock.now() - (this.openedAt ?? 0) >= (this.options.stableMs ?? 10_000))
      this.attempt = 0;
    this.handle = null;
    this.openedAt = null;
    this.generation++;
    const decision = this.options.onClose?.(code, wasOpen) ?? 'retry';
    // onClose may have stopped us (and stop() bumps the generation).
    if (decision === 'stop' || this.current === 'stopped') {
      if (typeof window !== 'undefined') window.removeEventListener('online', this.retryNow);
      this.setStatus('stopped');
      return;
    }
    const delay = reconnectDelay(this.attempt++, this.options.random, this.options.backoff);
    this.setStatus('waiting');
    this.cancelWait = this.clock.schedule(() => {
      this.cancelWait = null;
      this.open();
    }, delay);
  }
}
