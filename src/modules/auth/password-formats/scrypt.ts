import { scryptSync, timingSafeEqual } from 'node:crypto';
import { DIGEST_BYTES, SALT_BYTES, decodeUnpadded, lengthProblem, strictInt, type PasswordFormat } from './format';

// scrypt PHC strings ($scrypt$ln=<log2 N>,r=<block size>,p=<parallelism>$<salt>$<hash>, as
// passlib and @phc/scrypt write them) with Node's own crypto; the digest is compared in constant time.

/** Memory (128 * N * r bytes) and work (N * r * p) one login may cost. */
export const SCRYPT_LIMITS = { maxLn: 20, maxR: 32, maxP: 16, maxMemoryBytes: 64 * 2 ** 20, maxWork: 2 ** 20 } as const;

export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
  salt: Buffer;
  expected: Buffer;
}

const PHC = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([^$]*)\$([^$]*)$/;

export const scrypt: PasswordFormat<ScryptParams> = {
  name: 'scrypt',
  claims: (hash) => hash.startsWith('$scrypt$'),
  parse(hash) {
    const match = PHC.exec(hash);
    if (!match) return 'not a PHC scrypt hash ($scrypt$ln=<n>,r=<n>,p=<n>$<salt>$<hash>)';
    const [, rawLn, rawR, rawP, saltText = '', hashText = ''] = match;
    const [ln, r, p] = [strictInt(rawLn), strictInt(rawR), strictInt(rawP)];
    const limits = SCRYPT_LIMITS;
    if (!(ln >= 1 && ln <= limits.maxLn)) return `ln=${rawLn} is out of range (1 to ${limits.maxLn})`;
    if (!(r >= 1 && r <= limits.maxR)) return `r=${rawR} is out of range (1 to ${limits.maxR})`;
    if (!(p >= 1 && p <= limits.maxP)) return `p=${rawP} is out of range (1 to ${limits.maxP})`;
    if (128 * 2 ** ln * r > limits.maxMemoryBytes) return `ln=${ln},r=${r} needs ${(128 * 2 ** ln * r) / 2 ** 20} MiB (at most ${limits.maxMemoryBytes / 2 ** 20} MiB)`;
    if (2 ** ln * r * p > limits.maxWork) return `ln=${ln},r=${r},p=${p} is too costly for one login (N*r*p at most 2^${Math.log2(limits.maxWork)})`;
    const salt = decodeUnpadded(saltText, 'passlib');
    const expected = decodeUnpadded(hashText, 'passlib');
    const problem = lengthProblem('salt', salt, SALT_BYTES, 'unpadded base64') ?? lengthProblem('hash', expected, DIGEST_BYTES, 'unpadded base64');
    if (problem) return problem;
    return { ln, r, p, salt: salt!, expected: expected! };
  },
  shape: ({ ln, r, p, expected }) => JSON.stringify({ ln, r, p, length: expected.length }),
  verify({ ln, r, p, salt, expected }, _hash, password) {
    const N = 2 ** ln;
    const actual = scryptSync(password, salt, expected.length, { N, r, p, maxmem: 128 * N * r + 128 * r * p + 2 ** 20 });
    return timingSafeEqual(actual, expected);
  },
  needsRehash: () => true,
};
