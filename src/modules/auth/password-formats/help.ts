import { ARGON2_LIMITS } from './argon2';
import { BCRYPT_COST } from './bcrypt';
import { SALT_BYTES, DIGEST_BYTES } from './format';
import { PBKDF2_ITERATIONS } from './pbkdf2';
import { SCRYPT_LIMITS } from './scrypt';

// The accepted formats as operators read them (import-users --help, docs/admin.md). Every
// example is a real hash of the password "example password" (the unit tests verify them).

export const PASSWORD_HASH_EXAMPLES = {
  bcrypt: '$2b$10$jyxxFojH2seBp8wtGBvhaOa8WFkeQkENE5Lrb1tRMJGgeMRd3MTPa',
  django: 'pbkdf2_sha256$870000$wN2fhEfUkCvFm7bJBeL4uP$830BTYHW0bEp1UKb+Q1vfkeRj0RrOeq9RRjKi5av92Y=',
  pbkdf2: '$pbkdf2-sha256$i=600000,l=32$CH0eeVJf72R/A8TUj7gjeg$4GA06fuanC4lYafCtP+3v/hH5+DbGzECejMVpm3dWMc',
  scrypt: '$scrypt$ln=15,r=8,p=1$zIf1xETPEnotXvfw5EyRZA$eGR8iBH1GQCFDfMuRgymWaTHYCorfgNNEX+K1hLzRDc',
  argon2: '$argon2id$v=19$m=19456,t=2,p=1$1xlPXaIq5/T4W6NXhAEQQA$xGqxx+WtEoYde/hAE4+Y4PKSQJ/8E1zM2Rq8mKdEpNw',
} as const;

const bytes = `salt ${SALT_BYTES.min}-${SALT_BYTES.max} bytes, hash ${DIGEST_BYTES.min}-${DIGEST_BYTES.max} bytes`;

export const PASSWORD_HASH_HELP = `Password hashes (the password_hash column / "passwordHash" field), each shown with an example
(the password is "example password"). A user with such a hash signs in with their old password;
at the first successful login the hash is replaced by argon2id. Bounds keep one login under about
a second; a hash outside them is refused with the reason.
  empty or absent   the user is created as "invited" (no password; an invitation follows later)
  bcrypt            Devise, Laravel, most Node apps, Auth0 exports: $2a$, $2b$ or $2y$
      ${PASSWORD_HASH_EXAMPLES.bcrypt}
    - cost ${BCRYPT_COST.min} to ${BCRYPT_COST.max}; $2x$ (a broken implementation's) is refused
  PBKDF2 (Django)   pbkdf2_sha256$<iterations>$<salt>$<base64 hash>, or pbkdf2_sha1
      ${PASSWORD_HASH_EXAMPLES.django}
    - ${PBKDF2_ITERATIONS.min} to ${PBKDF2_ITERATIONS.max.sha256} iterations (sha1: ${PBKDF2_ITERATIONS.max.sha1}); the salt as written
      (${SALT_BYTES.min}-${SALT_BYTES.max} characters), the hash padded base64 of one digest (32 bytes, sha1: 20)
  PBKDF2 (PHC)      $pbkdf2-sha256$i=<iterations>,l=<length>$<salt>$<hash>, or $pbkdf2-sha512$;
                    passlib's $pbkdf2-sha256$<iterations>$<salt>$<hash> too
      ${PASSWORD_HASH_EXAMPLES.pbkdf2}
    - ${PBKDF2_ITERATIONS.min} to ${PBKDF2_ITERATIONS.max.sha256} iterations (sha512: ${PBKDF2_ITERATIONS.max.sha512}); unpadded base64 ("." for "+" allowed), ${bytes}
  scrypt (PHC)      $scrypt$ln=<log2 N>,r=<block size>,p=<parallelism>$<salt>$<hash>
      ${PASSWORD_HASH_EXAMPLES.scrypt}
    - 128*N*r at most ${SCRYPT_LIMITS.maxMemoryBytes / 2 ** 20} MiB, N*r*p at most 2^${Math.log2(SCRYPT_LIMITS.maxWork)}; unpadded base64, ${bytes}
  argon2 (PHC)      $argon2id$ or $argon2i$, as @node-rs/argon2 reads them
      ${PASSWORD_HASH_EXAMPLES.argon2}
    - "v=19" (Argon2 1.3) or "v=16" (1.0); without "v=" the hash is read as v=16
    - parameters in the order m, t, p; no keyid= or data= parameters
    - m from 8*p to ${ARGON2_LIMITS.maxMemoryKiB} KiB, t from 1 to ${ARGON2_LIMITS.maxPasses}, p from 1 to ${ARGON2_LIMITS.maxLanes}, m*t at most ${ARGON2_LIMITS.maxMemoryPasses}
    - canonical unpadded base64, ${bytes}; argon2id hashes with m >= 19456 and t >= 2 are kept as they are
  refused, with the reason on the report:
    $argon2d$...      Argon2d is not meant for passwords (side channels)
    sha1$, md5$, ...  Django's unsalted or fast digests: too weak to keep (import without a hash)
    anything else     plain text or unknown formats`;
