import { ValidationError } from '../../lib/errors';
import { isStorableDate } from '../../lib/bounds';
import type { AdminUserRecord, AdminUsersRepository } from './admin-users.repository';
import type { AdminUser } from './admin.schemas';

// Finding users for administrators: search by email part, status and role, newest first,
// with an opaque cursor (the last user's creation time and ID) that stays valid while rows are added.

export interface UserSearch {
  email?: string;
  status?: AdminUserRecord['status'];
  role?: AdminUserRecord['role'];
  source?: AdminUserRecord['source'];
  limit: number;
  cursor?: string;
}

export class AdminUsersService {
  constructor(private readonly users: AdminUsersRepository) {}

  async list(search: UserSearch): Promise<{ users: AdminUser[]; nextCursor: string | null }> {
    const rows = await this.users.list({ ...search, limit: search.limit + 1, after: search.cursor ? decodeCursor(search.cursor) : undefined });
    const page = rows.slice(0, search.limit);
    const last = page[page.length - 1];
    return { users: page.map(toAdminUser), nextCursor: rows.length > search.limit && last ? encodeCursor(last) : null };
  }
}

export function toAdminUser(user: AdminUserRecord): AdminUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    status: user.status,
    emailVerified: user.emailVerified,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
    disabledAt: user.disabledAt?.toISOString() ?? null,
    hasPassword: user.hasPassword,
    source: user.source,
    link: { status: user.link?.status ?? 'pending', modeUserId: user.link?.modeUserId ?? null, lastError: user.link?.lastError ?? null },
  };
}

function encodeCursor(user: AdminUserRecord): string {
  return Buffer.from(JSON.stringify([user.createdAt.toISOString(), user.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id) || !isStorableDate(date)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new ValidationError([{ field: 'query.cursor', message: 'must be the nextCursor of the previous page' }]);
  }
}
