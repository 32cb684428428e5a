// The closing report of a script: aligned "label  value" lines on stdout, or one JSON object
// with --json for automation. Progress and problems go to stderr, so stdout stays clean.

export type SummaryRow = [label: string, value: number | string | boolean];

export interface SummaryOptions {
  json?: boolean;
  stream?: { write(text: string): unknown };
}

export function formatSummary(title: string, rows: SummaryRow[]): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${String(value)}`);
  return `${title}\n${lines.join('\n')}\n`;
}

/** `data` is what --json prints; the rows are the human version of the same facts. */
export function printSummary(title: string, rows: SummaryRow[], data: object, options: SummaryOptions = {}): void {
  const stream = options.stream ?? process.stdout;
  stream.write(options.json ? `${JSON.stringify(data, bigintSafe)}\n` : formatSummary(title, rows));
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** A listing: a header line and one line per row, columns padded to their widest cell. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}`.trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}
