import { Presets, SingleBar } from 'cli-progress';

// Progress of long work on stderr: a live bar on a terminal, otherwise (CI, logs, pipes) a plain
// line every few seconds, so a log file shows the run advancing without control characters.

export interface Progress {
  /** Sets or corrects the expected number of items (0 or undefined: unknown). */
  setTotal(total: number | undefined): void;
  increment(by?: number): void;
  /** Writes a line above the bar (a rejected row, a warning) without garbling it. */
  log(line: string): void;
  stop(): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  label: string;
  total?: number;
  stream?: ProgressStream;
  /** Time between plain lines when the stream is not a terminal. */
  intervalMs?: number;
  now?: () => number;
}

export const silentProgress: Progress = {
  setTotal: () => undefined,
  increment: () => undefined,
  log: () => undefined,
  stop: () => undefined,
};

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? terminalBar(options, stream) : plainLines(options, stream);
}

function terminalBar(options: ProgressOptions, stream: ProgressStream): Progress {
  const bar = new SingleBar(
    {
      format: (_options, params) => barLine(options.label, params),
      stream: stream as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  let total = options.total ?? 0;
  let value = 0;
  bar.start(total, 0);
  return {
    setTotal(next) {
      total = next ?? 0;
      bar.setTotal(Math.max(total, value));
    },
    increment(by = 1) {
      value += by;
      if (value > total) bar.setTotal(value);
      bar.increment(by);
    },
    log(line) {
      // Clear the bar's line, print, and let the next update redraw the bar below.
      stream.write(`\r\x1b[2K${line}\n`);
      bar.render();
    },
    stop() {
      bar.stop();
    },
  };
}

function plainLines(options: ProgressOptions, stream: ProgressStream): Progress {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 5_000;
  const started = now();
  let total = options.total ?? 0;
  let value = 0;
  let lastLine = started;
  let stopped = false;
  const line = () => {
    stream.write(`${plainLine(options.label, value, total, now() - started)}\n`);
    lastLine = now();
  };
  return {
    setTotal(next) {
      total = next ?? 0;
    },
    increment(by = 1) {
      value += by;
      if (now() - lastLine >= intervalMs) line();
    },
    log(text) {
      stream.write(`${text}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      line();
    },
  };
}

/** `label [####----] 40% | 4/10 | ETA 12s`; no ETA before the first item, none for an unknown total. */
function barLine(label: string, params: { value: number; total: number; progress: number; eta: number }): string {
  const width = 30;
  const filled = Math.round(Math.min(1, params.progress) * width);
  const gauge = `${'\u2588'.repeat(filled)}${'\u2591'.repeat(width - filled)}`;
  if (params.total <= 0) return `${label} | ${params.value} done`;
  const eta = params.value > 0 && Number.isFinite(params.eta) && params.value < params.total ? ` | ETA ${duration(params.eta * 1000)}` : '';
  return `${label} [${gauge}] ${Math.floor(params.progress * 100)}% | ${params.value}/${params.total}${eta}`;
}

/** `label: 4/10 (40%) after 1.2s`; `label: 4 after 1.2s` for an unknown total; `label: nothing to do`. */
export function plainLine(label: string, value: number, total: number, elapsedMs: number): string {
  if (value === 0 && total === 0) return `${label}: nothing to do`;
  const counted = total > 0 ? `${value}/${total} (${Math.floor((value / total) * 100)}%)` : `${value}`;
  return `${label}: ${counted} after ${duration(elapsedMs)}`;
}

function duration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}
