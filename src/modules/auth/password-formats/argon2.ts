import { verifySync } from '@node-rs/argon2';
import { DIGEST_BYTES, SALT_BYTES, decodeUnpadded, lengthProblem, strictInt, type PasswordFormat } from './format';

// Argon2 PHC strings as @node-rs/argon2 reads them. New hashes use CURRENT (OWASP's minimum:
// 19 MiB, 2 passes); argon2i, Argon2 1.0 and weaker argon2id parameters are upgraded at login.

// algorithm 2 is Argon2id (the package exports it as an ambient const enum).
export const ARGON2ID_CURRENT = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const ARGON2_LIMITS = { maxMemoryKiB: 262_144, maxPasses: 16, maxLanes: 16, maxMemoryPasses: 1_048_576 } as const;

export interface Argon2Params {
  algorithm: 'argon2id' | 'argon2i';
  version: number;
  memoryKiB: number;
  passes: number;
  lanes: number;
  saltBytes: number;
  hashBytes: number;
}

const PHC = /^\$(argon2id|argon2i)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/;

export const argon2: PasswordFormat<Argon2Params> = {
  name: 'argon2',
  claims: (hash) => hash.startsWith('$argon2'),
  parse(hash) {
    if (hash.startsWith('$argon2d$')) return 'argon2d hashes are not accepted for passwords; argon2id or argon2i only';
    const match = PHC.exec(hash);
    if (!match) return 'not a PHC argon2id/argon2i string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)';
    const [, algorithm, version = '16', m, t, p, salt = '', digest = ''] = match;
    const params: Argon2Params = {
      algorithm: algorithm as Argon2Params['algorithm'],
      version: strictInt(version),
      memoryKiB: strictInt(m),
      passes: strictInt(t),
      lanes: strictInt(p),
      saltBytes: 0,
      hashBytes: 0,
    };
    const limits = ARGON2_LIMITS;
    if (params.version !== 16 && params.version !== 19) return `unknown Argon2 version v=${version} (16 or 19)`;
    if (!(params.lanes >= 1 && params.lanes <= limits.maxLanes)) return `p=${p} is out of range (1 to ${limits.maxLanes})`;
    if (!(params.memoryKiB >= 8 * params.lanes && params.memoryKiB <= limits.maxMemoryKiB)) return `m=${m} is out of range (8*p to ${limits.maxMemoryKiB} KiB)`;
    if (!(params.passes >= 1 && params.passes <= limits.maxPasses)) return `t=${t} is out of range (1 to ${limits.maxPasses})`;
    if (params.memoryKiB * params.passes > limits.maxMemoryPasses) return `m*t=${params.memoryKiB * params.passes} is too costly for one login (at most ${limits.maxMemoryPasses})`;
    const saltBytes = decodeUnpadded(salt);
    const hashBytes = decodeUnpadded(digest);
    const problem = lengthProblem('salt', saltBytes, SALT_BYTES, 'unpadded base64') ?? lengthProblem('hash', hashBytes, DIGEST_BYTES, 'unpadded base64');
    if (problem) return problem;
    return { ...params, saltBytes: saltBytes!.length, hashBytes: hashBytes!.length };
  },
  shape: (params) => JSON.stringify(params),
  verify: (_params, hash, password) => verifySync(hash, password),
  needsRehash: (params) =>
    params.algorithm !== 'argon2id' || params.version !== 19 || params.memoryKiB < ARGON2ID_CURRENT.memoryCost || params.passes < ARGON2ID_CURRENT.timeCost,
};
