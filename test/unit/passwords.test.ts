import { readdirSync, readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../src/lib/config';
import { allowedCpus, parseCpuList } from '../../src/modules/auth/thread-scheduling';
import { burnPasswordCheck, closePasswordHashing, configurePasswordHashing, hashPassword, passwordHashingThreads, verifyPassword } from '../../src/modules/auth/passwords';

// Hashing runs in worker threads with a lowered scheduling priority. The priority is read the way
// the kernel reports it: the nice and policy fields of each of this process's threads in /proc.

const PASSWORD = 'correct horse battery staple';

interface ThreadStat {
  nice: number;
  /** The scheduling policy: 0 SCHED_OTHER, 5 SCHED_IDLE (sched.h). */
  policy: number;
  /** User and system CPU time, in clock ticks. */
  cpuTicks: number;
  /** The CPUs the thread may run on (its Cpus_allowed_list). */
  cpus: number[];
}

/** Each thread of this process, by thread ID (Linux only). */
function threads(): Map<number, ThreadStat> {
  const stats = new Map<number, ThreadStat>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at field 3: utime is 14, stime 15,
      // nice 19, policy 41.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      stats.set(Number(tid), { nice: fields[16]!, policy: fields[38]!, cpuTicks: fields[11]! + fields[12]!, cpus: allowedCpus(tid) });
    } catch {
      // the thread ended while being listed
    }
  }
  return stats;
}

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
const threadsAtNice = (nice: number) => [...threads().values()].filter((thread) => thread.nice === nice);

const onLinux = process.platform === 'linux' ? test : test.skip;

afterEach(async () => {
  await closePasswordHashing();
  configurePasswordHashing({});
});

describe('password hashing in the worker pool', () => {
  test('when a password is hashed, then it is argon2id with the same parameters and verifies', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
  });

  test('when the password is wrong, then the check is false', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(await verifyPassword(hash, 'correct horse battery stable')).toBe(false);
  });

  test('when the stored hash is malformed, then the check is false rather than an error', async () => {
    expect(await verifyPassword('not a hash', PASSWORD)).toBe(false);
    expect(await verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$', PASSWORD)).toBe(false);
  });

  test('when an unknown e-mail is checked, then the burnt check is false', async () => {
    expect(await burnPasswordCheck(PASSWORD)).toBe(false);
  });

  test('when several hashes are asked at once, then each is computed and the pool stays usable after closing', async () => {
    configurePasswordHashing({ concurrency: 2 });
    const hashes = await Promise.all([1, 2, 3, 4].map((n) => hashPassword(`${PASSWORD} ${n}`)));
    expect(new Set(hashes).size).toBe(4);
    await closePasswordHashing();
    expect(await verifyPassword(hashes[2]!, `${PASSWORD} 3`)).toBe(true);
  });


  test('when more hashes are asked than there are threads, then they are computed in the order asked', async () => {
    configurePasswordHashing({ concurrency: 1 });
    const finished: number[] = [];
    await Promise.all([0, 1, 2, 3, 4, 5].map((n) => hashPassword(`${PASSWORD} ${n}`).then(() => finished.push(n))));
    expect(finished).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('priority of the hashing threads (Linux)', () => {
  onLinux('when a nice increment is set, then the hashing threads run at that lower priority and the main thread does not', async () => {
    configurePasswordHashing({ niceIncrement: 7 });
    expect(threadsAtNice(7)).toHaveLength(0);
    await hashPassword(PASSWORD);
    // At least: run from sources, the worker's TypeScript loader may start a thread of its own
    // inside the lowered worker, which inherits its priority.
    expect(threadsAtNice(7).length).toBeGreaterThanOrEqual(1);
    expect(threads().get(process.pid)?.nice).toBe(0);
  });

  onLinux('when passwords are hashed and checked, then the work is done on the lowered-priority thread, not on libuv\'s pool', async () => {
    configurePasswordHashing({ niceIncrement: 5 });
    const hash = await hashPassword(PASSWORD);
    const before = threads();
    for (let n = 0; n < 10; n += 1) {
      await hashPassword(PASSWORD);
      await verifyPassword(hash, PASSWORD);
    }
    // Whatever the machine's speed, the hashing CPU time lands on the lowered threads: more of
    // it there than on every other thread of the process together (the test runner included).
    const spent = { lowered: 0, others: 0 };
    for (const [tid, thread] of threads()) {
      const delta = thread.cpuTicks - (before.get(tid)?.cpuTicks ?? 0);
      if (thread.nice === 5) spent.lowered += delta;
      else spent.others += delta;
    }
    expect(spent.lowered).toBeGreaterThan(0);
    expect(spent.lowered).toBeGreaterThan(spent.others);
  });

  onLinux('when PASSWORD_HASH_CONCURRENCY threads are busy, then no more than that many hashing threads exist', async () => {
    configurePasswordHashing({ concurrency: 2, niceIncrement: 6 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => hashPassword(`${PASSWORD} ${n}`)));
    expect(passwordHashingThreads()).toBeGreaterThanOrEqual(1);
    expect(passwordHashingThreads()).toBeLessThanOrEqual(2);
    expect(threadsAtNice(6).length).toBeGreaterThanOrEqual(passwordHashingThreads());
  });

  onLinux('when idle scheduling is on, then the hashing threads run in SCHED_IDLE and the main thread does not', async () => {
    configurePasswordHashing({ niceIncrement: 8, idleScheduling: true });
    // Threads of pools that other test files left to their idle timeout may still run in SCHED_IDLE:
    // only the threads this pool starts, and any thread whose policy changes meanwhile, are judged.
    const before = threads();
    await hashPassword(PASSWORD);
    const after = [...threads()];
    const started = after.filter(([tid]) => !before.has(tid));
    const idle = started.filter(([, thread]) => thread.policy === SCHED_IDLE);
    // At least one: run from sources, a thread the worker's TypeScript loader starts before the
    // worker's module is loaded keeps the ordinary policy.
    expect(idle.length).toBeGreaterThanOrEqual(1);
    // Named when not so: a new SCHED_IDLE thread that is not at the pool's nice value, or a thread
    // that was there before and was moved into SCHED_IDLE.
    const moved = after.filter(([tid, thread]) => thread.policy === SCHED_IDLE && before.has(tid) && before.get(tid)?.policy !== SCHED_IDLE);
    const strays = [...idle.filter(([, thread]) => thread.nice !== 8), ...moved].map(([tid, thread]) => ({ tid, nice: thread.nice, before: before.has(tid) }));
    expect(strays).toEqual([]);
    expect(threads().get(process.pid)?.policy).toBe(SCHED_OTHER);
  });

  onLinux('when idle scheduling is off, then the hashing threads keep the ordinary policy', async () => {
    configurePasswordHashing({ niceIncrement: 9, idleScheduling: false });
    await hashPassword(PASSWORD);
    const hashing = threadsAtNice(9);
    expect(hashing.length).toBeGreaterThanOrEqual(1);
    expect(hashing.every((thread) => thread.policy === SCHED_OTHER)).toBe(true);
  });

  /** Hashes once with these settings; the CPUs each thread at that nice value may run on. */
  async function cpusOfHashingThreads(hashing: { niceIncrement: number; spareCpu: boolean }): Promise<number[][]> {
    configurePasswordHashing(hashing);
    await hashPassword(PASSWORD);
    return threadsAtNice(hashing.niceIncrement).map((thread) => thread.cpus);
  }

  const onSeveralCpus = process.platform === 'linux' && (threads().get(process.pid)?.cpus.length ?? 0) > 1 ? test : test.skip;

  onSeveralCpus('when a CPU is kept spare, then the hashing threads may run on every CPU of the process but its first', async () => {
    const processCpus = threads().get(process.pid)?.cpus ?? [];
    const hashing = await cpusOfHashingThreads({ niceIncrement: 7, spareCpu: true });
    expect(hashing.length).toBeGreaterThanOrEqual(1);
    expect(hashing).toContainEqual(processCpus.slice(1));
    // Only the worker's own thread moves; the main thread keeps every CPU.
    expect(threads().get(process.pid)?.cpus).toEqual(processCpus);
  });

  onSeveralCpus('when no CPU is kept spare, then the hashing threads keep every CPU of the process', async () => {
    const processCpus = threads().get(process.pid)?.cpus ?? [];
    const hashing = await cpusOfHashingThreads({ niceIncrement: 5, spareCpu: false });
    expect(hashing.length).toBeGreaterThanOrEqual(1);
    expect(hashing.every((cpus) => cpus.join() === processCpus.join())).toBe(true);
  });

  onLinux('when the nice increment is 0, then the hashing threads keep the process priority', async () => {
    configurePasswordHashing({ niceIncrement: 0 });
    const before = threads();
    await hashPassword(PASSWORD);
    const started = [...threads()].filter(([tid]) => !before.has(tid));
    expect(started.length).toBeGreaterThanOrEqual(1);
    expect(started.every(([, thread]) => thread.nice === 0)).toBe(true);
  });
});

describe('password hashing configuration', () => {
  test('when nothing is set, then hashing threads run 10 lower and the concurrency follows the cores', () => {
    expect(loadConfig({}).passwordHashing).toEqual({ concurrency: undefined, niceIncrement: 10, idleScheduling: true, spareCpu: true });
  });
  test('when PASSWORD_HASH_NICE is outside 0-19, then the start is refused naming it', () => {
    expect(() => loadConfig({ PASSWORD_HASH_NICE: '20' })).toThrow(ConfigError);
    expect(() => loadConfig({ PASSWORD_HASH_NICE: '-1' })).toThrow(/PASSWORD_HASH_NICE/);
  });
  test('when PASSWORD_HASH_IDLE is false, then idle scheduling is off; a value that is not a flag is refused', () => {
    expect(loadConfig({ PASSWORD_HASH_IDLE: 'false' }).passwordHashing.idleScheduling).toBe(false);
    expect(() => loadConfig({ PASSWORD_HASH_IDLE: 'sometimes' })).toThrow(/PASSWORD_HASH_IDLE/);
  });
  test('when PASSWORD_HASH_SPARE_CPU is false, then no CPU is kept spare; a value that is not a flag is refused', () => {
    expect(loadConfig({ PASSWORD_HASH_SPARE_CPU: 'false' }).passwordHashing.spareCpu).toBe(false);
    expect(() => loadConfig({ PASSWORD_HASH_SPARE_CPU: 'often' })).toThrow(/PASSWORD_HASH_SPARE_CPU/);
  });
});

describe('CPU lists as the kernel writes them', () => {
  test('when a list has ranges and single CPUs, then each CPU is listed once in order', () => {
    expect(parseCpuList('0-2,5,7-8')).toEqual([0, 1, 2, 5, 7, 8]);
    expect(parseCpuList('3')).toEqual([3]);
  });
  test('when a list cannot be read, then it is empty', () => {
    expect(parseCpuList('')).toEqual([]);
    expect(parseCpuList('a-b')).toEqual([]);
  });
});
