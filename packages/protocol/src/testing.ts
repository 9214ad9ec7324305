import type { Clock, SocketFactory, SocketHandlers } from './reconnect.js';

/** Test helpers of the reconnect loop and of everything built on it (not shipped: only tests import this module). */

/** A clock for tests: time moves only when `advance` is called. */
export class TestClock implements Clock {
  private time = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  schedule(fn: () => void, ms: number): () => void {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn });
    return () => {
      this.timers.delete(id);
    };
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let nextId: number | null = null;
      let nextAt = Number.POSITIVE_INFINITY;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && timer.at < nextAt) {
          nextAt = timer.at;
          nextId = id;
        }
      }
      if (nextId === null) break;
      const timer = this.timers.get(nextId);
      this.timers.delete(nextId);
      this.time = nextAt;
      timer?.fn();
    }
    this.time = end;
  }
}

/** A socket factory whose sockets the test opens, feeds and closes. */
export class FakeSockets {
  readonly sockets: {
    url: string;
    handlers: SocketHandlers;
    sent: string[];
    closed: number | null;
    open: boolean;
  }[] = [];

  readonly factory: SocketFactory = (url, handlers) => {
    const socket = { url, handlers, sent: [] as string[], closed: null as number | null, open: false };
    this.sockets.push(socket);
    return {
      send: (data) => {
        if (!socket.open) return false;
        socket.sent.push(data);
        return true;
      },
      close: (code) => {
        socket.open = false;
        socket.closed = code ?? 1000;
      },
    };
  };

  get last() {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no socket was made');
    return socket;
  }

  open(): void {
    this.last.open = true;
    this.last.handlers.open();
  }

  message(frame: object): void {
    this.last.handlers.message(JSON.stringify(frame));
  }

  /** The server (or network) closes the last socket. */
  drop(code = 1006): void {
    this.last.open = false;
    this.last.handlers.close(code);
  }

  sentFrames(index = this.sockets.length - 1): unknown[] {
    return (this.sockets[index]?.sent ?? []).map((data) => JSON.parse(data));
  }
}
