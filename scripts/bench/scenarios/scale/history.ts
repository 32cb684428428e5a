// Event history as the stored events grow: the same database is grown from point to point (one
// INSERT ... SELECT generate_series each), and at each point three pages of
// GET /v1/homes/:homeId/events are timed: the first page, a filtered page (eventType + since) and a
// page behind a cursor got by paging halfway into the home's history (deeper as it grows).
//
// The rows spread over 1,000 homes. Five are real homes made through the bridge's API by the bench
// account (the ones queried; membership is what the bridge checks); each gets 5% of the rows, so a
// queried home is a busy one and has a deep history even at the smallest point. The other 995
// home IDs are out of the range MODE hands out and only make the table (and its indexes) bigger.
import { call, registerUser, waitLinked } from '../../setup';
import type { Curve, CurvePoint, ScaleRunner } from './curve';
import { compact, getLatency, growthGoal, round, scaleBridge } from './support';
import { withPostgresClient } from '../../../lib/postgres-client';
import { createDatabase } from '../../postgres';

const REAL_HOMES = 5;
const OTHER_HOMES = 995;
const OTHER_HOME_BASE = 2_000_000_000;
const EVENT_TYPES = ['temperature', 'humidity', 'motion', 'door', 'battery'];
const PAGE = 50;
/** The deep page starts halfway into the queried home's history, reached in pages of the most a page holds. */
const WALK_PAGE = 200;
const CONNECTIONS = 2;

const KINDS = ['first page', 'filtered page', 'deep cursor page'] as const;

/**
 * Rows from..to (1-based). Row g: every 20th-row slot 0..4 goes to a real home, the rest to the
 * other homes in turn; type and timestamp (over the last 30 days) from hashes of g, so they do not
 * follow the home. Columns as the webhook stores them: a 64-hex dedup key, device ID and class.
 */
const SEED_SQL = `INSERT INTO events (dedup_key, home_id, device_id, device_class, event_type, event_data, timestamp, received_at)
  SELECT encode(sha256(convert_to('scale-history:' || g, 'UTF8')), 'hex'), home, 100000 + home % 1000 * 3 + g % 3, 'bench-sensor',
         ($3::text[])[1 + (hashint8(g) & 2147483647) % 5], jsonb_build_object('value', g % 1000, 'seq', g), ts, ts + interval '150 milliseconds'
  FROM (
    SELECT g,
           CASE WHEN g % 20 < ${REAL_HOMES} THEN ($4::int[])[1 + g % 20] ELSE ${OTHER_HOME_BASE} + (g / 20) % ${OTHER_HOMES} END AS home,
           now() - interval '30 days' * ((hashint8(g + 7919) & 2147483647)::float8 / 2147483647) AS ts
    FROM generate_series($1::bigint, $2::bigint) AS g
  ) AS rows`;

export const historyRunner: ScaleRunner = {
  name: 'history',
  defaultPoints: [10_000, 100_000, 1_000_000],
  async run(env, points) {
    const databaseUrl = await createDatabase(env.postgres, 'bridge_scale_history');
    const bridge = await scaleBridge(env, 'bridge-scale-history', databaseUrl);
    try {
      const account = await registerUser(bridge.url, `history-${Date.now()}@bench.example`);
      await waitLinked(bridge.url, account);
      const homes: number[] = [];
      for (let i = 0; i < REAL_HOMES; i += 1) {
        homes.push((await call<{ id: number }>(bridge.url, '/v1/homes', { token: account.accessToken, json: { name: `History home ${i}` } })).id);
      }
      const curvePoints: CurvePoint[] = [];
      let seeded = 0;
      for (const target of points) {
        const started = Date.now();
        await withPostgresClient(databaseUrl, async (client) => {
          if (target > seeded) await client.query(SEED_SQL, [seeded + 1, target, EVENT_TYPES, homes]);
          await client.query('ANALYZE events');
        });
        env.log(`  history: ${compact(target)} events stored (${round((Date.now() - started) / 1000, 1)} s to seed)`);
        seeded = Math.max(seeded, target);

        const since = new Date(Date.now() - 7 * 24 * 3600_000).toISOString();
        const deep: string[] = [];
        // Small points (a quick run) walk in smaller pages, so there is still a page behind the cursor.
        const perHome = Math.floor(target * 0.05);
        const walkPage = Math.min(WALK_PAGE, Math.max(1, Math.floor(perHome / 4)));
        const walk = Math.max(1, Math.floor(perHome / 2 / walkPage));
        for (const homeId of homes) {
          let cursor: string | null = null;
          for (let page = 0; page < walk; page += 1) {
            const query: string = cursor ? `?limit=${walkPage}&cursor=${encodeURIComponent(cursor)}` : `?limit=${walkPage}`;
            const answer: { nextCursor: string | null } = await call(bridge.url, `/v1/homes/${homeId}/events${query}`, { token: account.accessToken });
            cursor = answer.nextCursor;
            if (!cursor) throw new Error(`history: home ${homeId} has fewer than ${walk * walkPage} events at ${target}`);
          }
          deep.push(`/v1/homes/${homeId}/events?limit=${PAGE}&cursor=${encodeURIComponent(cursor ?? '')}`);
        }
        const paths: Record<(typeof KINDS)[number], string[]> = {
          'first page': homes.map((homeId) => `/v1/homes/${homeId}/events?limit=${PAGE}`),
          'filtered page': homes.map((homeId, i) => `/v1/homes/${homeId}/events?limit=${PAGE}&eventType=${EVENT_TYPES[i % EVENT_TYPES.length]}&since=${encodeURIComponent(since)}`),
          'deep cursor page': deep,
        };
        const values: Record<string, number> = { 'deep page starts at event': walk * walkPage };
        for (const kind of KINDS) {
          await getLatency(`history ${kind} (warm-up)`, bridge.url, paths[kind], account.accessToken, CONNECTIONS, 1);
          const result = await getLatency(`history ${kind} at ${compact(target)}`, bridge.url, paths[kind], account.accessToken, CONNECTIONS, env.settings.singleDurationSec);
          values[`${kind} p50 ms`] = result.latencyMs.p50;
          values[`${kind} p99 ms`] = result.latencyMs.p99;
          env.log(`  history ${kind} at ${compact(target)}: p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${result.rps} req/s`);
        }
        curvePoints.push({ x: target, values });
      }
      const first = curvePoints[0];
      const last = curvePoints.at(-1);
      return {
        id: 'event-history',
        title: 'Event history page latency vs stored events',
        xLabel: 'stored events (1,000 homes)',
        yLabel: 'ms',
        chartSeries: KINDS.map((kind) => `${kind} p99 ms`),
        points: curvePoints,
        goals: KINDS.map((kind) => {
          const series = `${kind} p99 ms`;
          return growthGoal(`${kind} p99`, first && { x: first.x, value: first.values[series] ?? 0 }, last && { x: last.x, value: last.values[series] ?? 0 }, 2);
        }),
        notes: [
          `GET /v1/homes/:homeId/events?limit=${PAGE} through the bridge (JWT, membership check, PostgreSQL), autocannon at ${CONNECTIONS} connections for ${env.settings.singleDurationSec} s per page kind, cycling over ${REAL_HOMES} real homes that each hold 5% of the rows; the other rows spread over ${OTHER_HOMES} more home IDs.`,
          `Filtered: one eventType of ${EVENT_TYPES.length} and since = 7 days ago (of 30). Deep: a page of ${PAGE} behind the cursor got by paging (up to ${WALK_PAGE} a page) halfway into the home's history.`,
        ],
      } satisfies Curve;
    } finally {
      await bridge.stop();
    }
  },
};
