import type { Progress } from './progress';

// Runs `work` over many items with bounded concurrency and an optional rate limit (MODE's API
// is rate limited). A failure of one item is recorded and the run goes on; an abort signal
// (Ctrl-C) stops taking new items and lets the ones in flight finish, so nothing is half done.

export interface BatchOptions<T, R = unknown> {
  items: Iterable<T> | AsyncIterable<T>;
  work: (item: T, index: number) => Promise<R>;
  /** Items in flight at once; default 1. */
  concurrency?: number;
  /** At most this many starts per second across all workers; 0 or undefined: no limit. */
  ratePerSecond?: number;
  progress?: Progress;
  signal?: AbortSignal;
  onSuccess?: (item: T, result: R, index: number) => void;
  /** Called for each failed item; return 'stop' to stop taking new items. */
  onError?: (item: T, error: unknown, index: number) => 'continue' | 'stop' | void;
  /** How many failures to keep in the result (all are counted); default 100. */
  keepErrors?: number;
  /** Time for the rate limit; default the real clock (tests pass a virtual one). */
  clock?: BatchClock;
}

export interface BatchClock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
}

const realClock: BatchClock = { now: () => Date.now(), sleep };

export interface BatchResult<T> {
  succeeded: number;
  failed: number;
  errors: Array<{ item: T; index: number; error: unknown }>;
  /** True when the signal stopped the run (or onError said 'stop') before the items ran out. */
  stopped: boolean;
}

export async function runBatch<T, R = unknown>(options: BatchOptions<T, R>): Promise<BatchResult<T>> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const keep = options.keepErrors ?? 100;
  const iterator = toAsyncIterator(options.items);
  const pace = pacer(options.ratePerSecond, options.signal, options.clock ?? realClock);
  const result: BatchResult<T> = { succeeded: 0, failed: 0, errors: [], stopped: false };
  let index = 0;
  let halted = false;

  const shouldStop = () => halted || options.signal?.aborted === true;
  const take = async (): Promise<{ item: T; index: number } | undefined> => {
    if (shouldStop()) return undefined;
    const next = await iterator.next();
    if (next.done) return undefined;
    return { item: next.value, index: index++ };
  };

  const worker = async () => {
    for (;;) {
      const taken = await take();
      if (!taken) return;
      if (!(await pace())) {
        halted = true;
        return;
      }
      try {
        const value = await options.work(taken.item, taken.index);
        result.succeeded += 1;
        options.onSuccess?.(taken.item, value, taken.index);
      } catch (error) {
        result.failed += 1;
        if (result.errors.length < keep) result.errors.push({ item: taken.item, index: taken.index, error });
        if (options.onError?.(taken.item, error, taken.index) === 'stop') halted = true;
      } finally {
        options.progress?.increment();
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));
  result.stopped = shouldStop();
  return result;
}

function toAsyncIterator<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in items) return items[Symbol.asyncIterator]();
  const sync = items[Symbol.iterator]();
  // Workers share one iterator; a sync one is wrapped so each next() is a separate step.
  return { next: async () => sync.next() };
}

/** Resolves when the next start is allowed; false when aborted while waiting. */
function pacer(ratePerSecond: number | undefined, signal: AbortSignal | undefined, clock: BatchClock): () => Promise<boolean> {
  if (!ratePerSecond || ratePerSecond <= 0) return async () => !signal?.aborted;
  const spacingMs = 1000 / ratePerSecond;
  let nextStart = 0;
  return async () => {
    const now = clock.now();
    const at = Math.max(now, nextStart);
    nextStart = at + spacingMs;
    if (at > now) await clock.sleep(at - now, signal);
    return !signal?.aborted;
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
