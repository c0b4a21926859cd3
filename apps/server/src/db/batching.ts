/**
 * Group commit for statements that many requests run at once.
 *
 * The first item runs at once, alone. While its batch is in flight, new items queue; when it
 * ends, everything queued so far runs as the next batch (at most `max` items). So a lone request
 * waits for nothing, and under load the number of statements grows with the number of batches,
 * not of requests: the busier the server, the larger the batches.
 *
 * With `spacingMs`, a batch also starts no sooner than that after the one before it started. A
 * request after a quiet spell still runs at once; under a steady stream of requests, each batch
 * gathers what arrived in the interval, so the statements per second stay bounded however small
 * each statement's own round trip is.
 */
export interface BatcherOptions {
  /** Items per batch at most. */
  max: number;
  /** Batches in flight at once. */
  concurrency: number;
  /** Least time between the starts of two batches (0: none). */
  spacingMs?: number;
}

export class Batcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  private running = 0;
  private lastStart = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  /** Batches run and items they carried: for stats and tests. */
  batches = 0;
  items = 0;

  /**
   * @param run runs one batch; it answers each item, in order, with its result or with an Error
   *   for that item alone. A throw fails the whole batch.
   */
  constructor(
    private readonly run: (items: I[]) => Promise<(O | Error)[]>,
    private readonly options: BatcherOptions = { max: 64, concurrency: 1 },
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const wait = this.lastStart + (this.options.spacingMs ?? 0) - performance.now();
      if (wait > 0 && this.queue.length < this.options.max) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.next();
        }, wait);
        return;
      }
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.lastStart = performance.now();
      const batch = this.queue.splice(0, this.options.max);
      this.running++;
      this.batches++;
      this.items += batch.length;
      this.run(batch.map((b) => b.item))
        .then(
          (results) => {
            batch.forEach((b, i) => {
              const r = results[i];
              if (r instanceof Error) b.reject(r);
              else b.resolve(r as O);
            });
          },
          (err: unknown) => {
            for (const b of batch) b.reject(err);
          },
        )
        .finally(() => {
          this.running--;
          this.next();
        });
    }
  }
}

/**
 * One batcher per context (per database and process), made on first use: `const of = batcherPer((ctx) => new Batcher(…))`,
 * then `of(ctx).submit(item)`.
 */
export function batcherPer<K extends object, I, O>(make: (key: K) => Batcher<I, O>): (key: K) => Batcher<I, O> {
  const made = new WeakMap<K, Batcher<I, O>>();
  return (key) => {
    let b = made.get(key);
    if (!b) made.set(key, (b = make(key)));
    return b;
  };
}
