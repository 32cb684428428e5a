/** Random API keys, provisioning tokens and claim codes. */
import { randomBytes } from 'node:crypto';

export const newSecret = (bytes = 24) => randomBytes(bytes).toString('base64url');

// Printed on a label and typed by people: no 0/O or 1/I.
const claimCodeAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export const newClaimCode = () => [...randomBytes(10)].map((byte) => claimCodeAlphabet[byte % 32]).join('');
