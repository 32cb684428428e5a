import type { AuditRepository } from '../audit/audit.repository';
import type { AuditEntry } from './admin.schemas';

// The audit log for administrators, newest first. Entry IDs are 64-bit sequence numbers:
// they travel as strings (JSON numbers lose precision past 2^53) and serve as the cursor.

export interface AuditSearch {
  action?: string;
  actorId?: string;
  targetId?: string;
  limit: number;
  cursor?: string;
}

type AuditRow = Awaited<ReturnType<AuditRepository['list']>>[number];

export class AuditLogService {
  constructor(private readonly audit: AuditRepository) {}

  async list(search: AuditSearch): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
    const rows = await this.audit.list({
      action: search.action,
      actorId: search.actorId,
      targetId: search.targetId,
      before: search.cursor === undefined ? undefined : BigInt(search.cursor),
      limit: search.limit + 1,
    });
    const page = rows.slice(0, search.limit);
    const last = page[page.length - 1];
    return { entries: page.map(toAuditEntry), nextCursor: rows.length > search.limit && last ? last.id.toString() : null };
  }
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id.toString(),
    at: row.at.toISOString(),
    actorType: row.actorType,
    actorId: row.actorId,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    onBehalfOf: row.onBehalfOf,
    result: row.result,
    ip: row.ip,
    details: jsonSafe(row.details),
  };
}

function jsonSafe(details: unknown): Record<string, unknown> {
  if (!details || typeof details !== 'object' || Array.isArray(details)) return {};
  return JSON.parse(JSON.stringify(details, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))) as Record<string, unknown>;
}
