// `--update-docs`: replaces the generated sections of docs/benchmarks.md (between their markers)
// with this run's tables, machine and date; the prose around them is written by hand. Only the
// sections of what ran are replaced: a run of `--only scale` leaves the other tables as they are,
// a run without scale leaves the scale curves, and each scale curve has a section of its own (with
// its own date), so `--scale link` replaces the link curve alone. Scale curves also get their
// charts written to docs/benchmarks/<curve id>.svg, referenced under each table.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderChart } from './charts';
import type { Report } from './report';
import { renderCurves, renderReport } from './table';

const RESULTS = { start: '<!-- bench:results:start -->', end: '<!-- bench:results:end -->' };
const SCALE = { start: '<!-- bench:scale:start -->', end: '<!-- bench:scale:end -->' };

export interface DocsSections {
  /** The non-scale scenarios ran: replace the results section. */
  results: boolean;
  /** The scale scenario ran: replace the sections of the curves it measured and write their charts. */
  scale: boolean;
}

function replaceSection(text: string, markers: { start: string; end: string }, body: string, path: string): string {
  const from = text.indexOf(markers.start);
  const to = text.indexOf(markers.end);
  if (from < 0 || to < from) throw new Error(`${path} has no ${markers.start} ... ${markers.end} section`);
  return text.slice(0, from) + [markers.start, body, markers.end].join('\n') + text.slice(to + markers.end.length);
}

const curveMarkers = (id: string) => ({ start: `<!-- bench:curve:${id}:start -->`, end: `<!-- bench:curve:${id}:end -->` });

/** Replaces the curve's own section inside the scale section; a curve shown for the first time goes at its end. */
function replaceCurve(text: string, id: string, body: string, path: string): string {
  const markers = curveMarkers(id);
  if (text.includes(markers.start)) return replaceSection(text, markers, body, path);
  const end = text.indexOf(SCALE.end);
  if (end < 0 || text.indexOf(SCALE.start) > end) throw new Error(`${path} has no ${SCALE.start} ... ${SCALE.end} section`);
  return `${text.slice(0, end)}${[markers.start, body, markers.end].join('\n')}\n\n${text.slice(end)}`;
}

export async function updateDocs(path: string, report: Report, command: string, sections: DocsSections): Promise<void> {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  let text = readFileSync(path, 'utf8');
  const m = report.machine;
  const measured = `Measured ${report.date.slice(0, 16).replace('T', ' ')} UTC with \`${command}\` on ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}.`;
  if (sections.results) {
    text = replaceSection(text, RESULTS, [measured, '', ...report.notes.map((note) => `- ${note}`), '', renderReport(report, 'markdown', { scale: false })].join('\n'), path);
  }
  const curves = report.figures.scale ?? [];
  if (sections.scale && curves.length > 0) {
    const chartDir = join(dirname(path), 'benchmarks');
    mkdirSync(chartDir, { recursive: true });
    for (const curve of curves) {
      writeFileSync(join(chartDir, `${curve.id}.svg`), `${await renderChart(curve)}\n`);
      const body = [measured, '', renderCurves([curve], 'markdown', () => `![${curve.title}](benchmarks/${curve.id}.svg)`)].join('\n');
      text = replaceCurve(text, curve.id, body, path);
    }
  }
  writeFileSync(path, text);
}
