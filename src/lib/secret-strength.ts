// Production secrets must be hard to guess, not only long: 40 `a`s or an all-zero key have the
// right length and no secrecy at all. These checks catch what an operator types by hand or
// copies from an example; a value from a random generator passes all of them.

/**
 * Values published in this project's examples, tests and docs, and common placeholders: anyone
 * can read them, so they are refused whatever their length.
 */
const KNOWN_EXAMPLES = new Set(
  [
    'test-secret-that-is-long-enough-for-hs256-0123456789',
    'multi-instance-jwt-secret-0123456789abcdef',
    'test-webhook-key',
    'changeme',
    'change-me',
    'secret',
    'password',
    'your-secret-here',
    'your-jwt-secret',
    'replace-me',
  ].map((value) => value.toLowerCase()),
);

const PLACEHOLDER = /change[-_ ]?me|replace[-_ ]?me|your[-_ ]?(own[-_ ]?)?(secret|key|token)|example|placeholder|^x+$|^<.*>$/i;

/** Bits of information per character, counted from the value's own character frequencies. */
function bitsPerCharacter(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A short unit written again and again ("abab…", "0123456789abcdef0123…"), possibly cut short. */
function isRepeatedUnit(value: string): boolean {
  for (let unit = 1; unit <= Math.min(16, Math.floor(value.length / 2)); unit += 1) {
    let repeats = true;
    for (let i = unit; i < value.length && repeats; i += 1) repeats = value[i] === value[i % unit];
    if (repeats) return true;
  }
  return false;
}

/** Why a text secret (JWT secret, webhook keys, tokens) is too weak; undefined when it is fine. */
export function weakTextSecret(value: string, minLength: number): string | undefined {
  if (value.length < minLength) return `must be at least ${minLength} characters`;
  if (KNOWN_EXAMPLES.has(value.toLowerCase()) || PLACEHOLDER.test(value)) return 'is a published example or placeholder value';
  if (isRepeatedUnit(value)) return 'repeats a few characters over and over';
  if (new Set(value).size < 6 || bitsPerCharacter(value) < 2.5) return 'uses too few different characters to be secret';
  return undefined;
}

/** Why a 64-hex-character key is too weak (all zeros, one byte repeated, a pattern). */
export function weakHexKey(value: string): string | undefined {
  const hex = value.toLowerCase();
  if (KNOWN_EXAMPLES.has(hex)) return 'is a published example value';
  if (isRepeatedUnit(hex)) return 'repeats a few bytes over and over (all zeros, for example)';
  if (new Set(hex).size < 8 || bitsPerCharacter(hex) < 3) return 'uses too few different digits to be a random key';
  return undefined;
}
