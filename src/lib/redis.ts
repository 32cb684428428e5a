import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
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

export function redisRateLimitStores(client: Redis): RateLimitStoreFactory {
  return (prefix) =>
    new RedisStore({
      prefix,
      sendCommand: (command: string, ...args: string[]) => client.call(command, ...args) as Promise<RedisReply>,
    });
}
