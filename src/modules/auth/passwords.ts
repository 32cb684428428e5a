import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Piscina } from 'piscina';
import type { HashingThreadOptions, VerifyTask } from './password-worker';

// Password hashing and verification (password-worker.ts: argon2id for new hashes, every stored
// format of password-formats/ for checks) in a small pool of worker threads whose scheduling
// priority is lowered (nice and, on Linux, the SCHED_IDLE class) and which stay off one core, so
// that a login storm gets only the CPU that the event loop, PostgreSQL and the rest of the machine
// leave. At most `concurrency` hashes run at once, one per thread; the others wait in the pool's queue.

export interface PasswordHashing {
  /** Hashes computed at once; unset: one less than the machine's cores, at least 1. */
  concurrency?: number;
  /** How much lower than the process the hashing threads run (nice increment, 0-19); unset: 10. */
  niceIncrement?: number;
  /** Linux: the hashing threads also run in SCHED_IDLE (thread-scheduling.ts); unset: true. */
  idleScheduling?: boolean;
  /** Linux: the hashing threads never run on the first CPU the process may use (thread-scheduling.ts); unset: true. */
  spareCpu?: boolean;
}

type Settings = Required<PasswordHashing>;

const DEFAULTS: Settings = { concurrency: Math.max(1, availableParallelism() - 1), niceIncrement: 10, idleScheduling: true, spareCpu: true };
let settings = DEFAULTS;
let pool: Piscina | undefined;

// Compiled, this module and its worker are .js files. Run from sources (ts-jest, tsx) both are
// .ts, and a worker thread starts without the parent's TypeScript loader: it gets tsx's.
const fromSources = extname(__filename) === '.ts';
const WORKER_FILE = join(__dirname, `password-worker${extname(__filename)}`);

/** Applies the settings to the next hashes; a pool built with other settings finishes its work and stops. */
export function configurePasswordHashing(hashing: PasswordHashing): void {
  const next: Settings = {
    concurrency: hashing.concurrency ?? DEFAULTS.concurrency,
    niceIncrement: hashing.niceIncrement ?? DEFAULTS.niceIncrement,
    idleScheduling: hashing.idleScheduling ?? DEFAULTS.idleScheduling,
    spareCpu: hashing.spareCpu ?? DEFAULTS.spareCpu,
  };
  if ((Object.keys(next) as (keyof Settings)[]).every((key) => next[key] === settings[key])) return;
  settings = next;
  void closePasswordHashing();
}

/** Lets queued and running hashes finish, then stops the threads. A later hash starts a new pool. */
export async function closePasswordHashing(): Promise<void> {
  const closing = pool;
  pool = undefined;
  await closing?.close();
}

/** Hashing threads running now. */
export function passwordHashingThreads(): number {
  return pool?.threads.length ?? 0;
}

/** Where a hashing thread that dies outside any hash is reported; unset: standard error. */
let reportPoolError: (error: unknown) => void = (error) => console.error('password hashing thread failed', error);

export function onPasswordHashingError(report: (error: unknown) => void): void {
  reportPoolError = report;
}

function hashingPool(): Piscina {
  if (pool) return pool;
  pool = new Piscina({
    filename: WORKER_FILE,
    name: 'hash', // the task a starting thread loads; the worker has no default export
    execArgv: fromSources ? ['--require', require.resolve('tsx/cjs')] : undefined,
    minThreads: 1,
    maxThreads: settings.concurrency,
    idleTimeout: 30_000,
    niceIncrement: settings.niceIncrement,
    workerData: { idleScheduling: settings.idleScheduling, spareCpu: settings.spareCpu } satisfies HashingThreadOptions,
    // In arrival order, as logins come: by default a task that finds every thread busy goes back
    // to the end of the queue, so under a storm some logins wait many times longer than others.
    stricterFIFO: true,
  });
  // A thread that fails while no hash is running is reported here instead of crashing the
  // process; piscina starts a replacement, and a hash that was running rejects on its own.
  pool.on('error', (error: unknown) => reportPoolError(error));
  return pool;
}

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hashingPool().run(password, { name: 'hash' });
}

/** False for a wrong password and for a malformed hash; rejects only when the pool itself fails. */
export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  const task: VerifyTask = { passwordHash, password };
  return hashingPool().run(task, { name: 'verify' });
}

let dummyHash: Promise<string> | undefined;

/** Spends the same work as a real check, so unknown emails cannot be told apart by timing. */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword('not-a-real-password-of-anyone').catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  });
  await verifyPassword(await dummyHash, password);
  return false;
}

/** Reasons a password is too weak, empty when it is acceptable. */
export function passwordWeaknesses(password: string, email: string): string[] {
  const reasons: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) reasons.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (new Set(password).size < 4) reasons.push('must use at least 4 different characters');
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 4 && password.toLowerCase().includes(local)) reasons.push('must not contain the email name');
  return reasons;
}
