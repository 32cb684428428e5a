import type { PrismaClient } from '../../db/database';
import type { Prisma } from '../../generated/prisma/client';

// The authorization server's storage (codes, tokens, grants, sessions, interactions): one row
// per model and ID, the payload as JSON. Every instance reads and writes the same table.

export type Payload = Record<string, unknown> & {
  grantId?: string;
  userCode?: string;
  uid?: string;
  accountId?: string;
  clientId?: string;
  consumed?: unknown;
};

export interface StoredGrant {
  grantId: string;
  clientId: string;
  payload: Payload;
  createdAt: Date;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export class OAuthPayloadsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async upsert(model: string, id: string, payload: Payload, expiresInSeconds: number | undefined): Promise<void> {
    const columns = {
      payload: payload as Prisma.InputJsonValue,
      grantId: text(payload.grantId),
      userCode: text(payload.userCode),
      uid: text(payload.uid),
      accountId: text(payload.accountId),
      clientId: text(payload.clientId),
      expiresAt: expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null,
    };
    await this.prisma.oAuthPayload.upsert({ where: { model_id: { model, id } }, create: { model, id, ...columns }, update: columns });
  }

  /** The payload, unless it has expired; a consumed one says when. */
  async find(model: string, where: { id: string } | { uid: string } | { userCode: string }): Promise<Payload | undefined> {
    const row = await this.prisma.oAuthPayload.findFirst({
      where: { model, ...where, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
    });
    if (!row) return undefined;
    const payload = row.payload as Payload;
    return row.consumedAt ? { ...payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) } : payload;
  }

  async consume(model: string, id: string): Promise<void> {
    await this.prisma.oAuthPayload.updateMany({ where: { model, id }, data: { consumedAt: new Date() } });
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.prisma.oAuthPayload.deleteMany({ where: { model, id } });
  }

  /** Every code and token of a grant, and the grant itself. */
  async revokeGrant(grantId: string): Promise<void> {
    await this.prisma.oAuthPayload.deleteMany({ where: { OR: [{ grantId }, { model: 'Grant', id: grantId }] } });
  }

  /** Everything of a user (with one app only, when clientId is given); the number of grants it ended. */
  async revokeAccount(accountId: string, clientId?: string): Promise<number> {
    const grants = await this.prisma.oAuthPayload.count({ where: { model: 'Grant', accountId, clientId } });
    await this.prisma.oAuthPayload.deleteMany({ where: { accountId, clientId } });
    return grants;
  }

  /** The user's grants that have not expired, oldest first. */
  async grantsOf(accountId: string, clientId?: string): Promise<StoredGrant[]> {
    const rows = await this.prisma.oAuthPayload.findMany({
      where: { model: 'Grant', accountId, clientId, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((row) => ({ grantId: row.id, clientId: row.clientId ?? '', payload: row.payload as Payload, createdAt: row.createdAt }));
  }

  /** Removes rows that expired before `before`; the number removed. */
  async purgeExpired(before: Date): Promise<number> {
    const { count } = await this.prisma.oAuthPayload.deleteMany({ where: { expiresAt: { lt: before } } });
    return count;
  }
}
