import type { AppDeps } from './app';
import type { Database } from './db/database';
import type { Emulator } from './emulator';
import { createMetrics } from './http/metrics';
import type { RateLimitStoreFactory } from './http/rate-limit';
import type { ResolvedConfig } from './lib/config';
import type { Logger } from './lib/logger';
import { startPoller, type Poller } from './lib/poller';
import type { RedisConnections } from './lib/redis';
import { ModeClient } from './mode';
import { modeMetricsHooks } from './mode/mode-metrics';
import { closePasswordHashing } from './modules/auth/passwords';
import type { EventBus } from './modules/stream/event-bus';
import { RedisEventBus } from './modules/stream/redis-event-bus';
import { RedisChangeBus } from './modules/stream/redis-change-bus';
import type { ChangeBus } from './lib/change-bus';
import { buildServices, type Services } from './services';
import { checkStoredKeyIds } from './modules/linking/stored-key-ids';

// Everything the server runs besides HTTP: the MODE connection (or the embedded emulator),
// shared state in Redis, and background workers. server.ts and end-to-end tests start it.
// The emulator and the Redis client are loaded only when used, so a production process does not
// carry their code (ioredis alone is about 6 MB) without Redis or with a real MODE.

export interface RuntimeDeps {
  config: ResolvedConfig;
  logger: Logger;
  db: Database;
}

export interface Runtime {
  services: Services;
  appDeps: AppDeps;
  modeUrl: string;
  /** Set when the embedded emulator stands in for MODE. */
  emulator?: Emulator;
  stop(): Promise<void>;
}

interface ModeTarget {
  url: string;
  projectId: number;
  projectKey: string;
  emulator?: Emulator;
}

/** Real MODE when a project key is configured; otherwise (never in production) the emulator. */
async function modeTarget(config: ResolvedConfig, logger: Logger): Promise<ModeTarget> {
  const { projectKey, projectId, apiUrl } = config.mode;
  if (projectKey && projectId) return { url: apiUrl, projectId, projectKey };
  if (config.production) throw new Error('MODE_PROJECT_KEY and MODE_PROJECT_ID are required in production');
  const { createEmulator } = await import('./emulator');
  const emulator = await createEmulator({
    port: config.emulator.port,
    stateFile: config.emulator.stateFile,
    webhooks: [{ url: config.webhook.url, key: config.webhook.key }],
    logger,
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new Error(`EMULATOR_PORT ${config.emulator.port} is taken (another mode-bridge or \`npm run emulator\`?): set EMULATOR_PORT to a free port, or 0 for any`);
  });
  logger.warn({ url: emulator.url, projectId: emulator.projectId, stateFile: config.emulator.stateFile }, 'MODE_PROJECT_KEY is not set: using the embedded MODE emulator');
  return { url: emulator.url, projectId: emulator.projectId, projectKey: emulator.projectKey, emulator };
}

interface SharedState {
  redis: RedisConnections;
  eventBus: EventBus;
  changeBus: ChangeBus;
  rateLimitStores: RateLimitStoreFactory;
}

/** With REDIS_URL, rate-limit counters and stored events are shared with the other instances. */
async function connectSharedState(redisUrl: string, logger: Logger): Promise<SharedState> {
  const { connectRedis, redisRateLimitStores } = await import('./lib/redis');
  const redis = await connectRedis(redisUrl, logger);
  const eventBus = new RedisEventBus(redis.client, redis.subscriber, logger);
  const changeBus = new RedisChangeBus(redis.client, redis.subscriber, logger);
  await Promise.all([eventBus.start(), changeBus.start()]);
  return { redis, eventBus, changeBus, rateLimitStores: redisRateLimitStores(redis.client, logger) };
}

export async function startRuntime({ config, logger, db }: RuntimeDeps): Promise<Runtime> {
  const target = await modeTarget(config, logger);
  const shared = config.redisUrl ? await connectSharedState(config.redisUrl, logger) : undefined;
  const redis = shared?.redis;
  const metrics = createMetrics();
  const mode = new ModeClient({
    baseUrl: target.url,
    responseTimeoutMs: config.mode.timeoutMs,
    connections: config.mode.connections,
    ...modeMetricsHooks(metrics.registry),
  });
  const services = buildServices({
    config,
    logger,
    db,
    mode,
    metrics,
    modeProject: { projectId: target.projectId, projectKey: target.projectKey },
    rateLimitStores: shared?.rateLimitStores,
    eventBus: shared?.eventBus,
    changeBus: shared?.changeBus,
  });

  await services.oauthApps.service.checkIssuer();
  const storedKeys = await checkStoredKeyIds({ db, secretBox: services.secretBox, allowUnknown: config.encryption.allowUnknownKeyIds, logger });

  const pollers: Poller[] = [];
  if (config.backgroundJobs) {
    pollers.push(startPoller({ name: 'link-retry', intervalMs: 5_000, logger, run: async () => (await services.linking.linkDue(20)) === 20 }));
    // Runs again at once while it finds work; new rows from this instance wake it up.
    const outbox = startPoller({ name: 'outbox', intervalMs: 1_000, logger, run: async () => (await services.outbox.dispatcher.runOnce()) > 0 });
    services.outbox.onWake(() => outbox.nudge());
    pollers.push(outbox, startPoller({ name: 'event-retention', intervalMs: 60 * 60_000, logger, run: () => services.retention.runOnce() }));
    pollers.push(startPoller({ name: 'oauth-purge', intervalMs: 60 * 60_000, logger, run: async () => (await services.oauthApps.purgeExpired(), false) }));
  }

  return {
    services,
    appDeps: {
      services,
      readiness: [
        { name: 'database', check: () => db.ping() },
        storedKeys,
        { name: 'mode', check: () => mode.ping(target.projectKey) },
        ...(redis ? [{ name: 'redis', check: async () => void (await redis.client.ping()) }] : []),
      ],
    },
    modeUrl: target.url,
    emulator: target.emulator,
    stop: async () => {
      services.stream.close();
      await Promise.all(pollers.map((poller) => poller.stop()));
      await closePasswordHashing();
      await services.legacyAuth?.close();
      await mode.close();
      await redis?.close();
      await target.emulator?.close();
    },
  };
}
