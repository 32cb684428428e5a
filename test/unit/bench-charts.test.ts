import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartSpec, renderChart } from '../../scripts/bench/charts';
import { updateDocs } from '../../scripts/bench/docs-update';
import type { Report } from '../../scripts/bench/report';
import type { Curve } from '../../scripts/bench/scenarios/scale/curve';
import { renderCurves } from '../../scripts/bench/table';

// The scale curves' charts and tables: a broken chart would otherwise only show in the docs.

const curve: Curve = {
  id: 'tiny-curve',
  title: 'Tiny curve of page latency',
  xLabel: 'stored events',
  yLabel: 'ms',
  chartSeries: ['first page p99 ms', 'deep page p99 ms'],
  points: [
    { x: 10_000, values: { 'first page p99 ms': 4.5, 'deep page p99 ms': 5.25, 'rows/s': 12 } },
    { x: 100_000, values: { 'first page p99 ms': 4.75, 'deep page p99 ms': 5.5, 'rows/s': 11 } },
    { x: 1_000_000, values: { 'first page p99 ms': 5.5, 'deep page p99 ms': 6.125, 'rows/s': 10 } },
  ],
  goals: [{ goal: 'first page p99: at 1M / at 10k <= 2x', measured: '1.22x', pass: true }],
  notes: ['a note'],
};

/** The <path> elements of the chart's point mark (one per point and charted series). */
function pointMarks(svg: string): number {
  const group = /<g class="mark-symbol role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(svg);
  return group?.[1]?.match(/<path\b/g)?.length ?? 0;
}

describe('bench charts', () => {
  it('renders a curve to an SVG with its title and one point mark per point and series', async () => {
    const svg = await renderChart(curve);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Tiny curve of page latency');
    expect(svg).toContain('stored events');
    expect(pointMarks(svg)).toBe(curve.points.length * curve.chartSeries.length);
  });

  it('puts x on a log scale only when the points span 100x or more', () => {
    const scaleOf = (c: Curve) => JSON.stringify((chartSpec(c) as { encoding: { x: { scale: unknown } } }).encoding.x.scale);
    expect(scaleOf(curve)).toContain('log');
    expect(scaleOf({ ...curve, points: curve.points.slice(0, 2) })).not.toContain('log');
  });

  it('tables every value of every point and the goals with their verdicts', () => {
    const table = renderCurves([curve], 'markdown', (c) => `![${c.title}](benchmarks/${c.id}.svg)`);
    expect(table).toContain('| stored events | first page p99 ms | deep page p99 ms | rows/s |');
    expect(table).toContain('| 1000000 | 5.5 | 6.13 | 10 |');
    expect(table).toContain('![Tiny curve of page latency](benchmarks/tiny-curve.svg)');
    expect(table).toContain('| first page p99: at 1M / at 10k <= 2x | 1.22x | PASS |');
  });

  it('--update-docs after a scale run replaces the sections of the curves it measured, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-docs-'));
    try {
      const doc = join(dir, 'benchmarks.md');
      const section = (id: string, body: string) => [`<!-- bench:curve:${id}:start -->`, body, `<!-- bench:curve:${id}:end -->`];
      writeFileSync(
        doc,
        ['# B', '<!-- bench:scale:start -->', ...section('tiny-curve', 'old tiny curve'), ...section('other-curve', 'kept other curve'), '<!-- bench:scale:end -->', '<!-- bench:results:start -->', 'kept proxy table', '<!-- bench:results:end -->', 'tail'].join('\n'),
      );
      const report = (curves: Curve[]) =>
        ({
          date: '2026-12-01T23:00:00.000Z',
          machine: { cpu: 'cpu', cores: 2, memoryGb: 4, os: 'Linux', node: 'v20' },
          settings: {},
          notes: [],
          figures: { webhook: [], skipped: [], idleRssMb: {}, idleHeap: {}, scale: curves },
          ratios: {},
          peakRssMb: {},
          heapAtEnd: {},
          targets: [],
          warnings: [],
        }) satisfies Report;
      await updateDocs(doc, report([curve]), 'npm run bench -- --only scale --scale tiny', { results: false, scale: true });
      let text = readFileSync(doc, 'utf8');
      expect(text).toContain('kept proxy table');
      expect(text).toContain('kept other curve');
      expect(text).not.toContain('old tiny curve');
      expect(text).toContain('![Tiny curve of page latency](benchmarks/tiny-curve.svg)');
      expect(text).toContain('with `npm run bench -- --only scale --scale tiny`');
      expect(text.endsWith('tail')).toBe(true);
      expect(pointMarks(readFileSync(join(dir, 'benchmarks', 'tiny-curve.svg'), 'utf8'))).toBe(6);

      // A curve the page does not show yet goes at the end of the scale section.
      await updateDocs(doc, report([{ ...curve, id: 'new-curve', title: 'A new curve' }]), 'npm run bench -- --only scale', { results: false, scale: true });
      text = readFileSync(doc, 'utf8');
      expect(text.indexOf('kept other curve')).toBeLessThan(text.indexOf('A new curve'));
      expect(text.indexOf('A new curve')).toBeLessThan(text.indexOf('<!-- bench:scale:end -->'));
      expect(text).toContain('![Tiny curve of page latency](benchmarks/tiny-curve.svg)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
