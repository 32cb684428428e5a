import { workerData } from 'node:worker_threads';
import { hashSync } from '@node-rs/argon2';
import { idleSchedulingForThisThread, spareFirstCpuForThisThread } from './thread-scheduling';
import { ARGON2ID_CURRENT, verifyStoredHash } from './password-formats';

// The hashing work of passwords.ts, run in its pool's worker threads. Synchronous on purpose:
// the async variants (argon2's, bcrypt's, Node's pbkdf2 and scrypt) would hand the work to
// libuv's thread pool, out of this thread whose scheduling priority the pool has lowered and
// past the pool's bound on hashes computed at once.

export interface HashingThreadOptions {
  /** Run in SCHED_IDLE (Linux), on top of the nice increment piscina applies. */
  idleScheduling: boolean;
  /** Linux: stay off the first CPU the process may use. */
  spareCpu: boolean;
}

// Set as the thread loads, before the pool hands it a first hash.
const options = workerData as HashingThreadOptions | undefined;
if (options?.idleScheduling) idleSchedulingForThisThread();
if (options?.spareCpu) spareFirstCpuForThisThread();

export interface VerifyTask {
  passwordHash: string;
  password: string;
}

export function hash(password: string): string {
  return hashSync(password, ARGON2ID_CURRENT);
}

/** False for a wrong password and for a hash that cannot be read, whatever its format. */
export function verify({ passwordHash, password }: VerifyTask): boolean {
  return verifyStoredHash(passwordHash, password);
}
