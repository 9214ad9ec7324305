import {
  ReconnectLoop,
  type ReconnectOptions,
  type SocketFactory,
  type SocketHandle,
  type SocketHandlers,
  type SocketStatus,
  socketHandle,
} from '@parley/protocol';

export type { SocketFactory, SocketHandle, SocketHandlers, SocketStatus };

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
  return socketHandle(ws);
};

export interface ReconnectingSocketOptions extends Omit<ReconnectOptions, 'connect'> {
  /** The browser's WebSocket unless told otherwise. */
  connect?: SocketFactory;
}

/**
 * A WebSocket that comes back: the protocol's one reconnect loop (`ReconnectLoop`: backoff and jitter, until `stop()`
 * or until `onClose` says to give up) over the browser's WebSocket. The browser coming back online skips the wait.
 */
export class ReconnectingSocket {
  private readonly loop: ReconnectLoop;

  constructor(options: ReconnectingSocketOptions) {
    this.loop = new ReconnectLoop({
      ...options,
      connect: options.connect ?? browserSocket,
      onStatus: (status) => {
        if (status === 'stopped' && typeof window !== 'undefined')
          window.removeEventListener('online', this.retryNow);
        options.onStatus?.(status);
      },
    });
  }

  get status(): SocketStatus {
    return this.loop.status;
  }

  start(): void {
    if (this.loop.status !== 'stopped') return;
    if (typeof window !== 'undefined') window.addEventListener('online', this.retryNow);
    this.loop.start();
  }

  /** Closes the socket and stays closed (the `online` listener goes with the status `stopped`). */
  stop(code = 1000, reason = 'closing'): void {
    this.loop.stop(code, reason);
  }

  send(data: string): boolean {
    return this.loop.send(data);
  }

  /** Reconnect now if waiting to. */
  readonly retryNow = (): void => this.loop.retryNow();
}
