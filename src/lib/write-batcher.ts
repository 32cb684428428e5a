/**
 * Group commit for writes that arrive concurrently: items submitted while earlier writes are in
 * flight are written together in one call, so one statement and one commit serve many callers.
 * Nothing waits on a timer: an item submitted when a slot is free goes out at the end of the
 * current turn of the event loop, with whatever else arrived in that turn.
 *
 * Each caller gets its own item's result. When a batch of several fails, each of its items is
 * retried alone, so one item the database refuses fails only its own caller.
 */
export interface WriteBatcherOptions {
  /** Items per write at most. */
  maxBatch: number;
  /** Writes in flight at once at most (each holds a database connection). */
  maxInFlight: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class WriteBatcher<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;

  /** `write` returns one result per item, in the items' order. */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: WriteBatcherOptions,
  ) {
    if (options.maxBatch < 1 || options.maxInFlight < 1) throw new Error('A write batcher needs a batch size and a concurrency of at least 1');
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        if (this.waiting.length > 0) this.schedule();
      });
    }
  }

  private async run(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.write(batch.map((waiting) => waiting.item));
      if (results.length !== batch.length) throw new Error(`a batched write returned ${results.length} results for ${batch.length} items`);
      batch.forEach((waiting, index) => waiting.resolve(results[index] as R));
    } catch (error) {
      if (batch.length === 1) return batch[0]?.reject(error);
      await Promise.all(batch.map((waiting) => this.run([waiting])));
    }
  }
}
