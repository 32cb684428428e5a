import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mergeRuns, runInterleaved, Samples, type LoadResult, type LoadRun } from '../../scripts/bench/load';
import { alternateQuietAndStorm } from '../../scripts/bench/scenarios/login';

// The proxy figures are ratios between targets measured in interleaved rounds: a wrong merge would
// put a wrong number in the docs without anything failing.

function run(partial: Partial<LoadResult>, times: number[], cpuMs: Record<string, number> = {}): LoadRun {
  const samples = new Samples();
  for (const time of times) samples.push(time);
  const result: LoadResult = {
    title: 'target',
    connections: 50,
    durationSec: 1,
    ok: times.length,
    rps: times.length,
    latencyMs: samples.summary(),
    non2xx: 0,
    errors: 0,
    statusCodes: { 200: times.length },
    cpuMsPerRequest: {},
    ...partial,
  };
  return { result, samples, cpuMs };
}

describe('mergeRuns', () => {
  it('adds answers and time up, and takes percentiles over every response of every run', () => {
    const merged = mergeRuns([
      run({ durationSec: 2, otherCpuShare: 0.1 }, [1, 1, 1, 1], { proxy: 8 }),
      run({ durationSec: 1, otherCpuShare: 0.4, non2xx: 2, statusCodes: { 200: 4, 503: 2 } }, [9, 9, 9, 9], { proxy: 6 }),
    ]);
    expect(merged.ok).toBe(8);
    expect(merged.durationSec).toBe(3);
    expect(merged.rps).toBe(3);
    expect(merged.non2xx).toBe(2);
    expect(merged.statusCodes).toEqual({ 200: 8, 503: 2 });
    // Half the responses took 1 ms, half 9: the median is 1, the p99 and max 9.
    expect(merged.latencyMs).toMatchObject({ p50: 1, p99: 9, max: 9, mean: 5 });
    // 14 ms of CPU over 10 answered requests, not the mean of the runs' own figures.
    expect(merged.cpuMsPerRequest.proxy).toBe(1.4);
    // Weighted by each run's time: (0.1 * 2 + 0.4 * 1) / 3.
    expect(merged.otherCpuShare).toBeCloseTo(0.2, 6);
  });

  it('returns a single run as it is', () => {
    const only = run({ rps: 123 }, [2, 3]);
    expect(mergeRuns([only])).toBe(only.result);
  });
});

describe('runInterleaved', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (seen.at(-1) !== req.url) seen.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('runs the targets in rotated turns and merges each target\'s runs', async () => {
    const specs = ['/a', '/b'].map((path) => ({ title: path, url: url + path, connections: 2, durationSec: 2 }));
    const [a, b] = await runInterleaved(specs, 2);
    // Rounds of 1 s: a b, then b a (the two runs of b back to back).
    expect(seen).toEqual(['/a', '/b', '/a']);
    for (const result of [a!, b!]) {
      expect(result.ok).toBeGreaterThan(0);
      expect(result.durationSec).toBeGreaterThanOrEqual(1.9);
      expect(result.durationSec).toBeLessThan(3);
      expect(result.rps).toBe(Math.round(result.ok / result.durationSec));
    }
  });
});

describe('alternateQuietAndStorm', () => {
  let server: Server;
  let url: string;
  let loginsInFlight = 0;

  // A login takes 400 ms; a proxied call answers 299 while a login is in flight, so each side's
  // status counts show whether a storm reached it.
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/login') {
        loginsInFlight += 1;
        setTimeout(() => {
          loginsInFlight -= 1;
          res.end('ok');
        }, 400);
        return;
      }
      res.statusCode = loginsInFlight > 0 ? 299 : 200;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps the quiet windows free of the storm, its queued logins included', async () => {
    const proxied = { title: 'proxied', url: `${url}/call`, connections: 2, durationSec: 2 };
    const logins = { title: 'logins', url: `${url}/login`, connections: 4, durationSec: 2 };
    // Two rounds: quiet then storm, then storm then quiet, which starts while the storm's last logins are still running.
    const { alone, duringStorm, storm } = await alternateQuietAndStorm(proxied, logins, 2);
    expect(Object.keys(alone.statusCodes)).toEqual(['200']);
    expect(alone.title).toBe('proxied, alone');
    expect(duringStorm.statusCodes['299']).toBeGreaterThan(0);
    expect(duringStorm.title).toBe('proxied, during the storm');
    expect(storm.ok).toBeGreaterThan(0);
    for (const side of [alone, duringStorm, storm]) expect(side.durationSec).toBeGreaterThanOrEqual(1.9);
  });
});
