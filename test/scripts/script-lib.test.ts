import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireEmbeddedLock, EmbeddedDatabaseLockedError, lockFileOf } from '../../src/db/embedded-lock';
import { runBatch } from '../../scripts/lib/batch';
import { helpText, parseCli, UsageError, type CliSpec } from '../../scripts/lib/cli';
import { concurrencyForRate, modePace, modePaceOptions } from '../../scripts/lib/mode-pace';
import { createProgress } from '../../scripts/lib/progress';
import { formatSummary, formatTable } from '../../scripts/lib/summary';
import { tempDir } from '../fixtures/admin';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runBatch', () => {
  test('when items run with a concurrency of 3, then never more than 3 are in flight and all finish', async () => {
    let inFlight = 0;
    let peak = 0;
    const result = await runBatch({
      items: Array.from({ length: 20 }, (_, i) => i),
      concurrency: 3,
      work: async () => {
        peak = Math.max(peak, (inFlight += 1));
        await sleep(2);
        inFlight -= 1;
      },
    });
    expect(result).toMatchObject({ succeeded: 20, failed: 0, stopped: false });
    expect(peak).toBe(3);
  });

  test('when some items fail, then the others still run and the failures are reported with their items', async () => {
    const ticks: number[] = [];
    const result = await runBatch({
      items: (async function* () {
        for (let i = 0; i < 6; i += 1) yield i;
      })(),
      concurrency: 2,
      work: async (item) => {
        if (item % 3 === 0) throw new Error(`bad ${item}`);
      },
      progress: { setTotal: () => undefined, increment: () => void ticks.push(1), log: () => undefined, stop: () => undefined },
    });
    expect(result).toMatchObject({ succeeded: 4, failed: 2 });
    expect(result.errors.map((e) => e.item).sort()).toEqual([0, 3]);
    expect(ticks).toHaveLength(6);
  });

  test('when the signal aborts, then no new item starts and the ones in flight finish', async () => {
    const controller = new AbortController();
    const finished: number[] = [];
    const result = await runBatch({
      items: Array.from({ length: 100 }, (_, i) => i),
      concurrency: 2,
      signal: controller.signal,
      work: async (item) => {
        if (item === 3) controller.abort();
        await sleep(1);
        finished.push(item);
      },
    });
    expect(result.stopped).toBe(true);
    expect(finished.length).toBeLessThanOrEqual(5);
    expect(finished).toContain(3);
  });

  test('when a rate is set, then starts are spaced to it', async () => {
    // All five workers ask at the same instant: the first starts at once, each next one 20 ms later.
    const waits: number[] = [];
    const clock = { now: () => 1_000, sleep: async (ms: number) => void waits.push(ms) };
    let started = 0;
    await runBatch({ items: [1, 2, 3, 4, 5], concurrency: 5, ratePerSecond: 50, clock, work: async () => void (started += 1) });
    expect(started).toBe(5);
    expect(waits).toEqual([20, 40, 60, 80]);
  });
});

describe('progress', () => {
  test('when stderr is not a terminal, then plain lines come at most once per interval, and a last one at the end', () => {
    const lines: string[] = [];
    let now = 0;
    const progress = createProgress({ label: 'import', total: 10, stream: { write: (text: string) => lines.push(text) }, intervalMs: 1000, now: () => now });
    for (let i = 0; i < 10; i += 1) {
      now += 300;
      progress.increment();
    }
    progress.log('line 4: bad email');
    progress.stop();
    expect(lines).toEqual(['import: 4/10 (40%) after 1.2s\n', 'import: 8/10 (80%) after 2.4s\n', 'line 4: bad email\n', 'import: 10/10 (100%) after 3.0s\n']);
    expect(lines.join('')).not.toContain('\x1b');
  });

  test('when there was nothing to do, then the last line says so instead of a bare count', () => {
    const lines: string[] = [];
    const progress = createProgress({ label: 'rotate', total: 0, stream: { write: (text: string) => lines.push(text) }, now: () => 0 });
    progress.stop();
    expect(lines).toEqual(['rotate: nothing to do\n']);
  });

  test('when stderr is a terminal, then the first frame shows no ETA and later ones a readable one', () => {
    const frames: string[] = [];
    const stream = { isTTY: true, write: (text: string) => frames.push(text), cursorTo: () => true, clearLine: () => true, moveCursor: () => true, columns: 120, on: () => undefined, removeListener: () => undefined };
    const progress = createProgress({ label: 'link', total: 4, stream });
    progress.increment();
    progress.stop();
    const text = frames.join('');
    expect(text).toContain('link [');
    expect(text).toContain('1/4');
    expect(text).not.toMatch(/NF|NaN|Infinity/);
  });
});

describe('command line parsing', () => {
  const spec: CliSpec = {
    name: 'demo',
    summary: 'A demo.',
    usage: '<file> [--dry-run] [--format <csv|jsonl>]',
    positionals: { min: 1, max: 1 },
    options: { 'dry-run': { type: 'boolean', description: 'Change nothing' }, format: { type: 'string', value: '<csv|jsonl>', description: 'The format' } },
  };

  test('when flags and arguments are right, then they are parsed', () => {
    expect(parseCli(spec, ['a.csv', '--dry-run', '--format', 'csv'])).toEqual({ values: { 'dry-run': true, format: 'csv' }, positionals: ['a.csv'] });
    expect(parseCli(spec, ['--help'])).toBeUndefined();
  });

  test('when a flag is unknown or an argument is missing or extra, then a usage error', () => {
    expect(() => parseCli(spec, ['a.csv', '--dryrun'])).toThrow(UsageError);
    expect(() => parseCli(spec, [])).toThrow(/missing argument/);
    expect(() => parseCli(spec, ['a', 'b'])).toThrow(/unexpected argument "b"/);
  });

  test('when help is printed, then it lists every option and the exit codes', () => {
    const text = helpText(spec);
    expect(text).toContain('Usage: npm run demo -- <file>');
    expect(text).toMatch(/--format <csv\|jsonl>\s+The format/);
    expect(text).toMatch(/-h, --help/);
    expect(text).toContain('130  interrupted');
  });

  test('when a summary is formatted, then labels are aligned', () => {
    expect(formatSummary('Done', [['imported', 3], ['skipped (existing)', 1]])).toBe('Done\n  imported            3\n  skipped (existing)  1\n');
  });

  test('when a table is formatted, then columns are padded to their widest cell and lines carry no trailing blanks', () => {
    expect(formatTable(['id', 'topic', 'error'], [['1', 'notify.email', 'HTTP 500'], ['12', 'x', '']])).toBe(
      '  id  topic         error\n  1   notify.email  HTTP 500\n  12  x\n',
    );
  });
});

describe('embedded database lock', () => {
  const holder = (pid: number, host = hostname()) => JSON.stringify({ pid, hostname: host, owner: 'the mode-bridge server', startedAt: '2026-01-01T00:00:00.000Z' });

  test('when the directory is free, then the lock is taken with this PID and released afterwards', () => {
    const dir = tempDir();
    const lock = acquireEmbeddedLock(dir, 'a test');
    expect(JSON.parse(readFileSync(lockFileOf(dir), 'utf8'))).toMatchObject({ pid: process.pid, owner: 'a test' });
    lock.release();
    expect(existsSync(lockFileOf(dir))).toBe(false);
  });

  test('when a live process of this host holds it, then it is refused whatever the options', () => {
    const dir = tempDir();
    writeFileSync(lockFileOf(dir), holder(process.ppid));
    expect(() => acquireEmbeddedLock(dir, 'a script')).toThrow(EmbeddedDatabaseLockedError);
    expect(() => acquireEmbeddedLock(dir, 'the server', { foreignHost: 'take-over' })).toThrow(/use the admin API/);
  });

  test('when the holder is gone, then the stale lock is taken over', () => {
    const dir = tempDir();
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(lockFileOf(dir), holder(gone));
    const lock = acquireEmbeddedLock(dir, 'a script');
    expect(lock.holder.pid).toBe(process.pid);
    lock.release();
  });

  test('when another host holds it, then scripts refuse and the server takes over with a warning', () => {
    const dir = tempDir();
    writeFileSync(lockFileOf(dir), holder(1, 'another-container'));
    expect(() => acquireEmbeddedLock(dir, 'a script')).toThrow(/delete .*server\.lock/);
    const warnings: unknown[] = [];
    const lock = acquireEmbeddedLock(dir, 'the server', { foreignHost: 'take-over', logger: { warn: (...args: unknown[]) => void warnings.push(args) } as never });
    expect(warnings).toHaveLength(1);
    lock.release();
  });

  test('when released after someone else took the file over, then their lock is left alone', () => {
    const dir = tempDir();
    const lock = acquireEmbeddedLock(dir, 'a script');
    writeFileSync(lockFileOf(dir), holder(process.ppid));
    lock.release();
    expect(existsSync(lockFileOf(dir))).toBe(true);
  });

  test('when the database is in memory, then no lock file is written', () => {
    const lock = acquireEmbeddedLock('memory://', 'a test');
    expect(existsSync(join('memory:', 'server.lock'))).toBe(false);
    lock.release();
  });
});

describe('MODE pacing flags', () => {
  const spec: CliSpec = { name: 'paced', summary: 'x', usage: '', options: modePaceOptions('Things') };
  const pace = (...argv: string[]) => modePace(parseCli(spec, argv)!);

  test('when --concurrency is left out, then it follows --rate, from 4 to 32 in flight', () => {
    expect(pace()).toEqual({ ratePerSecond: 10, concurrency: 4, attempts: 3 });
    expect(pace('--rate', '50').concurrency).toBe(13);
    expect(pace('--rate', '100').concurrency).toBe(25);
    expect(pace('--rate', '200').concurrency).toBe(32);
    expect(concurrencyForRate(1)).toBe(4);
  });

  test('when --concurrency is given, then it wins over the rate, within 1-32', () => {
    expect(pace('--rate', '100', '--concurrency', '2')).toEqual({ ratePerSecond: 100, concurrency: 2, attempts: 3 });
    expect(() => pace('--concurrency', '33')).toThrow(UsageError);
    expect(() => pace('--rate', '0')).toThrow(UsageError);
  });
});
