// Webhook ingest: signed, distinct MODE events POSTed to the bridge (verified, deduplicated, stored,
// notifications queued), next to the same database's raw single-row INSERT rate in the same run.
import { execFile } from 'node:child_process';
import type { BenchContext } from '../context';
import { probe, runLoad, warmUp, type LoadResult, type LoadSpec } from '../load';
import { compiled } from '../processes';
import { postgresRawInsert, type RawInsertResult } from '../raw-insert';
import { heapOf, type HeapFigures } from '../rss';
import { bridgeFixture, registerUser, waitLinked } from '../setup';
import { EventSequence } from '../webhook-events';

export interface WebhookFigures {
  database: 'pglite' | 'postgresql';
  ingest: LoadResult;
  raw: RawInsertResult;
  bridgePeakRssMb: number;
  heapAtEnd?: HeapFigures;
}

export async function webhookScenario(ctx: BenchContext, rawInsert: () => Promise<RawInsertResult>): Promise<WebhookFigures> {
  const { bridge, settings } = ctx;
  const account = await registerUser(bridge.url, `webhook-${Date.now()}@bench.example`);
  await waitLinked(bridge.url, account);
  const { homeId, deviceId } = await bridgeFixture(bridge.url, ctx.emulator, account);

  // The raw rate first, while the bridge is idle, so its background jobs cannot steal from it.
  const raw = await rawInsert();
  ctx.log(`  raw single-row INSERT (${bridge.database}, ${raw.concurrency} writers): ${raw.perSecond} rows/s`);

  ctx.bridgeRss.startWindow();
  const spec = (run: string): LoadSpec => ({
    title: `webhook ingest (${bridge.database})`,
    url: bridge.url,
    connections: settings.connections,
    durationSec: settings.durationSec,
    // Every request is an event of its own (sequence number and timestamp): deduplication keeps them all.
    setupRequest: new EventSequence(bridge, { homeId, deviceId }, (seq) => ({ run, seq, level: seq % 100 })).setupRequest,
    cpuOf: { bridge: bridge.pid },
  });
  await probe(spec('probe'), [200]);
  await warmUp(spec('warm-up'), settings.warmUpSec, [200]);
  const ingest = await runLoad(spec('run'));
  const bridgePeakRssMb = ctx.bridgeRss.endWindow();
  ctx.log(`  ${ingest.title}: ${ingest.rps} events/s, p50 ${ingest.latencyMs.p50} ms, p99 ${ingest.latencyMs.p99} ms`);
  return { database: bridge.database, ingest, raw, bridgePeakRssMb, heapAtEnd: await heapOf(bridge.url) };
}

export function postgresRaw(url: string, ctx: Pick<BenchContext, 'settings'>): () => Promise<RawInsertResult> {
  return () => postgresRawInsert(url, ctx.settings.connections, ctx.settings.durationSec, ctx.settings.warmUpSec);
}

/** PGlite is one connection inside one process: measured in a child process of its own. */
export function pgliteRaw(ctx: Pick<BenchContext, 'settings'>): () => Promise<RawInsertResult> {
  const env = {
    ...process.env,
    RAW_CONCURRENCY: String(ctx.settings.connections),
    RAW_DURATION_SEC: String(ctx.settings.durationSec),
    RAW_WARM_UP_SEC: String(ctx.settings.warmUpSec),
  };
  return () =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, [compiled('scripts/bench/pglite-raw.ts')], { env, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error) return reject(new Error(`PGlite raw INSERT failed: ${stderr || error.message}`));
        const line = stdout.trim().split('\n').pop() ?? '';
        resolve(JSON.parse(line) as RawInsertResult);
      });
    });
}
