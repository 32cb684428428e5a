// The machine is shared (2 cores here): before measuring, optionally wait until other work is done,
// judged by the CPU busy share over one-second windows from /proc/stat.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    const total = values.reduce((sum, value) => sum + value, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Busy share of all cores over the next `ms`, from 0 to 1; undefined without /proc. */
export async function machineBusy(ms = 1000): Promise<number | undefined> {
  const before = cpuTimes();
  await sleep(ms);
  const after = cpuTimes();
  if (!before || !after || after.total === before.total) return undefined;
  return (after.busy - before.busy) / (after.total - before.total);
}

/** Waits (at most `maxSec`) for three quiet seconds in a row: under `threshold` busy. Returns the last reading. */
export async function waitForIdle(maxSec: number, log: (line: string) => void, threshold = 0.15): Promise<number | undefined> {
  const deadline = Date.now() + maxSec * 1000;
  let quiet = 0;
  let busy: number | undefined;
  let told = false;
  while (Date.now() < deadline) {
    busy = await machineBusy();
    if (busy === undefined) return undefined;
    quiet = busy < threshold ? quiet + 1 : 0;
    if (quiet >= 3) return busy;
    if (!told && quiet === 0) {
      log(`machine busy (${Math.round(busy * 100)}% CPU used by other work): waiting up to ${maxSec} s for it to calm down`);
      told = true;
    }
  }
  log(`machine still busy (${Math.round((busy ?? 0) * 100)}% CPU) after ${maxSec} s: measuring anyway, see the warnings`);
  return busy;
}

// The bench's own processes, so the CPU other work took during a run can be told apart.
const ownPids = new Set<number>([process.pid]);
const ownParents = new Set<number>();

export function registerOwnProcess(pid: number, withChildren = false): void {
  ownPids.add(pid);
  if (withChildren) ownParents.add(pid);
}

function processCpuTicks(pid: number): { ticks: number; parent: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime, plus cutime + cstime: a PostgreSQL backend that exits mid-run moves its time
    // into the postmaster's children's time instead of vanishing from the sum.
    return { ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]), parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

function ownTicks(): number {
  let sum = 0;
  const children = ownParents.size > 0 ? readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number) : [];
  const counted = new Set<number>();
  for (const pid of [...ownPids, ...children]) {
    if (counted.has(pid)) continue;
    const info = processCpuTicks(pid);
    if (!info || (!ownPids.has(pid) && !ownParents.has(info.parent))) continue;
    counted.add(pid);
    sum += info.ticks;
  }
  return sum;
}

export interface CpuSnapshot {
  machine?: { busy: number; total: number };
  own: number;
}

export function cpuSnapshot(): CpuSnapshot {
  return { machine: cpuTimes(), own: ownTicks() };
}

/** Share of the machine's CPU (0..1) that processes outside the bench used since `start`. */
export function otherCpuShare(start: CpuSnapshot): number | undefined {
  const end = cpuSnapshot();
  if (!start.machine || !end.machine || end.machine.total === start.machine.total) return undefined;
  // Both in clock ticks: /proc/stat sums every core, /proc/<pid>/stat counts one process's time.
  const other = end.machine.busy - start.machine.busy - (end.own - start.own);
  return Math.max(0, Math.round((other / (end.machine.total - start.machine.total)) * 100) / 100);
}
