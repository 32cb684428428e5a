import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { FallbackStore } from '../http/fallback-store';
import type { RateLimitStoreFactory } from '../http/rate-limit';
import type { Logger } from './logger';

// Redis is what several instances share: rate-limit counters and the event fan-out channel.
// Without REDIS_URL both stay in-process.

export interface RedisConnections {
  /** For commands (rate-limit counters, publishing). */
  client: Redis;
  /** A second connection: once subscribed, a Redis connection can only receive. */
  subscriber: Redis;
  close(): Promise<void>;
}

export async function connectRedis(url: string, logger: Logger): Promise<RedisConnections> {
  const open = (role: string) => {
    const connection = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    connection.on('error', (error) => logger.warn({ role, error: error.message }, 'redis connection error'));
    return connection;
  };
  const client = open('client');
  const subscriber = open('subscriber');
  await Promise.all([client.connect(), subscriber.connect()]);
  return {
    client,
    subscriber,
    close: async () => {
      await Promise.allSettled([client.quit(), subscriber.quit()]);
    },
  };
}

/** Counters in Redis; while Redis fails, each instance counts in memory (FallbackStore). */
export function redisRateLimitStores(client: Redis, logger: Logger): RateLimitStoreFactory {
  return (prefix) =>
    new FallbackStore(
      new RedisStore({
        prefix,
        sendCommand: async (command: string, ...args: string[]) => (await client.call(command, ...args)) as RedisReply,
      }),
      {
        onFailure: (error) => logger.warn({ limiter: prefix, error: error instanceof Error ? error.message : String(error) }, 'rate limits fall back to per-instance counters: Redis failed'),
        onRecovery: () => logger.info({ limiter: prefix }, 'rate limits shared through Redis again'),
      },
    );
}
