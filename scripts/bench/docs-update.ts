// `--update-docs`: replaces the generated section of docs/benchmarks.md (between the two markers)
// with this run's tables, machine and date; the prose around it is written by hand.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Report } from './report';
import { renderReport } from './table';

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

export function updateDocs(path: string, report: Report, command: string): void {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  const text = readFileSync(path, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path} has no ${START} ... ${END} section`);
  const m = report.machine;
  const section = [
    START,
    `Measured ${report.date.slice(0, 16).replace('T', ' ')} UTC with \`${command}\` on ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}.`,
    '',
    ...report.notes.map((note) => `- ${note}`),
    '',
    renderReport(report, 'markdown'),
    END,
  ].join('\n');
  writeFileSync(path, text.slice(0, from) + section + text.slice(to + END.length));
}
