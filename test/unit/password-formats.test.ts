import { passwordHashProblem, readStoredHash, verifyStoredHash } from '../../src/modules/auth/password-formats';
import { PASSWORD_HASH_EXAMPLES } from '../../src/modules/auth/password-formats/help';
import { legacyHash, FORMAT_OF, type LegacyHashKind } from '../fixtures/password-hashes';

const PASSWORD = 'an old password of theirs';
const kinds = Object.keys(legacyHash) as LegacyHashKind[];

describe('stored password formats', () => {
  test.each(kinds)('when a %s hash is stored, then the right password verifies and a wrong one does not', (kind) => {
    const hash = legacyHash[kind](PASSWORD);
    const stored = readStoredHash(hash);
    expect(stored).toMatchObject({ ok: true, format: FORMAT_OF[kind], needsRehash: kind !== 'strongArgon2id' });
    expect(verifyStoredHash(hash, PASSWORD)).toBe(true);
    expect(verifyStoredHash(hash, `${PASSWORD}!`)).toBe(false);
    expect(verifyStoredHash(hash, PASSWORD.slice(0, -1))).toBe(false);
  });

  test.each(Object.entries(PASSWORD_HASH_EXAMPLES))('when the help shows the %s example, then it is a real hash of "example password"', (_name, hash) => {
    expect(passwordHashProblem(hash)).toBeUndefined();
    expect(verifyStoredHash(hash, 'example password')).toBe(true);
  });

  test('when the argon2id hash uses the current parameters, then it is kept', () => {
    expect(readStoredHash(PASSWORD_HASH_EXAMPLES.argon2)).toMatchObject({ ok: true, needsRehash: false });
  });

  const bcrypt = legacyHash.bcrypt2b(PASSWORD);
  const django = legacyHash.djangoSha256(PASSWORD);
  const scrypt = legacyHash.scrypt(PASSWORD);
  const phc = legacyHash.phcPbkdf2Sha256(PASSWORD);
  test.each([
    ['bcrypt cost above the bound', bcrypt.replace('$04$', '$14$'), /cost 14 is out of range \(4 to 13\)/],
    ['bcrypt cost below the bound', bcrypt.replace('$04$', '$03$'), /cost 03 is out of range/],
    ['bcrypt $2x$', bcrypt.replace('$2b$', '$2x$'), /known-broken/],
    ['bcrypt cut short', bcrypt.slice(0, -1), /not a bcrypt hash/],
    ['Django iterations above the bound', django.replace('$1000$', '$5000000$'), /5000000 iterations is out of range \(1000 to 1500000 for sha256\)/],
    ['Django iterations below the bound', django.replace('$1000$', '$999$'), /999 iterations is out of range/],
    ['Django iterations with a leading zero', django.replace('$1000$', '$01000$'), /is not a number/],
    ['Django hash of the wrong length', django.replace(/\$[^$]+$/, '$AAAA'), /must be 32 bytes for sha256/],
    ['Django hash not base64', django.replace(/\$[^$]+$/, '$not*base64'), /not canonical padded base64/],
    ['Django pbkdf2_md5', django.replace('pbkdf2_sha256', 'pbkdf2_md5'), /not a Django PBKDF2 hash/],
    ['PHC PBKDF2 length that does not match', phc.replace('l=32', 'l=64'), /l=64 does not match/],
    ['PHC PBKDF2 sha1', phc.replace('pbkdf2-sha256', 'pbkdf2-sha1'), /not a PHC PBKDF2 hash/],
    ['scrypt memory above the bound', scrypt.replace('ln=10,r=8', 'ln=17,r=8'), /needs 128 MiB/],
    ['scrypt work above the bound', scrypt.replace('ln=10,r=8,p=1', 'ln=16,r=8,p=4'), /too costly for one login/],
    ['scrypt salt too short', scrypt.replace(/ln=10,r=8,p=1\$[^$]+\$/, 'ln=10,r=8,p=1$YWJj$'), /salt must be 8 to 64 bytes/],
    ['Django sha1 digest', 'sha1$abc$0123456789abcdef0123456789abcdef01234567', /too weak to keep/],
    ['an unknown $ format', '$md5$rounds=1000$abc$def', /unknown hash format \$md5\$/],
    ['plain text', 'hunter2hunter2', /plain text is never accepted/],
  ])('when the hash has %s, then it is refused with the reason', (_name, hash, reason) => {
    expect(passwordHashProblem(hash)).toMatch(reason);
    expect(verifyStoredHash(hash, PASSWORD)).toBe(false);
  });

  test('when bcrypt gets a password longer than its 72 bytes, then it reads the first 72 as the old system did', () => {
    const long = 'x'.repeat(72);
    expect(verifyStoredHash(legacyHash.bcrypt2b(long), `${long}tail`)).toBe(true);
  });
});
