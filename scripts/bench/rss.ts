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
    stop: () => clearInterval(timer),
  };
}

/** CPU time (user + system) a process has used so far, in ms; undefined where /proc is missing. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3 of stat(5), utime 14 and stime 15, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
