import { LRUCache } from 'lru-cache';

/**
 * A least-recently-used cache of at most `max` entries that expire after `ttlMs`, whose memory
 * follows what it holds. Given `max`, lru-cache allocates six arrays of `max` slots up front (about
 * 4 MB for 100,000 entries), filled or not; counting entries through `maxSize` it grows as they come.
 */
export function boundedCache<K extends {}, V extends {}>(options: { max: number; ttlMs: number }): LRUCache<K, V> {
  return new LRUCache<K, V>({ maxSize: options.max, sizeCalculation: () => 1, ttl: options.ttlMs });
}
