// How throughput grows with instances: 1 and 2 bridges on one PostgreSQL database and one Redis
// (REDIS_URL for both points, so the instance count is the only difference), driven with proxied
// GET /v1/homes/:id and with signed, distinct webhook events, the load spread evenly over the
// instances (one autocannon per instance, its share of the connections, all at once).
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateOAuthJwks } from '../../../../src/lib/dev-secrets';
import { startBridge, type BridgeService } from '../../bridge';
import { runLoad, type LoadResult, type LoadSpec } from '../../load';
import { withPostgresClient } from '../../../lib/postgres-client';
import { createDatabase } from '../../postgres';
import { startRedis, type RedisService } from '../../redis';
import { bridgeFixture, registerUser, waitLinked } from '../../setup';
import { EventSequence } from '../../webhook-events';
import type { Curve, CurvePoint, ScaleEnv, ScaleRunner } from './curve';

/** The URL MODE would be configured with: the load balancer's, the same for every instance. */
const WEBHOOK_URL = 'https://bridge.bench.invalid/webhooks/mode/events';

/**
 * The secrets every instance of one deployment must share (tokens issued by one are checked by the
 * other); the OAuth keys also because a production start refuses to run without them.
 */
export function deploymentSecrets(): Record<string, string> {
  return {
    JWT_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    OAUTH_JWKS: JSON.stringify(generateOAuthJwks()),
    OAUTH_COOKIE_KEYS: randomBytes(32).toString('base64url'),
  };
}

interface Combined {
  perSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  p99Ms: number;
}

/** `connections` split evenly over the instances, one load generator each, run at the same time. */
async function spread(bridges: BridgeService[], connections: number, durationSec: number, spec: (bridge: BridgeService) => Omit<LoadSpec, 'connections' | 'durationSec'>): Promise<Combined> {
  const shares = bridges.map((_, i) => Math.floor(connections / bridges.length) + (i < connections % bridges.length ? 1 : 0));
  const results: LoadResult[] = await Promise.all(bridges.map((bridge, i) => runLoad({ ...spec(bridge), connections: Math.max(1, shares[i]!), durationSec })));
  const ok = results.reduce((sum, result) => sum + result.ok, 0);
  const seconds = Math.max(...results.map((result) => result.durationSec));
  return {
    perSecond: Math.round(ok / seconds),
    ok,
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    p99Ms: Math.max(...results.map((result) => result.latencyMs.p99)),
  };
}

async function storedEvents(databaseUrl: string, homeId: number): Promise<number> {
  return withPostgresClient(databaseUrl, async (client) => {
    const result = await client.query<{ count: string }>('SELECT count(*) AS count FROM events WHERE home_id = $1', [homeId]);
    return Number(result.rows[0]?.count ?? 0);
  });
}

/** Waits until the stored count reaches `accepted` (an answered webhook may still be committing), at most 15 s. */
async function settledCount(databaseUrl: string, homeId: number, accepted: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const stored = await storedEvents(databaseUrl, homeId);
    if (stored >= accepted || Date.now() > deadline) return stored;
    await sleep(200);
  }
}

async function measurePoint(env: ScaleEnv, redis: RedisService, instances: number): Promise<CurvePoint> {
  const { settings } = env;
  const databaseUrl = await createDatabase(env.postgres, `scale_instances_${instances}_${Date.now().toString(36)}`);
  // What every instance of one deployment shares: the database, Redis and the secrets.
  const shared = { REDIS_URL: redis.url, ...deploymentSecrets(), MODE_WEBHOOK_KEY: randomBytes(24).toString('hex'), MODE_WEBHOOK_URL: WEBHOOK_URL };
  const bridges: BridgeService[] = [];
  try {
    // One after the other: the first applies the migrations.
    for (let i = 0; i < instances; i++) {
      bridges.push(
        await startBridge({
          name: `bridge-scale-instances-${instances}-${i + 1}`,
          emulator: env.emulator,
          databaseUrl,
          logDir: env.logDir,
          cpuProfileDir: env.cpuProfileDir,
          dist: env.bridgeDist,
          extraEnv: { ...shared, ...env.bridgeEnv },
        }),
      );
    }
    const first = bridges[0]!;
    const account = await registerUser(first.url, `instances-${instances}-${Date.now()}@bench.example`);
    await waitLinked(first.url, account);
    const { homeId, deviceId } = await bridgeFixture(first.url, env.emulator, account);

    const proxySpec = (bridge: BridgeService) => ({ title: `GET /v1/homes/:id (${bridge.name})`, url: `${bridge.url}/v1/homes/${homeId}`, headers: { authorization: `Bearer ${account.accessToken}` } });
    await spread(bridges, settings.connections, settings.warmUpSec, proxySpec);
    const proxy = await spread(bridges, settings.connections, settings.durationSec, proxySpec);
    env.log(`  ${instances} instance(s): proxy ${proxy.perSecond} req/s, p99 ${proxy.p99Ms} ms, non-2xx ${proxy.non2xx}, errors ${proxy.errors}`);

    // One sequence over every load generator, so each request is a distinct event (nothing deduplicated).
    const events = new EventSequence({ webhookUrl: WEBHOOK_URL, webhookKey: shared.MODE_WEBHOOK_KEY }, { homeId, deviceId }, (seq) => ({ instances, seq, level: seq % 100 }));
    const setupRequest = events.setupRequest;
    const ingestSpec = (bridge: BridgeService) => ({ title: `webhook ingest (${bridge.name})`, url: bridge.url, setupRequest });
    const warm = await spread(bridges, settings.connections, settings.warmUpSec, ingestSpec);
    const ingest = await spread(bridges, settings.connections, settings.durationSec, ingestSpec);
    const accepted = warm.ok + ingest.ok;
    // autocannon stops counting at the end of a run with one request in flight per connection:
    // those are sent (and stored) but not counted as answered, so stored lies between the two.
    const sent = events.sent;
    const stored = await settledCount(databaseUrl, homeId, accepted);
    env.log(`  ${instances} instance(s): ingest ${ingest.perSecond} events/s, p99 ${ingest.p99Ms} ms, sent ${sent}, answered 200 ${accepted}, stored ${stored}, non-2xx ${warm.non2xx + ingest.non2xx}, errors ${warm.errors + ingest.errors}`);
    return {
      x: instances,
      values: {
        'proxy req/s': proxy.perSecond,
        'proxy p99 ms': proxy.p99Ms,
        'proxy non-2xx': proxy.non2xx,
        'proxy errors': proxy.errors,
        'ingest events/s': ingest.perSecond,
        'ingest p99 ms': ingest.p99Ms,
        'ingest non-2xx': warm.non2xx + ingest.non2xx,
        'ingest errors': warm.errors + ingest.errors,
        'events sent': sent,
        'events accepted': accepted,
        'events stored': stored,
      },
    };
  } finally {
    for (const bridge of bridges.reverse()) await bridge.stop().catch(() => undefined);
  }
}

export const twoInstancesRunner: ScaleRunner = {
  name: 'two-instances',
  defaultPoints: [1, 2],
  async run(env: ScaleEnv, points: number[]): Promise<Curve> {
    const redis = await startRedis(env.logDir, 'redis-scale-instances');
    const curvePoints: CurvePoint[] = [];
    try {
      for (const instances of [...points].sort((a, b) => a - b)) curvePoints.push(await measurePoint(env, redis, instances));
    } finally {
      await redis.stop();
    }
    const lossless = curvePoints.every((point) => {
      const v = point.values;
      return v['events stored']! >= v['events accepted']! && v['events stored']! <= v['events sent']! && v['proxy non-2xx'] === 0 && v['ingest non-2xx'] === 0 && v['proxy errors'] === 0 && v['ingest errors'] === 0;
    });
    const lost = curvePoints.map((point) => `${point.x} instance(s): ${point.values['events accepted']} answered 200, ${point.values['events stored']} stored, ${point.values['events sent']} sent, non-2xx ${point.values['proxy non-2xx']! + point.values['ingest non-2xx']!}, errors ${point.values['proxy errors']! + point.values['ingest errors']!}`);
    return {
      id: 'two-instances',
      title: 'Bridge instances on one PostgreSQL and one Redis',
      xLabel: 'bridge instances',
      yLabel: 'per second',
      chartSeries: ['proxy req/s', 'ingest events/s'],
      points: curvePoints,
      goals: [{ goal: 'nothing lost: every event answered 200 is stored (answered <= stored <= sent), no non-2xx answer, no error', measured: lost.join('; '), pass: lossless && curvePoints.length > 0 }],
      notes: [
        `On ${availableParallelism()} cores (this machine) this is a smoke figure: the instances share the cores with PostgreSQL, Redis, the MODE emulator and the load generator, so a second instance cannot add capacity, only show that the two work together.`,
        `Every point runs with REDIS_URL (one redis-server), the instances on one fresh database with shared secrets; ${env.settings.connections} connections in all, split evenly over the instances (one autocannon each, at the same time), ${env.settings.durationSec} s per run after a ${env.settings.warmUpSec} s warm-up.`,
        'Ingest: distinct signed events (one sequence over both load generators), so deduplication keeps them all; stored = rows of the home in the events table after the runs. Stored may exceed answered by up to one request per connection per run: autocannon stops counting with those in flight, and the bridge still stores them.',
      ],
    };
  },
};
