// Turns the figures into ratios and target verdicts, prints them as tables and writes the JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname } from 'node:path';
import type { LoadResult } from './load';
import type { HeapFigures } from './rss';
import type { LoginFigures } from './scenarios/login';
import type { LoginFormatFigures } from './scenarios/login-formats';
import type { ProxyFigures } from './scenarios/proxy';
import type { Curve } from './scenarios/scale/curve';
import type { WebhookFigures } from './scenarios/webhook';

export interface Figures {
  proxy?: ProxyFigures;
  webhook: WebhookFigures[];
  login?: LoginFigures;
  loginFormats?: LoginFormatFigures;
  /** RSS of each bridge right after start-up (ready, no load yet), by database. */
  /** The database the proxy and login scenarios ran on. */
  mainDatabase?: string;
  idleRssMb: Record<string, number>;
  idleHeap: Record<string, HeapFigures | undefined>;
  /** Scenarios that could not run, with the reason. */
  skipped: string[];
  /** The `scale` scenario's curves, in the order they ran. */
  scale?: Curve[];
}

export interface Target {
  name: string;
  value: number;
  unit: string;
  goal: string;
  pass: boolean;
}

export interface Report {
  date: string;
  machine: { cpu: string; cores: number; memoryGb: number; os: string; node: string };
  settings: Record<string, unknown>;
  notes: string[];
  figures: Figures;
  ratios: Record<string, number>;
  peakRssMb: Record<string, number>;
  /** V8 heap and external memory at the end of each scenario, from the bridge's /metrics. */
  heapAtEnd: Record<string, HeapFigures | undefined>;
  targets: Target[];
  /** Runs whose figures are suspect: errors, non-2xx answers, a busy machine. */
  warnings: string[];
}

const r2 = (value: number) => Math.round(value * 100) / 100;
const r3 = (value: number) => Math.round(value * 1000) / 1000;

export function machine(): Report['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

export function buildReport(figures: Figures, settings: Record<string, unknown>, notes: string[]): Report {
  const ratios: Record<string, number> = {};
  const targets: Target[] = [];
  const peakRssMb: Record<string, number> = {};
  for (const c of figures.proxy?.calls ?? []) {
    const { direct, bare, express, bridge } = c.loaded;
    ratios[`${c.call}: bridge/direct req/s`] = r2(bridge.rps / direct.rps);
    ratios[`${c.call}: bridge/bare req/s`] = r2(bridge.rps / bare.rps);
    ratios[`${c.call}: Express proxy/bare req/s`] = r2(express.rps / bare.rps);
    ratios[`${c.call}: bridge/Express proxy req/s`] = r2(bridge.rps / express.rps);
    const addedVsBare = r3(c.single.bridge.latencyMs.p50 - c.single.bare.latencyMs.p50);
    const addedVsExpress = r3(c.single.bridge.latencyMs.p50 - c.single.express.latencyMs.p50);
    ratios[`${c.call}: added p50 ms vs bare proxy (1 conn)`] = addedVsBare;
    ratios[`${c.call}: added p50 ms vs Express proxy (1 conn)`] = addedVsExpress;
    ratios[`${c.call}: added p50 ms vs direct (1 conn)`] = r3(c.single.bridge.latencyMs.p50 - c.single.direct.latencyMs.p50);
    ratios[`${c.call}: bridge/bare p50 (loaded)`] = r2(bridge.latencyMs.p50 / bare.latencyMs.p50);
    // The floor of any Express service, measured in the same run, is what the bridge is held to.
    targets.push({ name: `${c.call}: bridge throughput vs the Express proxy`, value: r2(bridge.rps / express.rps), unit: 'x', goal: '>= 0.85', pass: bridge.rps / express.rps >= 0.85 });
    targets.push({ name: `${c.call}: p50 the bridge adds over the Express proxy (1 connection)`, value: addedVsExpress, unit: 'ms', goal: '< 0.5', pass: addedVsExpress < 0.5 });
  }
  const heapAtEnd: Record<string, HeapFigures | undefined> = {};
  if (figures.proxy) {
    peakRssMb[`proxy (${figures.mainDatabase})`] = figures.proxy.bridgePeakRssMb;
    heapAtEnd[`proxy (${figures.mainDatabase})`] = figures.proxy.heapAtEnd;
  }
  for (const w of figures.webhook) {
    const ratio = r2(w.ingest.rps / w.raw.perSecond);
    ratios[`webhook ${w.database}: ingest/raw INSERT`] = ratio;
    peakRssMb[`webhook (${w.database})`] = w.bridgePeakRssMb;
    heapAtEnd[`webhook (${w.database})`] = w.heapAtEnd;
    if (w.database === 'postgresql') {
      targets.push({ name: 'webhook ingest on PostgreSQL vs raw INSERT', value: ratio, unit: 'x', goal: '>= 0.35', pass: ratio >= 0.35 });
    }
  }
  if (figures.login) {
    const l = figures.login;
    const ratio = r2(l.duringStorm.latencyMs.p99 / l.alone.latencyMs.p99);
    ratios['login storm: proxied p99 during/alone'] = ratio;
    peakRssMb[`login (${figures.mainDatabase})`] = l.bridgePeakRssMb;
    heapAtEnd[`login (${figures.mainDatabase})`] = l.heapAtEnd;
    targets.push({ name: 'proxied p99 during a login storm vs without', value: ratio, unit: 'x', goal: '<= 1.5', pass: ratio <= 1.5 });
  }
  const baseline = figures.loginFormats?.runs[0];
  for (const run of figures.loginFormats?.runs.slice(1) ?? []) {
    if (baseline && baseline.logins.rps > 0) ratios[`first login, stored ${run.format} (${run.params.split(':')[0]}) / argon2id logins/s`] = r2(run.logins.rps / baseline.logins.rps);
  }
  for (const [database, mb] of Object.entries(figures.idleRssMb)) {
    peakRssMb[`idle after start (${database})`] = mb;
    heapAtEnd[`idle after start (${database})`] = figures.idleHeap[database];
  }
  // One verdict per database: PGlite (the embedded default) carries PostgreSQL inside the process.
  for (const [database, limitMb] of [['postgresql', 200], ['pglite', 220]] as const) {
    const peaks = Object.entries(peakRssMb).filter(([name]) => name.includes(`(${database})`));
    if (peaks.length === 0) continue;
    const peak = Math.max(...peaks.map(([, mb]) => mb));
    targets.push({ name: `bridge peak RSS on ${database} (any scenario)`, value: peak, unit: 'MB', goal: `< ${limitMb}`, pass: peak < limitMb });
  }
  return { date: new Date().toISOString(), machine: machine(), settings, notes, figures, ratios, peakRssMb, heapAtEnd, targets, warnings: warnings(figures) };
}

function allRuns(figures: Figures): LoadResult[] {
  const proxy = (figures.proxy?.calls ?? []).flatMap((c) => [...Object.values(c.loaded), ...Object.values(c.single)]);
  const webhook = figures.webhook.map((w) => w.ingest);
  const login = figures.login ? [figures.login.loginsAlone, figures.login.alone, figures.login.duringStorm, figures.login.logins] : [];
  const formats = figures.loginFormats?.runs.map((run) => run.logins) ?? [];
  return [...proxy, ...webhook, ...login, ...formats];
}

function warnings(figures: Figures): string[] {
  const { cores } = machine();
  const lines: string[] = [];
  for (const run of allRuns(figures)) {
    if (run.non2xx > 0 || run.errors > 0) {
      lines.push(`${run.title}: ${run.non2xx} non-2xx answers (${JSON.stringify(run.statusCodes)}), ${run.errors} connection errors`);
    }
    if ((run.otherCpuShare ?? 0) > 0.1) {
      lines.push(`${run.title}: other work on the machine took ${Math.round((run.otherCpuShare ?? 0) * 100)}% of its ${cores} cores during the run`);
    }
  }
  return lines;
}

export function writeReport(report: Report, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
