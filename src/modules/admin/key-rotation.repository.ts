import type { PrismaClient } from '../../db/database';
import type { SealedValue } from '../../lib/secret-box';

// Stored MODE user keys (mode_links.encrypted_key + key_id), read in batches by user ID and
// re-sealed one row at a time, each write conditional on the row still holding what was read.

export interface SealedKeyRow {
  userId: string;
  sealed: SealedValue | null;
}

export class KeyRotationRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** How many stored keys each encryption key ID sealed ("" for rows without a key ID). */
  async countByKeyId(): Promise<Map<string, number>> {
    const groups = await this.prisma.modeLink.groupBy({ by: ['keyId'], where: { encryptedKey: { not: null } }, _count: { _all: true } });
    return new Map(groups.map((group) => [group.keyId ?? '', group._count._all]));
  }

  /** Rows with a stored key not sealed by `currentKeyId`, after `afterUserId`, in user ID order. */
  async nextBatch(currentKeyId: string, afterUserId: string | undefined, limit: number): Promise<SealedKeyRow[]> {
    const rows = await this.prisma.modeLink.findMany({
      where: {
        encryptedKey: { not: null },
        OR: [{ keyId: null }, { keyId: { not: currentKeyId } }],
        userId: afterUserId ? { gt: afterUserId } : undefined,
      },
      orderBy: { userId: 'asc' },
      take: limit,
      select: { userId: true, encryptedKey: true, keyId: true },
    });
    return rows.map((row) => ({ userId: row.userId, sealed: row.encryptedKey && row.keyId ? { keyId: row.keyId, ciphertext: row.encryptedKey } : null }));
  }

  /** Replaces the sealed key if the row still holds `previous`; false when it changed meanwhile. */
  async replace(userId: string, previous: SealedValue, next: SealedValue): Promise<boolean> {
    const { count } = await this.prisma.modeLink.updateMany({
      where: { userId, keyId: previous.keyId, encryptedKey: previous.ciphertext },
      data: { keyId: next.keyId, encryptedKey: next.ciphertext },
    });
    return count === 1;
  }
}
