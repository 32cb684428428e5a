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

type LinkRow = { userId: string; status: LinkState['status']; modeUserId: number | null; encryptedKey: string | null; keyId: string | null; attempts: number };

function toLinkState(row: LinkRow): LinkState {
  return {
    userId: row.userId,
    status: row.status,
    modeUserId: row.modeUserId,
    sealedKey: row.encryptedKey && row.keyId ? { ciphertext: row.encryptedKey, keyId: row.keyId } : null,
    attempts: row.attempts,
  };
}

export class LinksRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async find(userId: string): Promise<LinkState | null> {
    const row = await this.prisma.modeLink.findUnique({ where: { userId } });
    return row ? toLinkState(row) : null;
  }

  /**
   * Takes the link for the next MODE round trip and returns it as it stands under the lease (one
   * statement); null while another worker holds it, or when the user has no link row.
   */
  async acquireLease(userId: string): Promise<LinkState | null> {
    const now = new Date();
    const [row] = await this.prisma.modeLink.updateManyAndReturn({
      where: { userId, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
      data: { leaseUntil: new Date(now.getTime() + LEASE_MS) },
    });
    return row ? toLinkState(row) : null;
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
      data: { status: 'linked', encryptedKey: key.ciphertext, keyId: key.keyId, keyIssuedAt: now, linkedAt: now, lastError: null, attempts: 0, leaseUntil: null },
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

  /** Counts a failed attempt and gives up the lease. */
  async recordFailure(userId: string, error: string, retryAt: Date): Promise<void> {
    await this.prisma.modeLink.update({
      where: { userId },
      data: { attempts: { increment: 1 }, lastError: error.slice(0, 500), nextAttemptAt: retryAt, leaseUntil: null },
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
