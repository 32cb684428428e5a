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
      format: `${options.label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
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
    const seconds = Math.max(1, Math.round((now() - started) / 1000));
    const share = total > 0 ? ` (${Math.floor((value / total) * 100)}%)` : '';
    stream.write(`${options.label}: ${value}${total > 0 ? `/${total}` : ''}${share}, ${seconds}s\n`);
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
