// Proxy overhead: the same MODE call made directly to the emulator, through the bare pass-through
// proxy, through that proxy as an Express route, and through the bridge (JWT check, authorization,
// MODE key lookup), side by side: each warmed up alone, then all four measured in interleaved rounds.
import type { BenchContext } from '../context';
import { probe, runInterleaved, warmUpUntilSteady, type LoadResult, type LoadSpec, type SteadyWarmUp } from '../load';
import { heapOf, type HeapFigures } from '../rss';
import { bridgeFixture, directFixture, registerUser, waitLinked } from '../setup';
import { benchCommand } from './command';

export type Target = 'direct' | 'bare' | 'express' | 'bridge';
export const TARGETS: Target[] = ['direct', 'bare', 'express', 'bridge'];

export interface ProxyCallFigures {
  call: string;
  /** At the configured concurrency: throughput and latency under load. */
  loaded: Record<Target, LoadResult>;
  /** At one connection: the latency each hop adds when nothing queues. */
  single: Record<Target, LoadResult>;
  /** How long each target was loaded before it was measured, until it stopped getting faster. */
  warmUp: Record<Target, SteadyWarmUp>;
}

/** The longest warm-up of one target; a process still getting faster by then is measured anyway. */
export const MAX_WARM_UP_SEC = 30;

export interface ProxyFigures {
  calls: ProxyCallFigures[];
  /** Interleaved rounds each target's figures add up (absent in older result files: one run each). */
  rounds?: number;
  bridgePeakRssMb: number;
  heapAtEnd?: HeapFigures;
}

interface CallShape {
  call: string;
  method: 'GET' | 'PUT';
  modePath: (ids: { homeId: number; deviceId: number }) => string;
  bridgePath: (ids: { homeId: number; deviceId: number }) => string;
  body?: string;
}

/** Results in TARGETS order, by target. */
function byTarget(results: LoadResult[]): Record<Target, LoadResult> {
  return Object.fromEntries(TARGETS.map((target, index) => [target, results[index]!])) as Record<Target, LoadResult>;
}

export async function proxyScenario(ctx: BenchContext): Promise<ProxyFigures> {
  const { emulator, bridge, bare, expressProxy, settings } = ctx;
  if (!bare || !expressProxy) throw new Error('the proxy scenario needs the bare proxies');
  const account = await registerUser(bridge.url, `proxy-${Date.now()}@bench.example`);
  await waitLinked(bridge.url, account);
  const fixture = await bridgeFixture(bridge.url, emulator, account);
  const direct = await directFixture(emulator);
  const command = JSON.stringify(benchCommand());
  const shapes: CallShape[] = [
    { call: 'GET /homes/:id', method: 'GET', modePath: (ids) => `/homes/${ids.homeId}`, bridgePath: (ids) => `/v1/homes/${ids.homeId}` },
    {
      call: 'PUT /devices/:id/command',
      method: 'PUT',
      modePath: (ids) => `/devices/${ids.deviceId}/command`,
      bridgePath: (ids) => `/v1/devices/${ids.deviceId}/command`,
      body: command,
    },
  ];

  ctx.bridgeRss.startWindow();
  const calls: ProxyCallFigures[] = [];
  for (const shape of shapes) {
    const json: Record<string, string> = shape.body ? { 'content-type': 'application/json' } : {};
    const specs: Record<Target, Omit<LoadSpec, 'connections' | 'durationSec'>> = {
      direct: { title: `${shape.call} direct`, url: emulator.url + shape.modePath(direct), method: shape.method, body: shape.body, headers: { ...json, authorization: `ModeCloud ${direct.modeKey}` } },
      bare: { title: `${shape.call} bare proxy`, url: bare.url + shape.modePath(direct), method: shape.method, body: shape.body, headers: { ...json, authorization: `ModeCloud ${direct.modeKey}` } },
      express: { title: `${shape.call} Express proxy`, url: expressProxy.url + shape.modePath(direct), method: shape.method, body: shape.body, headers: { ...json, authorization: `ModeCloud ${direct.modeKey}` } },
      bridge: { title: `${shape.call} bridge`, url: bridge.url + shape.bridgePath(fixture), method: shape.method, body: shape.body, headers: { ...json, authorization: `Bearer ${account.accessToken}` } },
    };
    // CPU per request of each process on the path: the hop under test and the emulator behind it.
    const cpuOf = {
      direct: { emulator: emulator.pid },
      bare: { proxy: bare.pid, emulator: emulator.pid },
      express: { proxy: expressProxy.pid, emulator: emulator.pid },
      bridge: { proxy: bridge.pid, emulator: emulator.pid },
    };
    for (const target of TARGETS) specs[target].cpuOf = cpuOf[target];
    const loadedSpecs = TARGETS.map((target) => ({ ...specs[target], connections: settings.connections, durationSec: settings.durationSec }));
    const warmed = {} as Record<Target, SteadyWarmUp>;
    for (const [index, target] of TARGETS.entries()) {
      const spec = loadedSpecs[index]!;
      await probe(spec);
      warmed[target] = await warmUpUntilSteady(spec, { minSec: settings.warmUpSec, maxSec: MAX_WARM_UP_SEC });
      ctx.log(`  ${spec.title}: warm after ${warmed[target].seconds} s (${warmed[target].slices.join(', ')} req/s)`);
    }
    // Every target warm, then measured in interleaved rounds: the ratios between them are the figures.
    const loaded = byTarget(await runInterleaved(loadedSpecs, settings.rounds));
    for (const target of TARGETS) {
      ctx.log(`  ${loaded[target].title}: ${loaded[target].rps} req/s, p50 ${loaded[target].latencyMs.p50} ms, p99 ${loaded[target].latencyMs.p99} ms`);
    }
    const singleSpecs = TARGETS.map((target) => ({ ...specs[target], title: `${specs[target].title} (1 connection)`, connections: 1, durationSec: settings.singleDurationSec }));
    const single = byTarget(await runInterleaved(singleSpecs, settings.rounds));
    for (const target of TARGETS) ctx.log(`  ${single[target].title}: p50 ${single[target].latencyMs.p50} ms, p99 ${single[target].latencyMs.p99} ms`);
    calls.push({ call: shape.call, loaded, single, warmUp: warmed });
  }
  return { calls, rounds: settings.rounds, bridgePeakRssMb: ctx.bridgeRss.endWindow(), heapAtEnd: await heapOf(bridge.url) };
}
