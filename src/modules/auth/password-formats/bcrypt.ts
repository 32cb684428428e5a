import { verifySync } from '@node-rs/bcrypt';
import type { PasswordFormat } from './format';

// bcrypt as Devise, Laravel, most Node apps and Auth0 exports write it: $2a$, $2b$ or $2y$, a
// two-digit cost, then 22 characters of salt and 31 of hash in bcrypt's own base64 alphabet.
// @node-rs/bcrypt compares the digests in constant time. bcrypt reads at most 72 bytes of a
// password, as the old system did: the same password keeps working.

export const BCRYPT_COST = { min: 4, max: 13 } as const;

export interface BcryptParams {
  variant: '2a' | '2b' | '2y';
  cost: number;
}

const BCRYPT = /^\$(2[aby])\$(\d\d)\$[./A-Za-z0-9]{53}$/;

export const bcrypt: PasswordFormat<BcryptParams> = {
  name: 'bcrypt',
  claims: (hash) => /^\$2[a-z]?\$/.test(hash),
  parse(hash) {
    if (hash.startsWith('$2x$')) return 'bcrypt $2x$ hashes come from a known-broken implementation; only $2a$, $2b$ and $2y$ are accepted';
    const match = BCRYPT.exec(hash);
    if (!match) return 'not a bcrypt hash ($2b$<2-digit cost>$ then 53 characters of salt and hash)';
    const cost = Number(match[2]);
    if (cost < BCRYPT_COST.min || cost > BCRYPT_COST.max) return `cost ${match[2]} is out of range (${BCRYPT_COST.min} to ${BCRYPT_COST.max})`;
    return { variant: match[1] as BcryptParams['variant'], cost };
  },
  shape: (params) => JSON.stringify(params),
  verify: (_params, hash, password) => verifySync(password, hash),
  needsRehash: () => true,
};
