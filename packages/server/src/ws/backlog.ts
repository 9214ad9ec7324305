/** Frames taken and not yet handled, over all the node's sockets, past which new messages are refused (P-36). */
export const BACKLOG_FRAMES = 1000;
/**
 * What a refused sender is told to wait: this at the limit, more the deeper the node is behind, and twice as long for
 * each further second the node has kept refusing (its senders offer more than it takes, and each refused message
 * comes back: a delay that does not grow lets the retries outgrow the new messages), at most the max.
 */
const RETRY_AFTER_MS = { minMs: 500, perFrameMs: 2, maxMs: 10_000 } as const;
/** A refusal this long after the previous one starts a new spell of refusing. */
const SPELL_GAP_MS = 1000;

/**
 * How far behind this node is: the frames its sockets have handed over and whose handling has not ended (waiting for
 * their turn on their socket, for the database, for the event loop). Past the limit a new `chat.send` is refused at
 * once with `overloaded` and a delay to retry after, instead of growing the queue until every socket waits seconds.
 * One socket cannot fill it alone: a socket has at most MAX_FRAMES_IN_FLIGHT frames waiting.
 */
export class Backlog {
  private frames = 0;
  private spellStartedAt = 0;
  private lastRefusalAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limit = BACKLOG_FRAMES,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.frames;
  }

  taken(): void {
    this.frames++;
  }

  handled(): void {
    this.frames--;
  }

  /**
   * Null while a new message may be taken; else how long its sender should wait before sending it again (ms).
   * `alone`: the sender's socket has no other frame waiting. Such a message is taken past the limit, up to twice it,
   * so that every socket keeps one message moving and none is refused again and again while others fill the queue.
   */
  refusal(alone = false): number | null {
    if (this.frames <= this.limit || (alone && this.frames <= 2 * this.limit)) return null;
    const now = this.now();
    if (now - this.lastRefusalAt > SPELL_GAP_MS) this.spellStartedAt = now;
    this.lastRefusalAt = now;
    const { minMs, perFrameMs, maxMs } = RETRY_AFTER_MS;
    const doublings = Math.min(10, Math.floor((now - this.spellStartedAt) / 1000));
    return Math.min(maxMs, (minMs + (this.frames - this.limit) * perFrameMs) * 2 ** doublings);
  }
}
