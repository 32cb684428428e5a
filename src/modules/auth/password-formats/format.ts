// What every stored password format provides, so that import and login judge a hash the same way:
// read it (with bounds that keep one login affordable), check a password against it, and say
// whether it should be replaced by the current argon2id hash after a successful login.

export interface PasswordFormat<P> {
  /** Stable name, used in reports, audit entries and metrics: `bcrypt`, `pbkdf2_sha256`, ... */
  readonly name: string;
  /** True when the hash is written in this format (by its prefix); it may still be malformed. */
  claims(hash: string): boolean;
  /** The hash's parameters, or why it cannot be used (malformed, out of bounds). */
  parse(hash: string): P | string;
  /** Parameters that decide the cost and the library's acceptance, without salt or digest. */
  shape(params: P): string;
  /** Synchronous on purpose: it runs in a hashing thread of lowered priority (passwords.ts). */
  verify(params: P, hash: string, password: string): boolean;
  /** True when a successful login should store a fresh argon2id hash instead. */
  needsRehash(params: P): boolean;
}

export const SALT_BYTES = { min: 8, max: 64 } as const;
export const DIGEST_BYTES = { min: 16, max: 64 } as const;

/**
 * Decodes unpadded standard base64 or, with `passlib`, also passlib's variant that writes "." for
 * "+"; undefined unless canonical (stray bits or padding would let two texts stand for one hash).
 */
export function decodeUnpadded(text: string, alphabet: 'standard' | 'passlib' = 'standard'): Buffer | undefined {
  if (!(alphabet === 'passlib' ? /^[A-Za-z0-9+/.]+$/ : /^[A-Za-z0-9+/]+$/).test(text)) return undefined;
  const standard = text.replace(/\./g, '+');
  const bytes = Buffer.from(standard, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === standard ? bytes : undefined;
}

/** Decodes padded standard base64 (Django); undefined unless canonical. */
export function decodePadded(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

export function lengthProblem(what: 'salt' | 'hash', bytes: Buffer | undefined, bounds: { min: number; max: number }, encoding: string): string | undefined {
  if (!bytes) return `the ${what} is not canonical ${encoding}`;
  if (bytes.length < bounds.min || bytes.length > bounds.max) return `the ${what} must be ${bounds.min} to ${bounds.max} bytes (found ${bytes.length})`;
  return undefined;
}

/** A positive decimal integer without sign or leading zeros; NaN otherwise. */
export function strictInt(text: string | undefined): number {
  return text !== undefined && /^(0|[1-9]\d{0,9})$/.test(text) ? Number(text) : Number.NaN;
}
