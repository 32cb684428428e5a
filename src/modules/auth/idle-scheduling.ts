import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

// Linux's SCHED_IDLE class: a thread in it runs on CPU time no other thread wants, and any
// other thread that wakes up takes the CPU from it at once. A lowered nice value only shrinks a
// thread's share; a request that wakes while a hash runs may still wait for the hash's slice.
// Node has no call for it, so util-linux's chrt sets it on the calling thread (by its thread ID,
// which /proc/thread-self names when read from that thread).

/** Moves the calling thread into SCHED_IDLE; false where that cannot be done (not Linux, no chrt). */
export function idleSchedulingForThisThread(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // Synchronous on purpose: an asynchronous readlink would run on a libuv thread and name it.
    const threadId = readlinkSync('/proc/thread-self').split('/').pop() ?? '';
    if (!/^\d+$/.test(threadId)) return false;
    execFileSync('chrt', ['--idle', '--pid', '0', threadId], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

