import { HEARTBEAT_MS } from './limits.js';

/** What the heartbeat needs of a socket (the `ws` package's WebSocket fits). */
export interface PingableSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
}

/** What a heartbeat beats: a peer that answers `beat` by cutting itself off or being pinged. */
export interface Beatable {
  beat(judge: boolean): unknown;
}

/** Whether one peer answered since the last beat: a pong, or anything it sent (`heard`). */
export class Liveness implements Beatable {
  private alive = true;

  constructor(private readonly socket: PingableSocket) {
    socket.on('pong', () => this.heard());
  }

  heard(): void {
    this.alive = true;
  }

  /** Cuts the peer off if it answered nothing since the last beat (when `judge`), else pings it. */
  beat(judge: boolean): 'cut' | 'pinged' {
    if (judge && !this.alive) {
      this.socket.terminate();
      return 'cut';
    }
    this.alive = false;
    this.socket.ping();
    return 'pinged';
  }
}

/**
 * The one heartbeat of every socket's serving end (P-5): each beat, a peer that answered nothing since the previous
 * beat is cut off and the others are pinged, so a silent peer is gone within two beats. A beat that comes late means
 * this process stalled: pongs may be waiting unread in the sockets, so nobody is judged that time; everyone is pinged
 * again and judged at the next, on-time, beat.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastBeat: number;

  constructor(
    private readonly peers: () => Iterable<Beatable>,
    private readonly options: {
      intervalMs?: number;
      /** After each beat (the server re-reads console sessions then). */
      onBeat?: () => void;
      now?: () => number;
    } = {},
  ) {
    this.lastBeat = this.now();
  }

  private now(): number {
    return (this.options.now ?? (() => performance.now()))();
  }

  private get intervalMs(): number {
    return this.options.intervalMs ?? HEARTBEAT_MS;
  }

  start(): void {
    if (this.timer) return;
    this.lastBeat = this.now();
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  beat(): void {
    const now = this.now();
    const judge = now - this.lastBeat < this.intervalMs * 1.5;
    this.lastBeat = now;
    for (const peer of this.peers()) peer.beat(judge);
    this.options.onBeat?.();
  }
}
