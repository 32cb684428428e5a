import type { PrismaClient } from '../../db/database';

// The customer's backends that call mode-bridge with their own credentials. Only the hash of
// a client's secret is kept.

export interface ServiceClientRecord {
  id: string;
  name: string;
  clientId: string;
  secretHash: string;
  scopes: string[];
  /** Meaningful only when allUsers is false. */
  allowedUserIds: string[];
  allUsers: boolean;
  createdById: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export type NewServiceClient = Omit<ServiceClientRecord, 'createdAt' | 'revokedAt'>;

export class ServiceClientsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(client: NewServiceClient): Promise<ServiceClientRecord> {
    return this.prisma.serviceClient.create({ data: client });
  }

  list(): Promise<ServiceClientRecord[]> {
    return this.prisma.serviceClient.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
  }

  findById(id: string): Promise<ServiceClientRecord | null> {
    return this.prisma.serviceClient.findUnique({ where: { id } });
  }

  findByClientId(clientId: string): Promise<ServiceClientRecord | null> {
    return this.prisma.serviceClient.findUnique({ where: { clientId } });
  }

  /** Sets revokedAt once; revoking again keeps the first date. Null when there is no such client. */
  async revoke(id: string, at: Date): Promise<ServiceClientRecord | null> {
    await this.prisma.serviceClient.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return this.findById(id);
  }

  /** The IDs among `userIds` that name no local user. */
  async unknownUserIds(userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const found = await this.prisma.user.findMany({ where: { id: { in: userIds } }, select: { id: true } });
    const known = new Set(found.map((user) => user.id));
    return userIds.filter((id) => !known.has(id));
  }
}
