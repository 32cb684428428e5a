// Samples a process's resident set size every 100 ms from /proc/<pid>/status (VmRSS), falling back
// to `ps` where /proc is missing, keeps the peak per window (one window per scenario), and reads CPU time.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function readRssKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    try {
      return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) || undefined;
    } catch {
      return undefined;
    }
  }
}

export interface RssSampler {
  /** Starts a new window; its peak is what `endWindow` returns, in MB. */
  startWindow(): void;
  endWindow(): number;
  /** Peak over the sampler's whole life, in MB. */
  overallPeakMb(): number;
  /** The first reading, taken when sampling started (the bridge idle after start-up), in MB. */
  firstMb(): number;
  stop(): void;
}

export function sampleRss(pid: number, intervalMs = 100): RssSampler {
  let windowPeak = 0;
  let overallPeak = 0;
  const sample = () => {
    const kb = readRssKb(pid);
    if (kb === undefined) return;
    windowPeak = Math.max(windowPeak, kb);
    overallPeak = Math.max(overallPeak, kb);
  };
  sample();
  const first = overallPeak;
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
  return {
    startWindow: () => {
      windowPeak = 0;
      sample();
    },
    endWindow: () => {
      sample();
      return mb(windowPeak);
    },
    overallPeakMb: () => mb(overallPeak),
    firstMb: () => mb(first),
    stop: () => clearInterval(timer),
  };
}

/** A process, or one of its threads (`tid`: the main thread's is the process ID). */
export type CpuTarget = number | { pid: number; tid: number };

/** A process's main thread, which runs its event loop. */
export const mainThreadOf = (pid: number): CpuTarget => ({ pid, tid: pid });

/** CPU time (user + system) a process or thread has used so far, in ms; undefined where /proc is missing. */
export function cpuTimeMs(target: CpuTarget): number | undefined {
  try {
    const path = typeof target === 'number' ? `/proc/${target}/stat` : `/proc/${target.pid}/task/${target.tid}/stat`;
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3 of stat(5), utime 14 and stime 15, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export interface HeapFigures {
  heapTotalMb: number;
  heapUsedMb: number;
  externalMb: number;
}

/** V8 heap and external memory from the bridge's own /metrics (prom-client's default metrics), in MB. */
export async function heapOf(baseUrl: string): Promise<HeapFigures | undefined> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const value = (name: string) => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      return match ? Math.round((Number(match[1]) / 2 ** 20) * 10) / 10 : Number.NaN;
    };
    return { heapTotalMb: value('nodejs_heap_size_total_bytes'), heapUsedMb: value('nodejs_heap_size_used_bytes'), externalMb: value('nodejs_external_memory_bytes') };
  } catch {
    return undefined;
  }
}
