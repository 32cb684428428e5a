// What the scale curves share: a bridge on a database of the curve's own, SQL on that database,
// latency of a set of GET requests, and ratio goals.
import { startBridge, type BridgeService } from '../../bridge';
import { runLoad, type LoadResult } from '../../load';
import type { CurveGoal, ScaleEnv } from './curve';

export async function scaleBridge(env: ScaleEnv, name: string, databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<BridgeService> {
  return startBridge({ name, emulator: env.emulator, databaseUrl, logDir: env.logDir, cpuProfileDir: env.cpuProfileDir, dist: env.bridgeDist, extraEnv: { ...extraEnv, ...env.bridgeEnv } });
}

/** Latency of GET requests cycling through `paths`, with autocannon at `connections`. */
export async function getLatency(title: string, baseUrl: string, paths: string[], token: string, connections: number, durationSec: number): Promise<LoadResult> {
  let next = 0;
  const result = await runLoad({
    title,
    url: baseUrl,
    connections,
    durationSec,
    setupRequest: (request) => ({ ...request, method: 'GET', path: paths[next++ % paths.length], headers: { authorization: `Bearer ${token}` } }),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${title}: ${result.non2xx} non-2xx answers ${JSON.stringify(result.statusCodes)}, ${result.errors} errors`);
  return result;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** "value at the largest point / value at the first point <= limit". */
export function growthGoal(label: string, first: { x: number; value: number } | undefined, last: { x: number; value: number } | undefined, limit: number): CurveGoal {
  if (!first || !last || first.x === last.x || first.value <= 0) {
    return { goal: `${label}: largest / smallest point <= ${limit}x`, measured: 'needs two points', pass: false };
  }
  const ratio = last.value / first.value;
  return { goal: `${label}: at ${compact(last.x)} / at ${compact(first.x)} <= ${limit}x`, measured: `${round(ratio)}x (${round(first.value)} -> ${round(last.value)})`, pass: ratio <= limit };
}

export function compact(value: number): string {
  if (value >= 1_000_000 && value % 1_000_000 === 0) return `${value / 1_000_000}M`;
  if (value >= 1000 && value % 1000 === 0) return `${value / 1000}k`;
  return String(value);
}
