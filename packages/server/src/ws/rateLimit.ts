/** One clock for every bucket: a default of `() => performance.now()` made a closure for each (two per socket). */
const monotonic = (): number => performance.now();

/**
 * A token bucket: `burst` frames at once, refilled at `perSecond`. Sized so that a person pasting twenty lines
 * in a second is fine and a script flooding a chat is not.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = monotonic,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
