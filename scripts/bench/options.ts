// The command line of `npm run bench`, parsed strictly with node:util parseArgs.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchSettings } from './context';
import { ROOT } from './processes';
import { SCALE_RUNNERS } from './scenarios/scale';

const SCALE_RUNNER_NAMES = SCALE_RUNNERS.map((runner) => runner.name);
const SCALE_DEFAULTS = SCALE_RUNNERS.map((runner) => `${runner.name}=${runner.defaultPoints.join(',')}`).join(' ');

export const SCENARIOS = ['proxy', 'webhook', 'login', 'login-formats', 'scale'] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** What a plain `npm run bench` runs: a few minutes. `scale` is chosen with --only. */
export const DEFAULT_SCENARIOS: Scenario[] = ['proxy', 'webhook', 'login', 'login-formats'];

const usage = `Usage: npm run bench -- [options]

Measures the bridge's cost side by side in one run: proxied MODE calls (direct / bare proxy / bridge),
webhook ingest (PGlite and PostgreSQL, with each one's raw INSERT rate), logins under load, logins/s
per stored password format (imported bcrypt, PBKDF2, scrypt beside argon2id), peak RSS.
Everything runs on loopback: the MODE emulator, a throwaway PostgreSQL 15 cluster, the bridge
(compiled from dist/; rebuilt first when stale) and autocannon in this process.

The scale scenario (--only scale; history, fanout, import and link take about 6 min on 2 cores) measures how
costs grow, each point in the same run: event history pages at 10k/100k/1M stored events,
webhook fan-out to 1/100/1,000 members, import-users rows/s, link-users links/s against the
emulator with 20 ms latency; each curve is a table and a chart (docs/benchmarks/<curve>.svg).

Options:
  --duration <s>       seconds per measured run (default 10)
  --connections <n>    concurrent connections (default 50)
  --rounds <n>         the proxy scenario measures its four targets, and the login scenario its
                       quiet and storm windows, in <n> interleaved rounds of duration/<n> seconds
                       each (whole seconds, at least 1), the order rotated every round (default 5)
  --only <list>        comma-separated subset of: ${SCENARIOS.join(', ')}
                       (default ${DEFAULT_SCENARIOS.join(',')}; scale runs only when named)
  --scale <list>       the scale scenario's curves to measure, comma-separated (default all):
                       ${SCALE_RUNNER_NAMES.join(', ')}
  --points <name>=<a,b,c>  replaces one scale curve's default points (repeatable), e.g.
                       --points history=10000,100000; defaults: ${SCALE_DEFAULTS}
  --out <file>         JSON results (default bench/results/latest.json; a .md twin is written beside it)
  --users <n>          accounts logging in during the login storm (default 20)
  --login-proxied <n>  connections of the light proxied stream in the login scenario (default 2)
  --format-logins <n>  users per stored format in login-formats, each logging in once (default 60)
  --bridge-dist <dir>  run the bridge from another build's dist/ (compare a change against this one)
  --bridge-env K=V     extra environment for the bridge (repeatable), for experiments such as
                       --bridge-env UV_THREADPOOL_SIZE=1; the bridge is started with npm start's
                       command, so NODE_OPTIONS given here come after its settings and win
  --wait-idle <s>      first wait up to <s> seconds for the machine to be idle (default 0: don't wait)
  --update-docs        also write the tables into docs/benchmarks.md (its generated section)
  --profile            run the bridge with node --cpu-prof (profiles in bench/results/profiles/;
                       summarize with: npx tsx scripts/bench/profile-summary.ts <file.cpuprofile>)
  --help               show this text`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** The load settings of runs of `durationSec` seconds at `connections`, the proxy's in `rounds` rounds. */
export function benchSettings(durationSec: number, connections: number, rounds: number): BenchSettings {
  return { durationSec, connections, singleDurationSec: Math.max(2, Math.round(durationSec / 2)), warmUpSec: durationSec >= 5 ? 2 : 1, rounds };
}

/** `KEY=VALUE` arguments of `option` as an environment. */
export function parseEnvPairs(pairs: string[], option = '--bridge-env'): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`${option} wants KEY=VALUE, got ${pair}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

export type BenchOptions = ReturnType<typeof readOptions>;

export function readOptions() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      users: { type: 'string' },
      'login-proxied': { type: 'string' },
      'format-logins': { type: 'string' },
      'bridge-env': { type: 'string', multiple: true },
      'bridge-dist': { type: 'string' },
      scale: { type: 'string' },
      points: { type: 'string', multiple: true },
      profile: { type: 'boolean' },
      'update-docs': { type: 'boolean' },
      'wait-idle': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const only = (values.only ?? DEFAULT_SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((name) => !SCENARIOS.includes(name as Scenario));
  if (unknown.length > 0) throw new Error(`--only: unknown scenario ${unknown.join(', ')} (choose from ${SCENARIOS.join(', ')})`);
  const durationSec = positiveInt('duration', values.duration, 10);
  return {
    only: new Set(only as Scenario[]),
    settings: benchSettings(durationSec, positiveInt('connections', values.connections, 50), positiveInt('rounds', values.rounds, 5)),
    out: resolve(values.out ?? join(ROOT, 'bench', 'results', 'latest.json')),
    users: positiveInt('users', values.users, 20),
    loginProxied: positiveInt('login-proxied', values['login-proxied'], 2),
    formatLogins: positiveInt('format-logins', values['format-logins'], 60),
    bridgeEnv: parseEnvPairs(values['bridge-env'] ?? []),
    bridgeDist: values['bridge-dist'] ? resolve(values['bridge-dist']) : undefined,
    profile: values.profile ?? false,
    updateDocs: values['update-docs'] ?? false,
    scale: parseScale(values.scale, values.points ?? []),
    waitIdleSec: values['wait-idle'] === undefined ? 0 : positiveInt('wait-idle', values['wait-idle'], 0),
  };
}

export interface ScaleChoice {
  /** Runner names in the order they run. */
  runners: string[];
  /** Points chosen with --points, by runner name. */
  points: Record<string, number[]>;
}

function parseScale(list: string | undefined, pointArgs: string[]): ScaleChoice {
  const runners = (list ?? SCALE_RUNNER_NAMES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = runners.filter((name) => !SCALE_RUNNER_NAMES.includes(name));
  if (unknown.length > 0) throw new Error(`--scale: unknown curve ${unknown.join(', ')} (choose from ${SCALE_RUNNER_NAMES.join(', ')})`);
  const points: Record<string, number[]> = {};
  for (const arg of pointArgs) {
    const at = arg.indexOf('=');
    const name = arg.slice(0, Math.max(0, at));
    if (at <= 0 || !SCALE_RUNNER_NAMES.includes(name)) throw new Error(`--points wants <curve>=<a,b,c> with a curve of ${SCALE_RUNNER_NAMES.join(', ')}, got ${arg}`);
    const values = arg.slice(at + 1).split(',').map((v) => Number(v.trim()));
    if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`--points ${name}: points must be positive integers, got ${arg.slice(at + 1)}`);
    points[name] = [...values].sort((a, b) => a - b);
  }
  return { runners, points };
}
