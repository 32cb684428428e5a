/**
 * `npm run bench`: starts the MODE emulator, PostgreSQL, the bridge and a bare proxy on loopback,
 * drives them with autocannon, and prints the figures side by side (and writes them as JSON).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startBridge, type BridgeService } from './bridge';
import type { BenchContext, BenchSettings } from './context';
import { updateDocs } from './docs-update';
import { machineBusy, waitForIdle } from './idle';
import { renderChart } from './charts';
import { readOptions, type BenchOptions } from './options';
import { postgresAvailable, startPostgres, type PostgresCluster, createDatabase as createClusterDatabase } from './postgres';
import { ensureBuilt, ROOT, startBareProxy, startEmulator, type EmulatorService, type Service } from './processes';
import { buildReport, machine, writeReport, type Figures } from './report';
import { heapOf, sampleRss } from './rss';
import { loginScenario } from './scenarios/login';
import { loginFormatsScenario } from './scenarios/login-formats';
import { proxyScenario } from './scenarios/proxy';
import type { Curve, ScaleEnv } from './scenarios/scale/curve';
import { SCALE_RUNNERS } from './scenarios/scale';
import { pgliteRaw, postgresRaw, webhookScenario } from './scenarios/webhook';
import { bridgeRoutes, missing, ROUTES } from './setup';
import { startScript } from './start-command';
import { renderReport } from './table';

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
    `Bridge: compiled dist/src/server.js started with npm start's command (${startScript()}), NODE_ENV=production, LOG_LEVEL=warn, rate limits off, BACKGROUND_JOBS=true; the emulator runs in its own process.`,
    'Latency percentiles come from every response time (float ms), not autocannon\'s whole-millisecond histogram.',
  ];
  log(`mode-bridge bench: ${settings.durationSec} s per run, ${settings.connections} connections, scenarios: ${[...only].join(', ')}`);
  log(`machine: ${m.cpu}, ${m.cores} cores, node ${m.node}. ${notes[0]}`);
  ensureBuilt(log);
  const busyAtStart = options.waitIdleSec > 0 ? await waitForIdle(options.waitIdleSec, log) : await machineBusy();
  if (busyAtStart !== undefined) notes.push(`Machine CPU busy before the run (other work): ${Math.round(busyAtStart * 100)}%.`);

  const figures: Figures = { webhook: [], skipped: [], idleRssMb: {}, idleHeap: {} };
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
    if (only.has('login-formats') && !mainDb) figures.skipped.push('login-formats: needs PostgreSQL (its users are imported with npm run import-users while the bridge runs, which PGlite does not allow)');
    if (only.has('proxy') || only.has('login') || (only.has('login-formats') && mainDb) || (only.has('webhook') && mainDb)) {
      const bridge = await startBridge({ name: `bridge-${mainDb ? 'postgresql' : 'pglite'}`, emulator, databaseUrl: mainDb, logDir, cpuProfileDir, extraEnv: options.bridgeEnv, dist: options.bridgeDist });
      running.push(bridge);
      const bare = only.has('proxy') ? await startBareProxy(emulator.url, logDir, 64) : undefined;
      const expressProxy = only.has('proxy') ? await startBareProxy(emulator.url, logDir, 64, 'express') : undefined;
      running.push(...[bare, expressProxy].filter((service): service is Service => service !== undefined));
      const ctx = context(settings, emulator, bridge, bare, expressProxy);
      figures.mainDatabase = bridge.database;
      figures.idleRssMb[bridge.database] = ctx.bridgeRss.firstMb();
      figures.idleHeap[bridge.database] = await heapOf(bridge.url);
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
        figures.login = await loginScenario(ctx, { users: options.users, proxiedConnections: options.loginProxied, useHome });
      }
      if (only.has('login-formats') && mainDb) {
        log('logins per stored password format');
        figures.loginFormats = await loginFormatsScenario(ctx, { databaseUrl: mainDb, loginsPerFormat: options.formatLogins });
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
      const bridge = await startBridge({ name: 'bridge-pglite', emulator, logDir, cpuProfileDir, extraEnv: options.bridgeEnv, dist: options.bridgeDist });
      running.push(bridge);
      const ctx = context(settings, emulator, bridge);
      figures.idleRssMb[bridge.database] = ctx.bridgeRss.firstMb();
      figures.idleHeap[bridge.database] = await heapOf(bridge.url);
      figures.webhook.push(await webhookScenario(ctx, pgliteRaw(ctx)));
      ctx.bridgeRss.stop();
      await stopFrom(1);
    }
    if (only.has('scale') && !postgres) figures.skipped.push('scale: needs PostgreSQL (its curves grow a PostgreSQL database and run the admin scripts beside the bridge)');
    else if (only.has('scale') && postgres) {
      const env: ScaleEnv = {
        settings,
        emulator,
        postgres,
        logDir,
        cpuProfileDir,
        bridgeEnv: options.bridgeEnv,
        bridgeDist: options.bridgeDist,
        log,
      };
      figures.scale = await scaleScenario(env, options, figures.skipped);
      if (figures.scale.length === 0) figures.skipped.push('scale: no curve could be measured');
      const chartDir = join(resultsDir, 'charts');
      mkdirSync(chartDir, { recursive: true });
      for (const curve of figures.scale) writeFileSync(join(chartDir, `${curve.id}.svg`), `${await renderChart(curve)}\n`);
    }
  } finally {
    await stopFrom(0);
  }

  const report = buildReport(figures, { ...settings, users: options.users, loginProxied: options.loginProxied, formatLogins: options.formatLogins, bridgeEnv: options.bridgeEnv, bridgeDist: options.bridgeDist, bridgeStart: startScript(), postgres: postgresSettings }, notes);
  writeReport(report, options.out);
  const markdown = renderReport(report, 'markdown');
  writeFileSync(options.out.replace(/\.json$/, '') + '.md', `${markdown}\n`);
  console.log(`\n${renderReport(report, 'text')}\n\n${notes.join('\n')}\nmachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, node ${m.node}`);
  console.log(`results: ${options.out}`);
  if (options.updateDocs) {
    const sections = { results: [...only].some((name) => name !== 'scale'), scale: only.has('scale') };
    await updateDocs(join(ROOT, 'docs', 'benchmarks.md'), report, recordedCommand(process.argv.slice(2)), sections);
    console.log(`docs/benchmarks.md updated (${Object.entries(sections).filter(([, on]) => on).map(([name]) => name).join(' and ')} section)`);
  }
}

/** The command as the docs show it: without --update-docs and where this run's files went (--out). */
function recordedCommand(args: string[]): string {
  const kept = args.filter((arg, index) => arg !== '--update-docs' && arg !== '--out' && args[index - 1] !== '--out' && !arg.startsWith('--out='));
  return `npm run bench -- ${kept.join(' ')}`.trim();
}

let postgresSettings: Record<string, string> | undefined;

/** Each chosen curve in turn; one that fails is reported as not measured and the next one runs. */
async function scaleScenario(env: ScaleEnv, options: BenchOptions, skipped: string[]): Promise<Curve[]> {
  const curves: Curve[] = [];
  for (const name of options.scale.runners) {
    const runner = SCALE_RUNNERS.find((candidate) => candidate.name === name);
    if (!runner) continue;
    const points = options.scale.points[name] ?? runner.defaultPoints;
    const started = Date.now();
    log(`scale: ${name} at ${points.join(', ')}`);
    try {
      curves.push(await runner.run(env, points));
      log(`  ${name}: ${Math.round((Date.now() - started) / 1000)} s`);
    } catch (error) {
      const reason = `scale ${name}: failed: ${error instanceof Error ? error.message : String(error)}`;
      skipped.push(reason);
      log(`  ${reason}`);
    }
  }
  return curves;
}

async function createDatabase(cluster: PostgresCluster, name: string): Promise<string> {
  postgresSettings = cluster.settings;
  return createClusterDatabase(cluster, name);
}

function context(settings: BenchSettings, emulator: EmulatorService, bridge: BridgeService, bare?: Service, expressProxy?: Service): BenchContext {
  return { settings, emulator, bridge, bare, expressProxy, bridgeRss: sampleRss(bridge.pid), log };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
