import type { PrismaClient } from '../../db/database';

export interface SessionRecord {
  id: string;
  userId: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
}

const columns = { id: true, userId: true, userAgent: true, ip: true, createdAt: true, lastUsedAt: true } as const;

// Reads of sessions (refresh-token families); the writes that start, continue and end them are
// in refresh-tokens.repository.ts, together with the tokens they concern.
export class SessionsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The user's sessions that can still refresh, most recently used first. A live token is the
   * proof: a family whose tokens were revoked elsewhere (an admin disabling the account) is over
   * even if its session row was not marked.
   */
  async listActive(userId: string): Promise<SessionRecord[]> {
    const now = new Date();
    const sessions = await this.prisma.session.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: now } },
      orderBy: [{ lastUsedAt: 'desc' }, { id: 'asc' }],
      select: columns,
    });
    if (sessions.length === 0) return [];
    const live = await this.prisma.refreshToken.findMany({
      where: { userId, familyId: { in: sessions.map((session) => session.id) }, revokedAt: null, rotatedAt: null, expiresAt: { gt: now } },
      select: { familyId: true },
      distinct: ['familyId'],
    });
    const liveIds = new Set(live.map((token) => token.familyId));
    return sessions.filter((session) => liveIds.has(session.id));
  }

  /** One of the user's sessions, ended or not; null when it is someone else's or unknown. */
  find(userId: string, sessionId: string): Promise<SessionRecord | null> {
    return this.prisma.session.findFirst({ where: { id: sessionId, userId }, select: columns });
  }
}
