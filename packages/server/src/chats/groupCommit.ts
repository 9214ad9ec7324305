interface Queued<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit (P-33): the items submitted during one turn of the event loop, and those that arrive while a commit is
 * in flight, share one transaction (one WAL write, one fsync), so a busy node commits many messages at once. A
 * database that answers at once (SQLite) would otherwise commit each message alone: the window is the turn.
 *
 * A commit that fails is tried again one item at a time, so a refused item fails alone and the others are stored.
 */
export class GroupCommit<I, O> {
  private queue: Queued<I, O>[] = [];
  private inFlight = false;
  private scheduled = false;

  constructor(
    /** Commits the items together and answers one result per item, in order; throws to fail them all. */
    private readonly commit: (items: I[]) => Promise<O[]>,
    /** Called with each commit's size, as it starts. */
    private readonly observe: (size: number) => void = () => {},
    private readonly maxBatch = 256,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.inFlight) this.schedule();
    });
  }

  /**
   * The next commit starts in the next turn of the event loop, also right after one ended: with SQLite a commit and
   * the deliveries it sets off run without yielding, and a queue of several batches would hold the loop (its timers,
   * the heartbeats, `/healthz`, every other socket) for all of them.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.next();
    });
  }

  private next(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = true;
    const batch = this.queue.splice(0, this.maxBatch);
    this.run(batch).finally(() => {
      this.inFlight = false;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async run(batch: Queued<I, O>[]): Promise<void> {
    try {
      this.observe(batch.length);
      const results = await this.commit(batch.map((queued) => queued.item));
      for (const [i, queued] of batch.entries()) queued.resolve(results[i] as O);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const queued of batch) await this.run([queued]);
    }
  }
}
