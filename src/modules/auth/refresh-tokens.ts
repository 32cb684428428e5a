import { randomUUID } from 'node:crypto';
import { randomToken, sha256Hex } from '../../lib/crypto';
import { UnauthenticatedError } from '../../lib/errors';
import type { RefreshTokensRepository, SessionOrigin } from './refresh-tokens.repository';

// Opaque refresh tokens: only their SHA-256 is stored. Each use rotates the token within its
// family; presenting an already-rotated token means it leaked, so the family is revoked. A
// family is a session (sessions.service.ts): its ID is the session ID access tokens carry.

export interface RotationOutcome {
  userId: string;
  sessionId: string;
  refreshToken: string;
}

export interface StartedSession {
  sessionId: string;
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

  /** A new session (family) and its first refresh token. */
  async start(userId: string, origin: SessionOrigin = {}): Promise<StartedSession> {
    const sessionId = randomUUID();
    const { token, record } = this.newToken(userId, sessionId);
    await this.repository.createSession(record, origin);
    return { sessionId, refreshToken: token };
  }

  async rotate(token: string, origin: SessionOrigin = {}): Promise<RotationOutcome> {
    const record = await this.repository.findByHash(sha256Hex(token));
    if (!record || record.revokedAt) throw new UnauthenticatedError('The refresh token is not valid');
    if (record.rotatedAt || !(await this.repository.markRotated(record.id))) {
      await this.repository.revokeFamily(record.familyId);
      throw new RefreshTokenReuseError(record.userId);
    }
    if (record.expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError('The refresh token has expired');
    const next = this.newToken(record.userId, record.familyId);
    await this.repository.continueSession(next.record, origin);
    // A concurrent reuse of the same token revokes the family, possibly before the new token
    // was written: the parent is revoked in any case, so look again and take the new one back.
    if ((await this.repository.findByHash(sha256Hex(token)))?.revokedAt) {
      await this.repository.revokeFamily(record.familyId);
      throw new RefreshTokenReuseError(record.userId);
    }
    return { userId: record.userId, sessionId: record.familyId, refreshToken: next.token };
  }

  /** Ends the session the token belongs to; unknown tokens are ignored (logout is idempotent). */
  async revoke(token: string): Promise<string | undefined> {
    const record = await this.repository.findByHash(sha256Hex(token));
    if (!record) return undefined;
    await this.repository.revokeFamily(record.familyId);
    return record.userId;
  }

  /** Ends one session (family) by its ID. */
  revokeFamily(sessionId: string): Promise<void> {
    return this.repository.revokeFamily(sessionId);
  }

  /** Ends every session of the user, but `exceptSessionId` when given; returns how many ended. */
  revokeAllForUser(userId: string, exceptSessionId?: string): Promise<number> {
    return this.repository.revokeAllForUser(userId, exceptSessionId);
  }

  private newToken(userId: string, familyId: string) {
    const token = randomToken(32);
    const expiresAt = new Date(Date.now() + this.ttlDays * 86_400_000);
    return { token, record: { userId, familyId, tokenHash: sha256Hex(token), expiresAt } };
  }
}
