import type { PrismaClient } from '../../db/database';
import type { SealedValue } from '../../lib/secret-box';

export interface LinkState {
  userId: string;
  status: 'pending' | 'linked';
  modeUserId: number | null;
  sealedKey: SealedValue | null;
  attempts: number;
}

const LEASE_MS = 30_000;

export class LinksRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async find(userId: string): Promise<LinkState | null> {
    const row = await this.prisma.modeLink.findUnique({ where: { userId } });
    if (!row) return null;
    return {
      userId: row.userId,
      status: row.status,
      modeUserId: row.modeUserId,
      sealedKey: row.encryptedKey && row.keyId ? { ciphertext: row.encryptedKey, keyId: row.keyId } : null,
      attempts: row.attempts,
    };
  }

  /** Takes the link for the next MODE round trip; false while another worker holds it. */
  async acquireLease(userId: string): Promise<boolean> {
    const now = new Date();
    const { count } = await this.prisma.modeLink.updateMany({
      where: { userId, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
      data: { leaseUntil: new Date(now.getTime() + LEASE_MS) },
    });
    return count === 1;
  }

  async releaseLease(userId: string): Promise<void> {
    await this.prisma.modeLink.updateMany({ where: { userId }, data: { leaseUntil: null } });
  }

  /** Records the MODE user as soon as it exists, so a later failure never creates a second one. */
  async saveModeUser(userId: string, modeUserId: number): Promise<void> {
    await this.prisma.modeLink.update({ where: { userId }, data: { modeUserId } });
  }

  async saveKey(userId: string, key: SealedValue): Promise<void> {
    const now = new Date();
    await this.prisma.modeLink.update({
      where: { userId },
      data: { status: 'linked', encryptedKey: key.ciphertext, keyId: key.keyId, keyIssuedAt: now, linkedAt: now, lastError: null, attempts: 0 },
    });
  }

  /**
   * Puts a link whose MODE user is gone back to pending, without a MODE user, and drops the home
   * memberships known for that MODE user. Only while the link still names that user, so two
   * requests noticing the loss at once reset it once.
   */
  async forgetModeUser(userId: string, lostModeUserId: number): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.modeLink.updateMany({
        where: { userId, modeUserId: lostModeUserId },
        data: { status: 'pending', modeUserId: null, encryptedKey: null, keyId: null, keyIssuedAt: null, linkedAt: null, nextAttemptAt: new Date() },
      }),
      this.prisma.homeMembership.deleteMany({ where: { modeUserId: lostModeUserId } }),
    ]);
  }

  async recordFailure(userId: string, error: string, retryAt: Date): Promise<void> {
    await this.prisma.modeLink.update({
      where: { userId },
      data: { attempts: { increment: 1 }, lastError: error.slice(0, 500), nextAttemptAt: retryAt },
    });
  }

  /** Pending links whose retry time has come and that nobody holds, oldest first. */
  async findDue(limit: number): Promise<string[]> {
    const now = new Date();
    const rows = await this.prisma.modeLink.findMany({
      where: { status: 'pending', nextAttemptAt: { lte: now }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
      orderBy: { nextAttemptAt: 'asc' },
      take: limit,
      select: { userId: true },
    });
    return rows.map((row) => row.userId);
  }
}
