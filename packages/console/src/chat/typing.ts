import type { Clock } from './clock';

export interface TypingOptions {
  /** While typing goes on, `typing: true` is repeated at most this often (it also keeps the other side's indicator alive). */
  throttleMs: number;
  /** After this long without a keystroke, `typing: false` is sent. */
  idleMs: number;
}

export const DEFAULT_TYPING: TypingOptions = { throttleMs: 2500, idleMs: 3000 };

/** How long the other side's "is typing…" stays up without a fresh `typing: true` (covers a lost `false`). */
export const PEER_TYPING_TIMEOUT_MS = 6000;

/**
 * Turns keystrokes into throttled typing notices: `true` at the first keystroke (and again at most every
 * `throttleMs` while typing goes on), `false` after `idleMs` without one, or at once on `stop()` (a send).
 */
export class TypingNotifier {
  private active = false;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private cancelIdle: (() => void) | null = null;

  constructor(
    private readonly emit: (typing: boolean) => void,
    private readonly clock: Clock,
    private readonly options: TypingOptions = DEFAULT_TYPING,
  ) {}

  get typing(): boolean {
    return this.active;
  }

  /** A keystroke that left text in the box. */
  input(): void {
    const now = this.clock.now();
    if (!this.active || now - this.lastSentAt >= this.options.throttleMs) {
      this.active = true;
      this.lastSentAt = now;
      this.emit(true);
    }
    this.cancelIdle?.();
    this.cancelIdle = this.clock.schedule(() => this.stop(), this.options.idleMs);
  }

  /** The text was sent or cleared: the other side should stop showing "is typing…". */
  stop(): void {
    this.cancelIdle?.();
    this.cancelIdle = null;
    if (!this.active) return;
    this.active = false;
    this.emit(false);
  }

  /** Forget the state without telling anyone (the connection dropped; the server resets on its side). */
  reset(): void {
    this.cancelIdle?.();
    this.cancelIdle = null;
    this.active = false;
    this.lastSentAt = Number.NEGATIVE_INFINITY;
  }
}
