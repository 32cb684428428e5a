import { verify } from '@node-rs/argon2';

// Which existing password hashes can be imported: exactly those that the login path
// (@node-rs/argon2 `verify`) can check, within bounds that keep one login affordable.
// scrypt and bcrypt are refused: that library cannot verify them, so those users could
// never sign in; import them without a hash (they become invited) instead.

export const PASSWORD_HASH_LIMITS = { maxMemoryKiB: 262_144, maxPasses: 16, maxLanes: 16, salt: [8, 64], hash: [16, 64] } as const;

export const PASSWORD_HASH_HELP = `Password hashes (the password_hash column / "passwordHash" field):
  empty or absent    the user is created as "invited" (no password; an invitation follows later)
  otherwise          a PHC string that @node-rs/argon2 verify() accepts, exactly:
      $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
      $argon2i$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
    - "v=19" (Argon2 1.3) or "v=16" (1.0); without "v=" the hash is read as v=16
    - parameters in the order m, t, p; no keyid= or data= parameters
    - m from 8*p to ${PASSWORD_HASH_LIMITS.maxMemoryKiB} (256 MiB), t from 1 to ${PASSWORD_HASH_LIMITS.maxPasses}, p from 1 to ${PASSWORD_HASH_LIMITS.maxLanes}
    - <salt> and <hash>: canonical standard base64 without "=" padding (A-Z a-z 0-9 + /),
      salt ${PASSWORD_HASH_LIMITS.salt[0]}-${PASSWORD_HASH_LIMITS.salt[1]} bytes, hash ${PASSWORD_HASH_LIMITS.hash[0]}-${PASSWORD_HASH_LIMITS.hash[1]} bytes
    e.g. $argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Jf1rNq0c5SxXiv3v0eXcQ1ojQy4k1T8w5zW2VbL7fE
  refused, with the reason on the report:
    $scrypt$...        @node-rs/argon2 cannot verify scrypt: those users could never sign in
    $2a$/$2b$/$2y$...  bcrypt, for the same reason
    $argon2d$...       Argon2d is not meant for passwords (side channels); use argon2id
    anything else      plain text or unknown formats`;

const PHC = /^\$(argon2id|argon2i)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

interface ParsedHash {
  algorithm: string;
  version: number;
  memoryKiB: number;
  passes: number;
  lanes: number;
  saltBytes: number;
  hashBytes: number;
}

/** Why the hash cannot be imported, judged by its text alone; undefined when it is well formed. */
export function passwordHashProblem(hash: string): string | undefined {
  const parsed = parse(hash);
  return typeof parsed === 'string' ? parsed : undefined;
}

function parse(hash: string): ParsedHash | string {
  if (hash.startsWith('$scrypt$')) return 'scrypt hashes are not supported: @node-rs/argon2 cannot verify them (import the user without a hash to invite them)';
  if (/^\$2[abxy]\$/.test(hash)) return 'bcrypt hashes are not supported: @node-rs/argon2 cannot verify them (import the user without a hash to invite them)';
  if (hash.startsWith('$argon2d$')) return 'argon2d hashes are not accepted for passwords; argon2id or argon2i only';
  const match = PHC.exec(hash);
  if (!match) return 'not a PHC argon2id/argon2i string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)';
  const [, algorithm = '', version = '16', m = '', t = '', p = '', salt = '', digest = ''] = match;
  const parsed: ParsedHash = {
    algorithm,
    version: Number(version),
    memoryKiB: Number(m),
    passes: Number(t),
    lanes: Number(p),
    saltBytes: base64Bytes(salt),
    hashBytes: base64Bytes(digest),
  };
  const limits = PASSWORD_HASH_LIMITS;
  if (parsed.version !== 16 && parsed.version !== 19) return `unknown Argon2 version v=${version} (16 or 19)`;
  if (parsed.lanes < 1 || parsed.lanes > limits.maxLanes) return `p=${p} is out of range (1 to ${limits.maxLanes})`;
  if (parsed.memoryKiB < 8 * parsed.lanes || parsed.memoryKiB > limits.maxMemoryKiB) return `m=${m} is out of range (8*p to ${limits.maxMemoryKiB} KiB)`;
  if (parsed.passes < 1 || parsed.passes > limits.maxPasses) return `t=${t} is out of range (1 to ${limits.maxPasses})`;
  if (Number.isNaN(parsed.saltBytes) || parsed.saltBytes < limits.salt[0] || parsed.saltBytes > limits.salt[1]) return `the salt must be ${limits.salt[0]} to ${limits.salt[1]} bytes of unpadded base64`;
  if (Number.isNaN(parsed.hashBytes) || parsed.hashBytes < limits.hash[0] || parsed.hashBytes > limits.hash[1]) return `the hash must be ${limits.hash[0]} to ${limits.hash[1]} bytes of unpadded base64`;
  return parsed;
}

/** Decoded length of canonical unpadded base64; NaN otherwise (the library refuses stray bits). */
function base64Bytes(text: string): number {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text ? bytes.length : Number.NaN;
}

/**
 * Checks hashes as the login path will: the text rules above, then @node-rs/argon2 itself,
 * once per parameter shape (a verify costs as much as a login, so not once per row).
 */
export class PasswordHashChecker {
  private readonly shapes = new Map<string, Promise<string | undefined>>();

  async problem(hash: string): Promise<string | undefined> {
    const parsed = parse(hash);
    if (typeof parsed === 'string') return parsed;
    const shape = JSON.stringify(parsed);
    let verdict = this.shapes.get(shape);
    if (!verdict) {
      verdict = verify(hash, 'mode-bridge import probe').then(
        () => undefined,
        (error: unknown) => `rejected by @node-rs/argon2: ${error instanceof Error ? error.message : String(error)}`,
      );
      this.shapes.set(shape, verdict);
    }
    return verdict;
  }
}
