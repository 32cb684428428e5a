import { argon2 } from './argon2';
import { bcrypt } from './bcrypt';
import type { PasswordFormat } from './format';
import { djangoPbkdf2, phcPbkdf2 } from './pbkdf2';
import { scrypt } from './scrypt';

// The one home of stored password formats: the import (user-import.service.ts) refuses what the
// login (passwords.ts, password-worker.ts) could not verify, because both read hashes here.

export { ARGON2ID_CURRENT } from './argon2';
export { PASSWORD_HASH_HELP } from './help';

const FORMATS: ReadonlyArray<PasswordFormat<unknown>> = [argon2, bcrypt, djangoPbkdf2, phcPbkdf2, scrypt] as ReadonlyArray<PasswordFormat<unknown>>;

export type StoredHash =
  | { ok: true; format: string; shape: string; needsRehash: boolean; verify(password: string): boolean }
  | { ok: false; problem: string };

/** Reads a stored hash: its format, whether it should be upgraded, and how to check a password. */
export function readStoredHash(hash: string): StoredHash {
  const format = FORMATS.find((candidate) => candidate.claims(hash));
  if (!format) return { ok: false, problem: unknownProblem(hash) };
  const params = format.parse(hash);
  if (typeof params === 'string') return { ok: false, problem: params };
  return {
    ok: true,
    format: format.name,
    shape: `${format.name}:${format.shape(params)}`,
    needsRehash: format.needsRehash(params),
    verify: (password) => format.verify(params, hash, password),
  };
}

/** Why the hash cannot be stored, judged by its text alone; undefined when it is usable. */
export function passwordHashProblem(hash: string): string | undefined {
  const stored = readStoredHash(hash);
  return stored.ok ? undefined : stored.problem;
}

/**
 * Checks a password against a stored hash, synchronously (in a hashing thread). False for a
 * wrong password and for any hash that cannot be read or verified.
 */
export function verifyStoredHash(hash: string, password: string): boolean {
  const stored = readStoredHash(hash);
  if (!stored.ok) return false;
  try {
    return stored.verify(password);
  } catch {
    return false;
  }
}

function unknownProblem(hash: string): string {
  if (/^(sha1|md5|unsalted_sha1|unsalted_md5|crypt)\$/.test(hash)) return `${hash.split('$')[0]} hashes are too weak to keep; import the user without a hash to invite them`;
  if (hash.startsWith('$')) return `unknown hash format ${hash.split('$').slice(0, 2).join('$')}$ (accepted: bcrypt, PBKDF2, scrypt, argon2)`;
  return 'not a password hash of an accepted format (bcrypt, PBKDF2, scrypt, argon2); plain text is never accepted';
}
