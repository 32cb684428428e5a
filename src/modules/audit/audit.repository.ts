import type { PrismaClient } from '../../db/database';
import type { Prisma } from '../../generated/prisma/client';

export interface AuditRecord {
  actorType: 'user' | 'admin' | 'service' | 'system' | 'anonymous';
  actorId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string | null;
  onBehalfOf?: string;
  result: 'success' | 'failure' | 'denied' | string;
  ip?: string;
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  action?: string;
  actorId?: string;
  targetId?: string;
  before?: bigint;
  limit: number;
}

export class AuditRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async record(entry: AuditRecord): Promise<void> {
    await this.prisma.auditEntry.create({
      data: { ...entry, details: (entry.details ?? {}) as Prisma.InputJsonValue },
    });
  }

  /** Several entries in one statement (one per item of a bulk action). */
  async recordMany(entries: AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    await this.prisma.auditEntry.createMany({
      data: entries.map((entry) => ({ ...entry, details: (entry.details ?? {}) as Prisma.InputJsonValue })),
    });
  }

  list(query: AuditQuery) {
    return this.prisma.auditEntry.findMany({
      where: {
        action: query.action,
        actorId: query.actorId,
        targetId: query.targetId,
        id: query.before === undefined ? undefined : { lt: query.before },
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
  }
}
