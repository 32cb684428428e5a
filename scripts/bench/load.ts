// Drives load with autocannon and keeps every response time as a float: autocannon's own histogram
// records whole milliseconds, too coarse for a sub-millisecond overhead target.
import autocannon from 'autocannon';
import { cpuSnapshot, otherCpuShare } from './idle';
import { cpuTimeMs, type CpuTarget } from './rss';

export interface LoadSpec {
  title: string;
  url: string;
  connections: number;
  durationSec: number;
  method?: 'GET' | 'PUT' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Builds each request anew (a unique body per request); overrides method/headers/body. */
  setupRequest?: (request: autocannon.Request) => autocannon.Request;
  /** Processes (or threads) whose CPU time per request is reported (name -> pid). */
  cpuOf?: Record<string, CpuTarget>;
  /** Stop after this many requests instead of after `durationSec` (each user logging in once). */
  amount?: number;
  /** Seconds before a request counts as an error; default 10. */
  timeoutSec?: number;
}

export interface LoadResult {
  title: string;
  connections: number;
  durationSec: number;
  /** 2xx answers. */
  ok: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** CPU ms each process of `cpuOf` spent per answered request during the run. */
  cpuMsPerRequest: Record<string, number>;
  /** Share of the machine's CPU that work outside the bench took during the run (0..1). */
  otherCpuShare?: number;
}

const roundTo = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export class Samples {
  private values = new Float64Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  append(other: Samples): void {
    for (let i = 0; i < other.length; i++) this.push(other.values[i]!);
  }

  summary(): LoadResult['latencyMs'] {
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q: number) => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0));
    const mean = sorted.length === 0 ? 0 : sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
    const round = (value: number) => Math.round(value * 1000) / 1000;
    return { p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(at(1)), mean: round(mean) };
  }
}

/** One run's result with what merging runs needs: its response times and raw CPU totals. */
export interface LoadRun {
  result: LoadResult;
  samples: Samples;
  /** CPU ms each process of `cpuOf` spent during the run. */
  cpuMs: Record<string, number>;
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return measureLoad(spec).then((run) => run.result);
}

/** runLoad with what mergeRuns needs to add several runs up. */
export function measureLoad(spec: LoadSpec): Promise<LoadRun> {
  const samples = new Samples();
  const statusCodes: Record<string, number> = {};
  let non2xx = 0;
  const options: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSec,
    method: spec.method ?? 'GET',
    headers: spec.headers,
    body: spec.body,
    requests: spec.setupRequest ? [{ setupRequest: spec.setupRequest }] : undefined,
    timeout: spec.timeoutSec ?? 10,
    amount: spec.amount,
  };
  const cpuBefore = Object.fromEntries(Object.entries(spec.cpuOf ?? {}).map(([name, pid]) => [name, cpuTimeMs(pid)]));
  const machineAtStart = cpuSnapshot();
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, finished: autocannon.Result) => {
      if (error) return reject(error instanceof Error ? error : new Error(String(error)));
      const ok = samples.length;
      const answered = Math.max(1, ok + non2xx);
      const cpuMs: Record<string, number> = {};
      const cpuMsPerRequest: Record<string, number> = {};
      for (const [name, pid] of Object.entries(spec.cpuOf ?? {})) {
        const before = cpuBefore[name];
        const after = cpuTimeMs(pid);
        if (before === undefined || after === undefined) continue;
        cpuMs[name] = after - before;
        cpuMsPerRequest[name] = roundTo(cpuMs[name] / answered, 3);
      }
      const result: LoadResult = {
        title: spec.title,
        connections: spec.connections,
        durationSec: finished.duration,
        ok,
        rps: roundTo(ok / finished.duration, spec.amount ? 1 : 0),
        latencyMs: samples.summary(),
        non2xx,
        errors: finished.errors,
        statusCodes,
        cpuMsPerRequest,
        otherCpuShare: otherCpuShare(machineAtStart),
      };
      resolve({ result, samples, cpuMs });
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
      else non2xx += 1;
    });
  });
}

/** Several runs of one spec as one: their answers and time added up, percentiles over every response. */
export function mergeRuns(runs: LoadRun[]): LoadResult {
  const first = runs[0];
  if (!first) throw new Error('mergeRuns needs at least one run');
  if (runs.length === 1) return first.result;
  const samples = new Samples();
  const statusCodes: Record<string, number> = {};
  const cpuMs: Record<string, number> = {};
  let [ok, non2xx, errors, durationSec, otherWeighted, otherSec] = [0, 0, 0, 0, 0, 0];
  for (const run of runs) {
    const { result } = run;
    samples.append(run.samples);
    ok += result.ok;
    non2xx += result.non2xx;
    errors += result.errors;
    durationSec += result.durationSec;
    for (const [status, count] of Object.entries(result.statusCodes)) statusCodes[status] = (statusCodes[status] ?? 0) + count;
    for (const [name, ms] of Object.entries(run.cpuMs)) cpuMs[name] = (cpuMs[name] ?? 0) + ms;
    if (result.otherCpuShare !== undefined) {
      otherWeighted += result.otherCpuShare * result.durationSec;
      otherSec += result.durationSec;
    }
  }
  const answered = Math.max(1, ok + non2xx);
  return {
    title: first.result.title,
    connections: first.result.connections,
    durationSec: roundTo(durationSec, 3),
    ok,
    rps: Math.round(ok / durationSec),
    latencyMs: samples.summary(),
    non2xx,
    errors,
    statusCodes,
    cpuMsPerRequest: Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, roundTo(ms / answered, 3)])),
    ...(otherSec > 0 ? { otherCpuShare: otherWeighted / otherSec } : {}),
  };
}

/**
 * Measures several targets in turn, each for about `durationSec` in all: `rounds` runs of durationSec
 * / rounds each (whole seconds, at least one: autocannon checks its clock once a second), the order
 * rotated every round, each target's runs merged. A machine whose speed drifts during the
 * measurement (other tenants, frequency, a background job) then touches every target alike, where
 * one run after the other would give the drift to whichever ran last.
 */
export async function runInterleaved(specs: LoadSpec[], rounds: number): Promise<LoadResult[]> {
  const runs: LoadRun[][] = specs.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const index of rotatedOrder(specs.length, round)) {
      const spec = specs[index]!;
      runs[index]!.push(await measureLoad({ ...spec, durationSec: Math.max(1, Math.round(spec.durationSec / rounds)) }));
    }
  }
  return runs.map(mergeRuns);
}

/** The order of `count` items in round `round`: it starts at item round % count, so each item takes every place in turn. */
export function rotatedOrder(count: number, round: number): number[] {
  return Array.from({ length: count }, (_, turn) => (round + turn) % count);
}

/** One request with fetch before the load, so a wrong route or token fails with MODE's or the bridge's answer. */
export async function probe(spec: LoadSpec, expected: number[] = [200, 201, 204]): Promise<void> {
  let method = spec.method ?? 'GET';
  let headers = spec.headers;
  let body = spec.body;
  let path = '';
  if (spec.setupRequest) {
    const built = spec.setupRequest({});
    method = (built.method as typeof method | undefined) ?? method;
    headers = (built.headers as Record<string, string> | undefined) ?? headers;
    body = typeof built.body === 'string' ? built.body : body;
    path = built.path ?? '';
  }
  const response = await fetch(new URL(path, spec.url), { method, headers, body });
  const text = await response.text();
  if (!expected.includes(response.status)) {
    throw new Error(`${spec.title}: ${method} ${spec.url}${path} answered ${response.status} ${text.slice(0, 300)}`);
  }
}

/**
 * Runs the load briefly and throws the figures away, so JIT warm-up and pool fill are not measured;
 * then waits until one more request is answered, so the warm-up's backlog is not measured either.
 */
export async function warmUp(spec: LoadSpec, seconds = 2, expected?: number[]): Promise<void> {
  await runLoad({ ...spec, title: `${spec.title} (warm-up)`, durationSec: seconds });
  await drainBacklog(spec, expected);
}

/** After a load: lets its last requests finish, then waits for one more answer (queued behind them). */
export async function drainBacklog(spec: LoadSpec, expected?: number[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await probe(spec, expected);
}

export interface SteadyWarmUpOptions {
  /** Warm up at least this long. */
  minSec: number;
  /** And at most this long, steady or not. */
  maxSec: number;
  sliceSec?: number;
  /** A slice counts as faster only when it beats the best one before it by more than this share. */
  tolerance?: number;
}

export interface SteadyWarmUp {
  seconds: number;
  /** Requests per second of each slice, in order. */
  slices: number[];
  /** False when `maxSec` ran out while the process was still getting faster. */
  steady: boolean;
}

/**
 * Warms up until the process stops getting faster: a server that runs for days is measured warm.
 * V8 optimizes a function only after it has run often enough, on background threads that compete
 * with the load on a small machine, so a large process can take many seconds to reach its speed.
 * Slices of load run until three in a row are no faster than the best before them (after `minSec`):
 * optimization comes in steps, and a process can stay level for a few seconds before the next one.
 */
export async function warmUpUntilSteady(spec: LoadSpec, options: SteadyWarmUpOptions, expected?: number[]): Promise<SteadyWarmUp> {
  const sliceSec = options.sliceSec ?? 2;
  const tolerance = options.tolerance ?? 0.03;
  const slices: number[] = [];
  let best = 0;
  let flat = 0;
  let steady = false;
  while (slices.length * sliceSec < options.maxSec) {
    const { rps } = await runLoad({ ...spec, title: `${spec.title} (warm-up)`, durationSec: sliceSec });
    flat = slices.length > 0 && rps <= best * (1 + tolerance) ? flat + 1 : 0;
    best = Math.max(best, rps);
    slices.push(rps);
    if (flat >= 3 && slices.length * sliceSec >= options.minSec) {
      steady = true;
      break;
    }
  }
  await drainBacklog(spec, expected);
  return { seconds: slices.length * sliceSec, slices, steady };
}

