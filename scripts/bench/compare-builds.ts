/**
 * Compares two builds of the bridge on one call, for changes too small to show between two bench
 * runs on a shared machine: the bridges run at once (same emulator, same PostgreSQL, a database
 * each) and take the same load in short interleaved rounds, the order rotated every round, so a
 * change in the machine's speed touches all alike. Each build runs as two processes (started this,
 * base, base, this): two processes of one build differ by a few per cent as well (where each lands
 * in memory, which started first), and the spread between them is printed as the noise floor.
 * Prints CPU ms per request of each process per round, each build's median and this build / base.
 *
 * Usage: npx tsx scripts/bench/compare-builds.ts --base <other build's dist/> [--call get|put|webhook]
 *          [--rounds 12] [--duration 3] [--connections 50] [--dist <dir>: "this build", default ./dist]
 *          [--env K=V ...: "this build" only] [--base-env K=V ...: "base" only]
 * With --env or --base-env, --base may be left out: one build under two settings (NODE_OPTIONS
 * given there come after npm start's, as an operator's would).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBridge, type BridgeService } from './bridge';
import { rotatedOrder, runLoad, warmUp, type LoadSpec } from './load';
import { parseEnvPairs } from './options';
import { createDatabase } from './postgres';
import { ensureBuilt, ROOT, startEmulator, type EmulatorService } from './processes';
import { bridgeFixture, registerUser, waitLinked } from './setup';
import { benchCommand } from './scenarios/command';
import { median, runTool, withPostgres } from './tool';
import { EventSequence } from './webhook-events';

const log = (line: string) => process.stderr.write(`${line}\n`);
const CALLS = ['get', 'put', 'webhook'] as const;
type Call = (typeof CALLS)[number];

async function loadFor(call: Call, bridge: BridgeService, title: string, emulator: EmulatorService, connections: number, durationSec: number): Promise<LoadSpec> {
  const account = await registerUser(bridge.url, `compare-${title.replace(/\W+/g, '-')}-${Date.now()}@bench.example`);
  await waitLinked(bridge.url, account);
  const ids = await bridgeFixture(bridge.url, emulator, account);
  const common = { title, connections, durationSec, cpuOf: { bridge: bridge.pid } };
  const authorization = `Bearer ${account.accessToken}`;
  if (call === 'get') return { ...common, url: `${bridge.url}/v1/homes/${ids.homeId}`, headers: { authorization } };
  if (call === 'put') {
    return { ...common, url: `${bridge.url}/v1/devices/${ids.deviceId}/command`, method: 'PUT', body: JSON.stringify(benchCommand()), headers: { authorization, 'content-type': 'application/json' } };
  }
  const events = new EventSequence(bridge, { homeId: ids.homeId, deviceId: ids.deviceId }, (seq) => ({ build: title, seq }));
  return { ...common, url: bridge.url, setupRequest: events.setupRequest };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      dist: { type: 'string' },
      call: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      env: { type: 'string', multiple: true },
      'base-env': { type: 'string', multiple: true },
    },
  });
  const settings = { 'this build': parseEnvPairs(values.env ?? [], '--env'), base: parseEnvPairs(values['base-env'] ?? [], '--base-env') };
  const settingsGiven = values.env !== undefined || values['base-env'] !== undefined;
  if (!values.base && !settingsGiven) throw new Error('--base <dist directory of the build to compare with> is required (or --env / --base-env to compare settings of one build)');
  const call = (values.call ?? 'get') as Call;
  if (!CALLS.includes(call)) throw new Error(`--call is one of ${CALLS.join(', ')}`);
  const rounds = Number(values.rounds ?? 12);
  const durationSec = Number(values.duration ?? 3);
  const connections = Number(values.connections ?? 50);
  ensureBuilt(log);
  const logDir = join(ROOT, 'bench', 'results', 'logs');

  await withPostgres(async (postgres, running) => {
    const emulator = await startEmulator(logDir);
    running.push(emulator);
    const builds = { 'this build': values.dist, base: values.base ?? values.dist };
    const slots = ['this build', 'base', 'base', 'this build'] as const;
    const specs: (LoadSpec & { build: (typeof slots)[number] })[] = [];
    for (const [index, build] of slots.entries()) {
      const databaseUrl = await createDatabase(postgres, `bridge_compare_${index}`);
      const bridge = await startBridge({ name: `bridge-compare-${index}`, emulator, databaseUrl, logDir, dist: builds[build], extraEnv: settings[build] });
      running.push(bridge);
      const title = `${build} #${specs.filter((spec) => spec.build === build).length + 1}`;
      specs.push({ ...(await loadFor(call, bridge, title, emulator, connections, durationSec)), build });
    }
    for (const spec of specs) await warmUp(spec, 4);
    const cpu = new Map<string, number[]>(specs.map((spec) => [spec.title, []]));
    for (let round = 0; round < rounds; round++) {
      const order = rotatedOrder(specs.length, round).map((index) => specs[index]!);
      const line: string[] = [];
      for (const spec of order) {
        const result = await runLoad(spec);
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${spec.title}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
        const perRequest = result.cpuMsPerRequest.bridge ?? Number.NaN;
        cpu.get(spec.title)?.push(perRequest);
        line.push(`${spec.title} ${perRequest.toFixed(3)} ms (${result.rps} req/s)`);
      }
      log(`  round ${round + 1}: ${line.join(', ')}`);
    }
    // Per round, each build's mean over its two processes; then the median over the rounds.
    const perRound = (build: string) => Array.from({ length: rounds }, (_, round) => {
      const mine = specs.filter((spec) => spec.build === build).map((spec) => cpu.get(spec.title)?.[round] ?? Number.NaN);
      return mine.reduce((sum, value) => sum + value, 0) / mine.length;
    });
    const ratios = (a: number[], b: number[]) => a.map((value, round) => value / (b[round] ?? Number.NaN));
    const [mine, base] = [perRound('this build'), perRound('base')];
    const [mine1, mine2, base1, base2] = ['this build #1', 'this build #2', 'base #1', 'base #2'].map((title) => cpu.get(title) ?? []) as [number[], number[], number[], number[]];
    console.log(`${call}, ${connections} connections, ${rounds} rounds of ${durationSec} s per process, two processes per build`);
    for (const spec of specs) console.log(`  ${spec.title}: CPU ms/request median ${median(cpu.get(spec.title) ?? []).toFixed(3)}`);
    console.log(`CPU ms/request, median: this build ${median(mine).toFixed(3)}, base ${median(base).toFixed(3)}`);
    console.log(`this build / base, median of the rounds' ratios: ${median(ratios(mine, base)).toFixed(3)}`);
    console.log(`noise floor, one process / the other of the same build: this build ${median(ratios(mine1, mine2)).toFixed(3)}, base ${median(ratios(base1, base2)).toFixed(3)}`);
  });
}

runTool(main);
