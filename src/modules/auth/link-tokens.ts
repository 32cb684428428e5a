import { randomToken, sha256Hex } from '../../lib/crypto';
import { AppError } from '../../lib/errors';

// The one mechanism behind every secret sent in an e-mail (reset and verification links, claims
// of an invited address, invitation codes): 256 random bits, URL-safe, kept only as SHA-256.

export const LINK_TOKEN_BYTES = 32;

export interface NewLinkToken {
  /** Goes into the e-mail only (sealed in the outbox); never stored, never logged. */
  token: string;
  hash: string;
}

export function newLinkToken(): NewLinkToken {
  const token = randomToken(LINK_TOKEN_BYTES);
  return { token, hash: hashLinkToken(token) };
}

export function hashLinkToken(token: string): string {
  return sha256Hex(token);
}

/** A link token that is unknown, used, expired or meant for something else. */
export class InvalidLinkTokenError extends AppError {
  constructor(message = 'This link is not valid: it may have expired or been used already; ask for a new one') {
    super(400, 'invalid_token', message);
  }
}
