import { WriteBatcher } from '../../src/lib/write-batcher';

/** A write that records each call's items and answers each item doubled, after the test lets it. */
function recordingWrite() {
  const calls: number[][] = [];
  const release: (() => void)[] = [];
  const write = async (items: number[]) => {
    calls.push(items);
    await new Promise<void>((resolve) => release.push(resolve));
    if (items.includes(13)) throw new Error('13 is refused');
    return items.map((item) => item * 2);
  };
  const releaseAll = async () => {
    while (release.length > 0) release.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { calls, write, releaseAll };
}

async function settle<T>(promises: Promise<T>[], releaseAll: () => Promise<void>) {
  const results = Promise.allSettled(promises);
  for (let round = 0; round < 20; round += 1) await releaseAll();
  return results;
}

test('when items arrive while a write is in flight, then they go out together and each caller gets its own result', async () => {
  const { calls, write, releaseAll } = recordingWrite();
  const batcher = new WriteBatcher(write, { maxBatch: 100, maxInFlight: 1 });

  const first = batcher.submit(1);
  await new Promise((resolve) => setImmediate(resolve));
  const rest = [2, 3, 4, 5].map((item) => batcher.submit(item));
  const results = await settle([first, ...rest], releaseAll);

  expect(calls).toEqual([[1], [2, 3, 4, 5]]);
  expect(results.map((result) => (result.status === 'fulfilled' ? result.value : result.reason))).toEqual([2, 4, 6, 8, 10]);
});

test('when more items wait than a batch holds, then they are split into batches of at most maxBatch, and no more than maxInFlight run at once', async () => {
  const { calls, write, releaseAll } = recordingWrite();
  const batcher = new WriteBatcher(write, { maxBatch: 3, maxInFlight: 2 });

  const pending = Array.from({ length: 8 }, (_unused, index) => batcher.submit(index));
  await new Promise((resolve) => setImmediate(resolve));
  expect(calls).toEqual([[0, 1, 2], [3, 4, 5]]);
  await settle(pending, releaseAll);

  expect(calls).toEqual([[0, 1, 2], [3, 4, 5], [6, 7]]);
});

test('when a batch fails, then each of its items is tried alone and only the refused one fails', async () => {
  const { calls, write, releaseAll } = recordingWrite();
  const batcher = new WriteBatcher(write, { maxBatch: 10, maxInFlight: 1 });

  const results = await settle([12, 13, 14].map((item) => batcher.submit(item)), releaseAll);

  expect(calls).toEqual([[12, 13, 14], [12], [13], [14]]);
  expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('13 is refused'));
});

test('when a write answers a different number of results than items, then its callers get an error rather than a wrong result', async () => {
  const batcher = new WriteBatcher(async (items: number[]) => items.slice(1), { maxBatch: 10, maxInFlight: 1 });
  await expect(batcher.submit(1)).rejects.toThrow('returned 0 results for 1 items');
});
