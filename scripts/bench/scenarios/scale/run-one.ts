/**
 * Runs one curve of the `scale` scenario on its own and prints it as JSON, for whoever profiles
 * one curve: `npx tsx scripts/bench/scenarios/scale/run-one.ts streams 1000,5000`.
 * Builds the ScaleEnv as run.ts does: the MODE emulator, a throwaway PostgreSQL cluster, one
 * empty database per curve point; everything is stopped at the end.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchSettings, parseEnvPairs } from '../../options';
import { startPostgres, type PostgresCluster } from '../../postgres';
import { ensureBuilt, ROOT, startEmulator, type EmulatorService } from '../../processes';
import type { ScaleEnv, ScaleRunner } from './curve';
import { streamsRunner } from './streams';
import { twoInstancesRunner } from './two-instances';

const RUNNERS: ScaleRunner[] = [streamsRunner, twoInstancesRunner];

const usage = `Usage: npx tsx scripts/bench/scenarios/scale/run-one.ts <runner> [points] [options]

  <runner>             ${RUNNERS.map((runner) => `${runner.name} (default points ${runner.defaultPoints.join(',')})`).join('; ')}
  [points]             comma-separated x values, replacing the runner's default points
  --duration <s>       seconds per measured load run (default 10)
  --connections <n>    concurrent connections of load runs (default 50)
  --bridge-env K=V     extra environment for every bridge (repeatable)
  --profile            run the bridges with node --cpu-prof (bench/results/profiles/)
  --logs <dir>         where the processes' logs go (default bench/results/logs)`;

const log = (line: string) => process.stderr.write(`${line}\n`);

function positiveInts(raw: string, what: string): number[] {
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value <= 0)) throw new Error(`${what} must be positive integers, got ${raw}`);
  return values;
}


async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      'bridge-env': { type: 'string', multiple: true },
      profile: { type: 'boolean' },
      logs: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [name, rawPoints] = positionals;
  const runner = RUNNERS.find((candidate) => candidate.name === name);
  if (values.help || !runner || positionals.length > 2) {
    console.log(usage);
    process.exit(values.help ? 0 : 2);
  }
  const durationSec = values.duration ? positiveInts(values.duration, '--duration')[0]! : 10;
  const connections = values.connections ? positiveInts(values.connections, '--connections')[0]! : 50;
  // Scale curves measure no proxy rounds: one round.
  const settings = benchSettings(durationSec, connections, 1);
  const bridgeEnv = parseEnvPairs(values['bridge-env'] ?? []);
  const points = rawPoints ? positiveInts(rawPoints, 'points') : runner.defaultPoints;
  const resultsDir = join(ROOT, 'bench', 'results');
  const logDir = values.logs ?? join(resultsDir, 'logs');

  ensureBuilt(log);
  let emulator: EmulatorService | undefined;
  let postgres: PostgresCluster | undefined;
  const stop = async () => {
    await emulator?.stop().catch(() => undefined);
    emulator = undefined;
    postgres?.stop();
    postgres = undefined;
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  const started = Date.now();
  try {
    emulator = await startEmulator(logDir);
    postgres = await startPostgres();
    const env: ScaleEnv = {
      settings,
      emulator,
      postgres,
      logDir,
      cpuProfileDir: values.profile ? join(resultsDir, 'profiles') : undefined,
      bridgeEnv,
      log,
    };
    log(`scale ${runner.name}: points ${points.join(', ')}`);
    const curve = await runner.run(env, points);
    console.log(JSON.stringify(curve, null, 2));
    log(`scale ${runner.name}: ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
