import { HEARTBEAT_MS, SERVER_SILENCE_MS } from './limits.js';

/** The heartbeat's clock: monotonic, so a change of the wall clock is no stall and no silence. */
const monotonic = (): number => performance.now();

/** What the heartbeat needs of a socket (the `ws` package's WebSocket fits). */
export interface PingableSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
}

/** What a heartbeat beats: a peer that answers `beat` by cutting itself off, or else staying (being pinged). */
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

/** What the listening end's watch needs of its socket (the `ws` package's WebSocket fits). */
export interface ListenedSocket {
  terminate(): void;
  on(event: 'ping' | 'message', listener: () => void): unknown;
}

/**
 * The listening end of a heartbeat (the agent towards the server): the server pings, this side only hears. A server
 * heard from neither by a ping nor by a frame for `silenceMs` is cut off (P-5). Beaten by a `Heartbeat` like a
 * `Liveness`, so it passes no verdict on a beat that came late: after a stall of this process, pings may be waiting
 * unread in the socket.
 */
export class Silence implements Beatable {
  private lastHeard: number;

  constructor(
    private readonly socket: ListenedSocket,
    private readonly options: { silenceMs?: number; now?: () => number } = {},
  ) {
    this.lastHeard = this.now();
    socket.on('ping', () => this.heard());
    socket.on('message', () => this.heard());
  }

  private now(): number {
    return (this.options.now ?? monotonic)();
  }

  heard(): void {
    this.lastHeard = this.now();
  }

  /** Cuts the socket off if it was silent for `silenceMs` (when `judge`). */
  beat(judge: boolean): 'cut' | 'listening' {
    if (judge && this.now() - this.lastHeard >= (this.options.silenceMs ?? SERVER_SILENCE_MS)) {
      this.socket.terminate();
      return 'cut';
    }
    return 'listening';
  }
}

/**
 * The one heartbeat of every socket (P-5). At the serving end it beats each peer's `Liveness`: a peer that answered
 * nothing since the previous beat is cut off and the others are pinged, so a silent peer is gone within two beats. At
 * the listening end it beats the socket's `Silence`. A beat that comes late means this process stalled: pongs and
 * pings may be waiting unread in the sockets, so nobody is judged that time; everyone is pinged again and judged at
 * the next, on-time, beat.
 */
/** Peers a heartbeat beats in one turn of the event loop: a ping costs 15–20 µs, so a slice about 10 ms. */
const BEAT_SLICE = 500;

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
      /** Peers beaten in one turn of the event loop (BEAT_SLICE). */
      sliceSize?: number;
    } = {},
  ) {
    this.lastBeat = this.now();
  }

  private now(): number {
    return (this.options.now ?? monotonic)();
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

  /**
   * Beats every peer: the first slice at once, each next one on a turn of the event loop of its own, so that a node
   * with 10,000 agents does not stop for the 150–200 ms their pings take in one go (bench/RESULTS.md).
   */
  beat(): void {
    const now = this.now();
    const judge = now - this.lastBeat < this.intervalMs * 1.5;
    this.lastBeat = now;
    const peers = [...this.peers()];
    const size = this.options.sliceSize ?? BEAT_SLICE;
    const slice = (from: number) => {
      for (const peer of peers.slice(from, from + size)) peer.beat(judge);
      if (from + size < peers.length) setTimeout(() => slice(from + size), 0);
    };
    slice(0);
    this.options.onBeat?.();
  }
}
