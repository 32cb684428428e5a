import { randomUUID } from 'node:crypto';
import { randomToken, sha256Hex } from '../../lib/crypto';
import { UnauthenticatedError } from '../../lib/errors';
import type { RefreshTokensRepository } from './refresh-tokens.repository';

// Opaque refresh tokens: only their SHA-256 is stored. Each use rotates the token within its
// family; presenting an already-rotated token means it leaked, so the family is revoked.

export interface RotationOutcome {
  userId: string;
  refreshToken: string;
}

export class RefreshTokenReuseError extends UnauthenticatedError {
  constructor(readonly userId: string) {
    super('The refresh token was already used; every session from it has been revoked', 'unauthenticated');
  }
}

export class RefreshTokens {
  constructor(
    private readonly repository: RefreshTokensRepository,
    private readonly ttlDays: number,
  ) {}

  async issue(userId: string, familyId: string = randomUUID()): Promise<string> {
    const token = randomToken(32);
    const expiresAt = new Date(Date.now() + this.ttlDays * 86_400_000);
    await this.repository.create({ userId, familyId, tokenHash: sha256Hex(token), expiresAt });
    return token;
  }

  async rotate(token: string): Promise<RotationOutcome> {
    const record = await this.repository.findByHash(sha256Hex(token));
    if (!record || record.revokedAt) throw new UnauthenticatedError('The refresh token is not valid');
    if (record.rotatedAt || !(await this.repository.markRotated(record.id))) {
      await this.repository.revokeFamily(record.familyId);
      throw new RefreshTokenReuseError(record.userId);
    }
    if (record.expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError('The refresh token has expired');
    const refreshToken = await this.issue(record.userId, record.familyId);
    // A concurrent reuse of the same token revokes the family, possibly before the new token
    // was written: the parent is revoked in any case, so look again and take the new one back.
    if ((await this.repository.findByHash(sha256Hex(token)))?.revokedAt) {
      await this.repository.revokeFamily(record.familyId);
      throw new RefreshTokenReuseError(record.userId);
    }
    return { userId: record.userId, refreshToken };
  }

  /** Ends the session the token belongs to; unknown tokens are ignored (logout is idempotent). */
  async revoke(token: string): Promise<string | undefined> {
    const record = await this.repository.findByHash(sha256Hex(token));
    if (!record) return undefined;
    await this.repository.revokeFamily(record.familyId);
    return record.userId;
  }

  revokeAllForUser(userId: string): Promise<void> {
    return this.repository.revokeAllForUser(userId);
  }
}
