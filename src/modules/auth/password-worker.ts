import { hashSync, verifySync } from '@node-rs/argon2';

// The argon2id work of passwords.ts, run in its pool's worker threads. Synchronous on purpose:
// the async variants would hand the work to libuv's thread pool, out of this thread whose
// scheduling priority the pool has lowered.

// OWASP's minimum parameters (19 MiB, 2 passes). algorithm 2 is Argon2id (the package exports
// it as an ambient const enum).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export interface VerifyTask {
  passwordHash: string;
  password: string;
}

export function hash(password: string): string {
  return hashSync(password, OPTIONS);
}

/** False for a wrong password and for a hash the library cannot read. */
export function verify({ passwordHash, password }: VerifyTask): boolean {
  try {
    return verifySync(passwordHash, password);
  } catch {
    return false;
  }
}
