// Renders a report as plain-text tables (the console) or Markdown tables (docs/benchmarks.md).
import type { Report } from './report';
import type { Curve } from './scenarios/scale/curve';
import { MAX_WARM_UP_SEC, TARGETS } from './scenarios/proxy';

export type Format = 'text' | 'markdown';

export function render(format: Format, header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  if (format === 'markdown') {
    const line = (row: string[]) => `| ${row.join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...cells.slice(1).map(line)].join('\n');
  }
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const targetNames = { direct: 'direct to MODE', bare: 'bare proxy', express: 'Express proxy', bridge: 'bridge' };

const headingOf = (format: Format) => (text: string) => (format === 'markdown' ? `### ${text}` : `== ${text}`);

/** Figures as they are printed: whole numbers as they are, fractions to 3 significant digits. */
function cell(value: number | undefined): string {
  if (value === undefined) return '-';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(Math.max(3, Math.floor(Math.log10(Math.abs(value))) + 1))));
}

/** One table per curve (x, then every value), its notes, then its goals; `chartOf` adds the chart's image under its table. */
export function renderCurves(curves: Curve[], format: Format, chartOf?: (curve: Curve) => string): string {
  const heading = headingOf(format);
  const parts: string[] = [];
  for (const curve of curves) {
    const series = [...new Set(curve.points.flatMap((point) => Object.keys(point.values)))];
    parts.push(heading(curve.title));
    parts.push(render(format, [curve.xLabel, ...series], curve.points.map((point) => [point.x, ...series.map((name) => cell(point.values[name]))])));
    if (chartOf) parts.push(chartOf(curve));
    if (curve.notes.length > 0) parts.push(curve.notes.map((note) => `- ${note}`).join('\n'));
    if (curve.goals.length > 0) parts.push(render(format, ['goal', 'measured', 'verdict'], curve.goals.map((goal) => [goal.goal, goal.measured, goal.pass ? 'PASS' : 'MISS'])));
  }
  return parts.join('\n\n');
}

/** The report without the scale curves (`scale: false`), as the generated results section shows it. */
export function renderReport(report: Report, format: Format, options: { scale?: boolean } = {}): string {
  const { figures } = report;
  const heading = headingOf(format);
  const parts: string[] = [];
  if (figures.proxy) {
    const rows = figures.proxy.calls.flatMap((c) =>
      TARGETS.map((t) => [c.call, targetNames[t], c.loaded[t].rps, c.loaded[t].latencyMs.p50, c.loaded[t].latencyMs.p99, c.single[t].latencyMs.p50, c.single[t].latencyMs.p99, c.loaded[t].cpuMsPerRequest.proxy ?? '-', c.loaded[t].cpuMsPerRequest.emulator ?? '-']),
    );
    const conns = figures.proxy.calls[0]?.loaded.bridge.connections ?? 0;
    const rounds = figures.proxy.rounds ?? 1;
    parts.push(heading(`Proxy overhead (${conns} connections; and 1 connection)${rounds > 1 ? `, the four targets measured in ${rounds} interleaved rounds` : ''}`));
    parts.push(render(format, ['call', 'path', 'req/s', 'p50 ms', 'p99 ms', 'p50 ms (1 conn)', 'p99 ms (1 conn)', 'proxy CPU ms/req', 'MODE CPU ms/req'], rows));
    // Older result files have no warm-up figures.
    const warmRows = figures.proxy.calls.flatMap((c) => (c.warmUp ? TARGETS.map((t) => [c.call, targetNames[t], c.warmUp[t].seconds, c.warmUp[t].steady ? 'yes' : 'no', c.warmUp[t].slices.join(', ')]) : []));
    if (warmRows.length > 0) {
      parts.push(heading(`Proxy warm-up: load in 2 s slices until three in a row are no faster than the best before them (at most ${MAX_WARM_UP_SEC} s), then the figures above`));
      parts.push(render(format, ['call', 'path', 'warm-up s', 'steady', 'req/s per slice'], warmRows));
    }
  }
  if (figures.webhook.length > 0) {
    parts.push(heading('Webhook ingest (signed, distinct events)'));
    const rows = figures.webhook.map((w) => [w.database, w.ingest.rps, w.ingest.latencyMs.p50, w.ingest.latencyMs.p99, w.raw.perSecond, (w.ingest.rps / w.raw.perSecond).toFixed(2), w.ingest.cpuMsPerRequest.bridge ?? '-', w.ingest.non2xx]);
    parts.push(render(format, ['database', 'events/s', 'p50 ms', 'p99 ms', 'raw INSERT rows/s', 'ingest/raw', 'bridge CPU ms/event', 'non-2xx'], rows));
  }
  if (figures.login) {
    const l = figures.login;
    parts.push(heading(`Login storm (${l.loginConnections} login connections; ${l.proxied.call} over ${l.proxied.connections} connections alongside)${(l.rounds ?? 1) > 1 ? `, quiet and storm windows alternated over ${l.rounds} rounds` : ''}`));
    parts.push(
      render(format, ['logins/s', 'login p99 ms', 'proxied req/s alone', 'proxied p50 alone', 'proxied p99 alone', 'proxied req/s storm', 'proxied p50 storm', 'proxied p99 storm', 'p99 storm/alone'], [
        [l.logins.rps, l.logins.latencyMs.p99, l.alone.rps, l.alone.latencyMs.p50, l.alone.latencyMs.p99, l.duringStorm.rps, l.duringStorm.latencyMs.p50, l.duringStorm.latencyMs.p99, (l.duringStorm.latencyMs.p99 / l.alone.latencyMs.p99).toFixed(2)],
      ]),
    );
    const alone = l.loginsAlone;
    parts.push(heading(`Logins alone (${l.loginConnections} connections, before the storm): what one login costs the bridge`));
    parts.push(
      render(format, ['logins/s', 'login p50 ms', 'bridge CPU ms/login', 'event-loop CPU ms/login'], [
        [alone.rps, alone.latencyMs.p50, alone.cpuMsPerRequest.bridge ?? '-', alone.cpuMsPerRequest['bridge event loop'] ?? '-'],
      ]),
    );
  }
  if (figures.loginFormats) {
    const f = figures.loginFormats;
    const baseline = f.runs[0]?.logins.rps ?? 0;
    parts.push(heading(`Logins per stored password format (${f.loginsPerFormat} users each, one login apiece, ${f.connections} connections; a legacy hash is verified, then replaced by argon2id)`));
    const rows = f.runs.map((run) => [run.format, run.params, run.logins.rps, baseline > 0 ? (run.logins.rps / baseline).toFixed(2) : '-', run.logins.latencyMs.p50, run.logins.latencyMs.p99, run.logins.cpuMsPerRequest.bridge ?? '-', run.logins.non2xx]);
    parts.push(render(format, ['stored format', 'parameters', 'logins/s', 'vs argon2id', 'p50 ms', 'p99 ms', 'bridge CPU ms/login', 'non-2xx'], rows));
  }
  // A scale-only run has none of these: no empty tables.
  const ratios = Object.entries(report.ratios);
  if (ratios.length > 0) parts.push(heading('Ratios'), render(format, ['ratio', 'value'], ratios));
  if (Object.keys(report.peakRssMb).length > 0) parts.push(heading('Bridge memory (MB): peak RSS during the scenario; V8 heap and external memory at its end'));
  const memory = Object.entries(report.peakRssMb).map(([name, rss]) => {
    const heap = report.heapAtEnd[name];
    return [name, rss, heap?.heapTotalMb ?? '-', heap?.heapUsedMb ?? '-', heap?.externalMb ?? '-'];
  });
  if (memory.length > 0) parts.push(render(format, ['scenario', 'peak RSS', 'heap total', 'heap used', 'external'], memory));
  if (report.targets.length > 0) {
    parts.push(heading('Targets'));
    parts.push(render(format, ['target', 'goal', 'measured', 'verdict'], report.targets.map((t) => [t.name, `${t.goal} ${t.unit}`, `${t.value} ${t.unit}`, t.pass ? 'PASS' : 'MISS'])));
  }
  if ((options.scale ?? true) && figures.scale && figures.scale.length > 0) parts.push(renderCurves(figures.scale, format));
  if (report.warnings.length > 0) parts.push(`${heading('Warnings')}\n${report.warnings.map((w) => `- ${w}`).join('\n')}`);
  if (figures.skipped.length > 0) parts.push(`${heading('Not measured')}\n${figures.skipped.map((s) => `- ${s}`).join('\n')}`);
  return parts.join('\n\n');
}
