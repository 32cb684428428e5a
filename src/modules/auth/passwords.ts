import { hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { Semaphore } from '../../lib/semaphore';

// argon2id with OWASP's minimum parameters (19 MiB, 2 passes). Hashing runs on libuv's thread
// pool (4 threads), so a login storm would take every core from the requests around it; at most
// PASSWORD_HASH_CONCURRENCY hashes run at once (default: one core less than the machine has).
// algorithm 2 is Argon2id (the package exports it as an ambient const enum).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

let hashing = new Semaphore(Math.max(1, availableParallelism() - 1));

export function setPasswordHashConcurrency(concurrency: number): void {
  hashing = new Semaphore(concurrency);
}

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hashing.run(() => hash(password, OPTIONS));
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await hashing.run(() => verify(passwordHash, password));
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Spends the same work as a real check, so unknown emails cannot be told apart by timing. */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hash('not-a-real-password-of-anyone', OPTIONS);
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
