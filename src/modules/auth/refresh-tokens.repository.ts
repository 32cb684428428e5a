import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../db/database';

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

/** Where a session's request came from, as kept on the session. */
export interface SessionOrigin {
  ip?: string;
  userAgent?: string;
}

export interface NewToken {
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
}

// Refresh tokens and the sessions (families) they belong to. Every write that starts, continues
// or ends a family changes its session in the same transaction, so the two never disagree.
export class RefreshTokensRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** A new session with its first refresh token. */
  async createSession(token: NewToken, origin: SessionOrigin): Promise<void> {
    const now = new Date();
    await this.prisma.$transaction([
      this.prisma.session.create({
        data: { id: token.familyId, userId: token.userId, userAgent: origin.userAgent ?? null, ip: origin.ip ?? null, createdAt: now, lastUsedAt: now, expiresAt: token.expiresAt },
      }),
      this.prisma.refreshToken.create({ data: { id: randomUUID(), ...token } }),
    ]);
  }

  /** The next token of a family, after a refresh: the session was used now, from `origin`. */
  async continueSession(token: NewToken, origin: SessionOrigin): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.refreshToken.create({ data: { id: randomUUID(), ...token } }),
      this.prisma.session.updateMany({
        where: { id: token.familyId },
        data: { lastUsedAt: new Date(), expiresAt: token.expiresAt, ...(origin.ip ? { ip: origin.ip } : {}) },
      }),
    ]);
  }

  findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    return this.prisma.refreshToken.findUnique({ where: { tokenHash } });
  }

  /** Marks the token used; false when another request already used it (a race or a replay). */
  async markRotated(id: string): Promise<boolean> {
    const { count } = await this.prisma.refreshToken.updateMany({
      where: { id, rotatedAt: null, revokedAt: null },
      data: { rotatedAt: new Date() },
    });
    return count === 1;
  }

  async revokeFamily(familyId: string): Promise<void> {
    const revokedAt = new Date();
    await this.prisma.$transaction([
      this.prisma.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt } }),
      this.prisma.session.updateMany({ where: { id: familyId, revokedAt: null }, data: { revokedAt } }),
    ]);
  }

  /** Ends every session of the user but `exceptFamilyId`; returns how many sessions ended. */
  async revokeAllForUser(userId: string, exceptFamilyId?: string): Promise<number> {
    const revokedAt = new Date();
    const family = exceptFamilyId === undefined ? undefined : { not: exceptFamilyId };
    const [, sessions] = await this.prisma.$transaction([
      this.prisma.refreshToken.updateMany({ where: { userId, familyId: family, revokedAt: null }, data: { revokedAt } }),
      this.prisma.session.updateMany({ where: { userId, id: family, revokedAt: null }, data: { revokedAt } }),
    ]);
    return sessions.count;
  }
}
