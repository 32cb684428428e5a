import type { PrismaClient, SqlRunner } from '../../db/database';

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
  constructor(
    private readonly prisma: PrismaClient,
    /** Writes go through the raw pool: a fraction of the CPU of Prisma's `create` (scripts/bench/query-cost.ts). */
    private readonly sql: SqlRunner,
  ) {}

  /** One entry. */
  record(entry: AuditRecord): Promise<void> {
    return this.recordMany([entry]);
  }

  /** Several entries in one statement (one per item of a bulk action). */
  async recordMany(entries: AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    // One statement of arrays: Prisma's createMany builds a query whose cost grows with its rows.
    const column = <V>(pick: (entry: AuditRecord) => V) => entries.map(pick);
    await this.sql.query(
      `INSERT INTO audit_log (actor_type, actor_id, action, target_type, target_id, on_behalf_of, result, ip, details)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])`,
      [
        column((entry) => entry.actorType),
        column((entry) => entry.actorId ?? null),
        column((entry) => entry.action),
        column((entry) => entry.targetType ?? null),
        column((entry) => entry.targetId ?? null),
        column((entry) => entry.onBehalfOf ?? null),
        column((entry) => entry.result),
        column((entry) => entry.ip ?? null),
        column((entry) => JSON.stringify(entry.details ?? {})),
      ],
    );
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
