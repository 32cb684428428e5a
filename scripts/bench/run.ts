/**
 * `npm run bench`: starts the MODE emulator, PostgreSQL, the bridge and a bare proxy on loopback,
 * drives them with autocannon, and prints the figures side by side (and writes them as JSON).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBridge, type BridgeService } from './bridge';
import type { BenchContext, BenchSettings } from './context';
import { postgresAvailable, startPostgres, type PostgresCluster } from './postgres';
import { ensureBuilt, ROOT, startBareProxy, startEmulator, type EmulatorService, type Service } from './processes';
import { buildReport, machine, writeReport, type Figures } from './report';
import { sampleRss } from './rss';
import { loginScenario } from './scenarios/login';
import { proxyScenario } from './scenarios/proxy';
import { pgliteRaw, postgresRaw, webhookScenario } from './scenarios/webhook';
import { bridgeRoutes, missing, ROUTES } from './setup';
import { renderReport } from './table';

const SCENARIOS = ['proxy', 'webhook', 'login'] as const;
type Scenario = (typeof SCENARIOS)[number];

const usage = `Usage: npm run bench -- [options]

Measures the bridge's cost side by side in one run: proxied MODE calls (direct / bare proxy / bridge),
webhook ingest (PGlite and PostgreSQL, with each one's raw INSERT rate), logins under load, peak RSS.
Everything runs on loopback: the MODE emulator, a throwaway PostgreSQL 15 cluster, the bridge
(compiled from dist/; rebuilt first when stale) and autocannon in this process.

Options:
  --duration <s>       seconds per measured run (default 10)
  --connections <n>    concurrent connections (default 50)
  --only <list>        comma-separated subset of: ${SCENARIOS.join(', ')} (default all)
  --out <file>         JSON results (default bench/results/latest.json; a .md twin is written beside it)
  --users <n>          accounts logging in during the login storm (default 20)
  --login-rate <n>     steady proxied requests/s during the login scenario (default 200)
  --profile            run the bridge with node --cpu-prof (profiles in bench/results/profiles/;
                       summarize with: npx tsx scripts/bench/profile-summary.ts <file.cpuprofile>)
  --help               show this text`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      users: { type: 'string' },
      'login-rate': { type: 'string' },
      profile: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const only = (values.only ?? SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((name) => !SCENARIOS.includes(name as Scenario));
  if (unknown.length > 0) throw new Error(`--only: unknown scenario ${unknown.join(', ')} (choose from ${SCENARIOS.join(', ')})`);
  const durationSec = positiveInt('duration', values.duration, 10);
  return {
    only: new Set(only as Scenario[]),
    settings: {
      durationSec,
      connections: positiveInt('connections', values.connections, 50),
      singleDurationSec: Math.max(2, Math.round(durationSec / 2)),
      warmUpSec: durationSec >= 5 ? 2 : 1,
    } satisfies BenchSettings,
    out: resolve(values.out ?? join(ROOT, 'bench', 'results', 'latest.json')),
    users: positiveInt('users', values.users, 20),
    loginRate: positiveInt('login-rate', values['login-rate'], 200),
    profile: values.profile ?? false,
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const options = readOptions();
  const { settings, only } = options;
  const resultsDir = dirname(options.out);
  const logDir = join(resultsDir, 'logs');
  const cpuProfileDir = options.profile ? join(resultsDir, 'profiles') : undefined;
  const m = machine();
  const notes = [
    `${m.cores} cores shared by autocannon (this process), the bridge, the MODE emulator, the bare proxy and PostgreSQL: figures are relative, compare them within one run.`,
    'Bridge: compiled dist/src/server.js, NODE_ENV=production, LOG_LEVEL=warn, rate limits off, BACKGROUND_JOBS=true; the emulator runs in its own process.',
    'Latency percentiles come from every response time (float ms), not autocannon\'s whole-millisecond histogram.',
  ];
  log(`mode-bridge bench: ${settings.durationSec} s per run, ${settings.connections} connections, scenarios: ${[...only].join(', ')}`);
  log(`machine: ${m.cpu}, ${m.cores} cores, node ${m.node}. ${notes[0]}`);
  ensureBuilt(log);

  const figures: Figures = { webhook: [], skipped: [] };
  const running: Service[] = [];
  let postgres: PostgresCluster | undefined;
  /** Stops the services started since `mark` (latest first); 0 stops everything, PostgreSQL too. */
  const stopFrom = async (mark: number) => {
    for (const service of running.splice(mark).reverse()) await service.stop().catch(() => undefined);
    if (mark === 0) {
      postgres?.stop();
      postgres = undefined;
    }
  };
  process.once('SIGINT', () => void stopFrom(0).then(() => process.exit(130)));

  try {
    const emulator = await startEmulator(logDir);
    running.push(emulator);
    if (postgresAvailable()) {
      postgres = await startPostgres();
      log(`PostgreSQL 15 at ${postgres.url}`);
    } else {
      figures.skipped.push('PostgreSQL: no server binaries at /usr/lib/postgresql/15/bin (set PG_BIN); PostgreSQL runs skipped, proxy and login ran on PGlite');
    }

    // Proxy and login run on PostgreSQL, as in production; webhook ingest on both databases.
    const mainDb = postgres ? await createDatabase(postgres, 'bridge_bench') : undefined;
    if (only.has('proxy') || only.has('login') || (only.has('webhook') && mainDb)) {
      const bridge = await startBridge({ name: `bridge-${mainDb ? 'postgresql' : 'pglite'}`, emulator, databaseUrl: mainDb, logDir, cpuProfileDir });
      running.push(bridge);
      const bare = only.has('proxy') ? await startBareProxy(emulator.url, logDir, 64) : undefined;
      if (bare) running.push(bare);
      const ctx = context(settings, emulator, bridge, bare);
      const routes = await bridgeRoutes(bridge.url);
      const proxyMissing = missing(routes, [ROUTES.createHome, ROUTES.claimDevice, ROUTES.getHome, ROUTES.command]);
      const webhookMissing = missing(routes, [ROUTES.createHome, ROUTES.claimDevice, ROUTES.webhook]);
      if (only.has('proxy') && proxyMissing.length > 0) figures.skipped.push(`proxy: the bridge has no ${proxyMissing.join(', ')}`);
      else if (only.has('proxy')) {
        log('proxy overhead');
        figures.proxy = await proxyScenario(ctx);
      }
      if (only.has('login')) {
        log('login storm');
        const useHome = missing(routes, [ROUTES.createHome, ROUTES.getHome]).length === 0;
        if (!useHome) figures.skipped.push('login: the bridge has no GET /v1/homes/{homeId}; GET /v1/me (no MODE call) stood in for the proxied call');
        figures.login = await loginScenario(ctx, { users: options.users, proxiedRatePerSec: options.loginRate, proxiedConnections: 10, useHome });
      }
      if (only.has('webhook') && webhookMissing.length > 0) figures.skipped.push(`webhook: the bridge has no ${webhookMissing.join(', ')}`);
      else if (only.has('webhook') && mainDb) {
        log('webhook ingest (PostgreSQL)');
        figures.webhook.push(await webhookScenario(ctx, postgresRaw(mainDb, ctx)));
      }
      ctx.bridgeRss.stop();
      await stopFrom(1);
    }
    if (only.has('webhook') && !figures.skipped.some((line) => line.startsWith('webhook:'))) {
      log('webhook ingest (PGlite)');
      const bridge = await startBridge({ name: 'bridge-pglite', emulator, logDir, cpuProfileDir });
      running.push(bridge);
      const ctx = context(settings, emulator, bridge);
      figures.webhook.push(await webhookScenario(ctx, pgliteRaw(ctx)));
      ctx.bridgeRss.stop();
    }
  } finally {
    await stopFrom(0);
  }

  const report = buildReport(figures, { ...settings, users: options.users, loginRate: options.loginRate, postgres: postgresSettings }, notes);
  writeReport(report, options.out);
  const markdown = renderReport(report, 'markdown');
  writeFileSync(options.out.replace(/\.json$/, '') + '.md', `${markdown}\n`);
  console.log(`\n${renderReport(report, 'text')}\n\n${notes.join('\n')}\nmachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, node ${m.node}`);
  console.log(`results: ${options.out}`);
}

let postgresSettings: Record<string, string> | undefined;

async function createDatabase(cluster: PostgresCluster, name: string): Promise<string> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  postgresSettings = cluster.settings;
  return cluster.urlOf(name);
}

function context(settings: BenchSettings, emulator: EmulatorService, bridge: BridgeService, bare?: Service): BenchContext {
  return { settings, emulator, bridge, bare, bridgeRss: sampleRss(bridge.pid), log };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
