import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';

// Where and when the calling thread runs, for the password hashing threads. Node has no call for
// either, so util-linux's chrt and taskset set them on the calling thread, by its thread ID (which
// /proc/thread-self names when read from that thread). All synchronous on purpose: an asynchronous
// read would run on a libuv thread and name that thread instead.

/**
 * Moves the calling thread into Linux's SCHED_IDLE class: it runs on CPU time no other thread
 * wants, and any other thread that wakes up takes the CPU from it at once. A lowered nice value
 * only shrinks a thread's share; a request that wakes while a hash runs may still wait for the
 * hash's slice. False where that cannot be done (not Linux, no chrt).
 */
export function idleSchedulingForThisThread(): boolean {
  const threadId = thisThreadId();
  return threadId !== undefined && runs('chrt', ['--idle', '--pid', '0', threadId]);
}

/**
 * Keeps the calling thread off the first CPU this process may use, so that one core never runs a
 * hash. SCHED_IDLE alone lets a hash run on whichever core is idle for a moment, and the request
 * path, moving between the bridge, PostgreSQL and MODE's answers, then finds every core warm with
 * hashing: a login storm still doubled the p99 of proxied calls (docs/benchmarks.md, "Login storm").
 * False where that cannot be done (not Linux, no taskset) or where the process has one CPU only.
 */
export function spareFirstCpuForThisThread(): boolean {
  const threadId = thisThreadId();
  if (threadId === undefined) return false;
  const allowed = allowedCpus(threadId);
  if (allowed.length < 2) return false;
  return runs('taskset', ['--cpu-list', '--pid', allowed.slice(1).join(','), threadId]);
}

/** The CPUs the thread may run on, in order, from its Cpus_allowed_list ("0-3,8"). */
export function allowedCpus(threadId: string): number[] {
  try {
    const status = readFileSync(`/proc/self/task/${threadId}/status`, 'utf8');
    const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1];
    return list ? parseCpuList(list) : [];
  } catch {
    return [];
  }
}

/** Parses the kernel's CPU list format: "0-2,5" is [0, 1, 2, 5]. */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range) return [];
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus;
}

function thisThreadId(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const threadId = readlinkSync('/proc/thread-self').split('/').pop() ?? '';
    return /^\d+$/.test(threadId) ? threadId : undefined;
  } catch {
    return undefined;
  }
}

function runs(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}
