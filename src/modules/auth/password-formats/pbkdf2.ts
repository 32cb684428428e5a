import { pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { DIGEST_BYTES, SALT_BYTES, decodePadded, decodeUnpadded, lengthProblem, strictInt, type PasswordFormat } from './format';

// PBKDF2 with Node's own crypto, in two spellings:
// - Django: pbkdf2_sha256$<iterations>$<salt>$<base64 hash> (and pbkdf2_sha1); the salt is used
//   as written (its UTF-8 bytes), the hash is padded base64 of one digest's length;
// - PHC: $pbkdf2-sha256$i=<iterations>,l=<length>$<salt>$<hash> (and -sha512), or passlib's
//   $pbkdf2-sha256$<iterations>$<salt>$<hash>; salt and hash are unpadded base64 ("." for "+").
// Digests are compared in constant time.

type Digest = 'sha1' | 'sha256' | 'sha512';

const DIGEST_LENGTH: Record<Digest, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** The most iterations one login may cost, per digest (each about half a second on one core). */
export const PBKDF2_ITERATIONS: { min: number; max: Record<Digest, number> } = { min: 1_000, max: { sha1: 2_000_000, sha256: 1_500_000, sha512: 1_000_000 } };

export interface Pbkdf2Params {
  digest: Digest;
  iterations: number;
  salt: Buffer;
  expected: Buffer;
}

function iterationsProblem(digest: Digest, raw: string | undefined, iterations: number): string | undefined {
  if (Number.isNaN(iterations)) return `the iteration count "${raw ?? ''}" is not a number`;
  const max = PBKDF2_ITERATIONS.max[digest];
  if (iterations < PBKDF2_ITERATIONS.min || iterations > max) return `${iterations} iterations is out of range (${PBKDF2_ITERATIONS.min} to ${max} for ${digest})`;
  return undefined;
}

function verifyPbkdf2(params: Pbkdf2Params, password: string): boolean {
  const actual = pbkdf2Sync(password, params.salt, params.iterations, params.expected.length, params.digest);
  return timingSafeEqual(actual, params.expected);
}

const shape = ({ digest, iterations, expected }: Pbkdf2Params) => JSON.stringify({ digest, iterations, length: expected.length });

const DJANGO = /^pbkdf2_(sha256|sha1)\$([^$]*)\$([^$]*)\$([^$]*)$/;

export const djangoPbkdf2: PasswordFormat<Pbkdf2Params> = {
  name: 'pbkdf2_django',
  claims: (hash) => hash.startsWith('pbkdf2_'),
  parse(hash) {
    const match = DJANGO.exec(hash);
    if (!match) return 'not a Django PBKDF2 hash (pbkdf2_sha256$<iterations>$<salt>$<base64 hash>, or pbkdf2_sha1)';
    const [, digestName, rawIterations, saltText = '', hashText = ''] = match;
    const digest = digestName as Digest;
    const iterations = strictInt(rawIterations);
    const problem = iterationsProblem(digest, rawIterations, iterations);
    if (problem) return problem;
    const salt = Buffer.from(saltText, 'utf8');
    if (!/^[\x21-\x7e]+$/.test(saltText) || salt.length < SALT_BYTES.min || salt.length > SALT_BYTES.max) return `the salt must be ${SALT_BYTES.min} to ${SALT_BYTES.max} printable ASCII characters`;
    const expected = decodePadded(hashText);
    if (!expected) return 'the hash is not canonical padded base64';
    if (expected.length !== DIGEST_LENGTH[digest]) return `the hash must be ${DIGEST_LENGTH[digest]} bytes for ${digest} (found ${expected.length})`;
    return { digest, iterations, salt, expected };
  },
  shape,
  verify: (params, _hash, password) => verifyPbkdf2(params, password),
  needsRehash: () => true,
};

const PHC = /^\$pbkdf2-(sha256|sha512)\$([^$]*)\$([^$]*)\$([^$]*)$/;

export const phcPbkdf2: PasswordFormat<Pbkdf2Params> = {
  name: 'pbkdf2_phc',
  claims: (hash) => hash.startsWith('$pbkdf2'),
  parse(hash) {
    const match = PHC.exec(hash);
    if (!match) return 'not a PHC PBKDF2 hash ($pbkdf2-sha256$i=<iterations>,l=<length>$<salt>$<hash>, or -sha512)';
    const [, digestName, rawParams = '', saltText = '', hashText = ''] = match;
    const digest = digestName as Digest;
    // PHC parameters (i=..,l=..) or passlib's bare iteration count.
    const named = /^i=(\d+)(?:,l=(\d+))?$/.exec(rawParams);
    const rawIterations = named ? named[1] : rawParams;
    const iterations = strictInt(rawIterations);
    const problem = iterationsProblem(digest, rawIterations, iterations);
    if (problem) return problem;
    const salt = decodeUnpadded(saltText, 'passlib');
    const expected = decodeUnpadded(hashText, 'passlib');
    const lengths = lengthProblem('salt', salt, SALT_BYTES, 'unpadded base64') ?? lengthProblem('hash', expected, DIGEST_BYTES, 'unpadded base64');
    if (lengths) return lengths;
    if (named?.[2] !== undefined && strictInt(named[2]) !== expected!.length) return `l=${named[2]} does not match the hash's ${expected!.length} bytes`;
    return { digest, iterations, salt: salt!, expected: expected! };
  },
  shape,
  verify: (params, _hash, password) => verifyPbkdf2(params, password),
  needsRehash: () => true,
};
