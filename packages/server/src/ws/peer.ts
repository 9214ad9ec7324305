import type { Duplex } from 'node:stream';
import {
  type Beatable,
  CloseCode,
  type ErrorFrame,
  FRAME_BURST,
  FRAMES_PER_SECOND,
  HELLO_TIMEOUT_MS,
  Liveness,
  MAX_BUFFERED_BYTES,
  MAX_FRAMES_IN_FLIGHT,
  parseClientFrame,
} from '@parley/protocol';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { z } from 'zod/mini';
import type { Backlog } from './backlog.js';
import { TokenBucket } from './rateLimit.js';

/** What an error about `frame` names (P-21, P-24): the message's `clientId`, else the chat it is about. */
export function refOf(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  if ('clientId' in frame && typeof frame.clientId === 'string') return frame.clientId;
  if ('chatId' in frame && typeof frame.chatId === 'string') return frame.chatId;
  return undefined;
}

/** How long a slow consumer's close may take before its socket is destroyed. */
const SLOW_CONSUMER_CLOSE_MS = 2000;

/** An upgraded WebSocket and the TCP (or TLS) stream under it. */
export interface SocketLink {
  ws: WebSocket;
  socket: Duplex;
}

export interface PeerHandlers<In> {
  onFrame(frame: In): Promise<void> | void;
  onClose(code: number, reason: string): Promise<void> | void;
}

/**
 * One WebSocket peer: validated frames in, one at a time and in order; JSON frames out with a bound on what
 * may queue up; its liveness, which the gateway's heartbeat beats.
 */
export class Peer<S extends z.ZodMiniType> implements Beatable {
  /** Answered by a pong or any frame. */
  private readonly liveness: Liveness;
  private queue: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private readonly frames = new TokenBucket(FRAME_BURST, FRAMES_PER_SECOND);
  private closed = false;
  /** Frames sent in one tick leave in one write (the ack and the entries of a message, a batch's deliveries). */
  private corked = false;
  readonly ws: WebSocket;
  private readonly socket: Duplex;
  private markFinished: () => void = () => {};
  /** Resolves once the socket closed and its close handler ran. */
  readonly finished = new Promise<void>((resolve) => {
    this.markFinished = resolve;
  });

  constructor(
    link: SocketLink,
    private readonly schema: S,
    private readonly log: Logger,
    private readonly handlers: PeerHandlers<z.infer<S>>,
    /** The node's, which every frame counts in while it is handled. */
    private readonly backlog: Backlog,
  ) {
    const { ws } = link;
    this.ws = ws;
    this.socket = link.socket;
    this.liveness = new Liveness(ws);
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.on('close', (code, reason) => {
      this.closed = true;
      this.queue = this.queue
        .then(() => handlers.onClose(code, reason.toString()))
        .catch((error: unknown) => {
          this.log.error({ err: error }, 'close handler failed');
        })
        .finally(this.markFinished);
    });
    ws.on('error', (error) => this.log.debug({ err: error }, 'socket error'));
  }

  /** Frames taken from this socket whose handling has not ended (the one being handled among them). */
  get framesWaiting(): number {
    return this.inFlight;
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  send(frame: object): void {
    if (!this.isOpen) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.cutSlowConsumer();
      return;
    }
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.ws.send(JSON.stringify(frame));
  }

  sendError(code: ErrorFrame['code'], message: string, ref?: string, retryAfterMs?: number): void {
    const frame: ErrorFrame = {
      type: 'error',
      code,
      message,
      ...(ref === undefined ? {} : { ref }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
    this.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
  }

  /**
   * A peer that reads too slowly (P-7): its close frame waits behind what it has not read, so unless the close goes
   * through soon the socket is destroyed and its unsent data freed (`ws` would hold it for 30 s).
   */
  private cutSlowConsumer(): void {
    if (this.closed) return;
    this.log.info({ bufferedBytes: this.ws.bufferedAmount }, 'slow consumer cut off');
    this.close(CloseCode.slowConsumer, 'slow consumer');
    setTimeout(() => this.ws.terminate(), SLOW_CONSUMER_CLOSE_MS).unref();
  }

  /** Closes the socket if it has not said hello (`greeted()` still false) within `ms`. */
  requireHello(greeted: () => boolean, ms = HELLO_TIMEOUT_MS): void {
    setTimeout(() => {
      if (!greeted()) this.close(CloseCode.helloTimeout, 'no hello received');
    }, ms).unref();
  }

  /** Called by the heartbeat: ends a peer that answered nothing since the last beat (when `judge`), pings it. */
  beat(judge = true): void {
    if (this.liveness.beat(judge) === 'cut') this.log.info('heartbeat lost');
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.liveness.heard();
    if (this.closed) return;
    if (isBinary) {
      this.sendError('bad_frame', 'binary frames are not accepted; send JSON text');
      return;
    }
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    // Read before the budget is asked, so that a frame refused for it is named: its sender knows what to resend.
    const parsed = parseClientFrame(this.schema, buffer.toString('utf8'), buffer.byteLength);
    if (!this.frames.take()) {
      this.sendError(
        'rate_limited',
        'too many frames; slow down',
        parsed.ok ? refOf(parsed.frame) : undefined,
      );
      return;
    }
    if (!parsed.ok) {
      this.send(parsed.error);
      return;
    }
    if (++this.inFlight > MAX_FRAMES_IN_FLIGHT) {
      this.close(CloseCode.slowConsumer, 'too many frames waiting');
      return;
    }
    this.backlog.taken();
    this.queue = this.queue
      .then(() => (this.closed ? undefined : this.handlers.onFrame(parsed.frame)))
      .catch((error: unknown) => {
        this.log.error({ err: error }, 'frame handler failed');
        this.sendError('internal', 'the server could not handle this frame', refOf(parsed.frame));
      })
      .finally(() => {
        this.inFlight--;
        this.backlog.handled();
      });
  }
}
