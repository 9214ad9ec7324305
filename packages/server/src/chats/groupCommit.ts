/**
 * Group commit: what arrives while one commit is in flight waits and shares the next one, so a busy node makes
 * one transaction (one fsync) for many messages. A failed commit fails its own items only; the next one starts.
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = false;

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
      this.next();
    });
  }

  private next(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = true;
    const batch = this.queue.splice(0, this.maxBatch);
    this.observe(batch.length);
    this.commit(batch.map((queued) => queued.item))
      .then(
        (results) => {
          for (const [i, queued] of batch.entries()) queued.resolve(results[i] as O);
        },
        (error: unknown) => {
          for (const queued of batch) queued.reject(error);
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.next();
      });
  }
}
