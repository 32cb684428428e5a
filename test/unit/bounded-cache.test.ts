import { boundedCache } from '../../src/lib/bounded-cache';

test('when more entries than max are set, then the least recently used ones are dropped', () => {
  const cache = boundedCache<string, number>({ max: 3, ttlMs: 60_000 });
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  cache.get('a');
  cache.set('d', 4);
  expect(cache.size).toBe(3);
  expect(cache.has('b')).toBe(false);
  expect([...cache.keys()].sort()).toEqual(['a', 'c', 'd']);
});

test('when a cache is made with a large max, then its size starts at zero and follows what it holds', () => {
  const cache = boundedCache<number, { id: number }>({ max: 100_000, ttlMs: 60_000 });
  expect(cache.size).toBe(0);
  for (let id = 0; id < 10; id += 1) cache.set(id, { id });
  expect(cache.size).toBe(10);
  expect(cache.get(7)).toEqual({ id: 7 });
  expect(cache.getRemainingTTL(7)).toBeGreaterThan(0);
  expect(cache.getRemainingTTL(7)).toBeLessThanOrEqual(60_000);
});
