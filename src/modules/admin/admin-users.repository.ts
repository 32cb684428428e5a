import type { PrismaClient } from '../../db/database';
import type { Prisma, UserRole, UserSource, UserStatus } from '../../generated/prisma/client';

// What administrators read and change about users: every field but secrets, search with
// keyset pagination, and the lifecycle writes (status, role, token revocation, deletion).

export interface AdminUserRecord {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  status: UserStatus;
  emailVerified: boolean;
  hasPassword: boolean;
  source: UserSource;
  createdAt: Date;
  updatedAt: Date;
  disabledAt: Date | null;
  link: { status: 'pending' | 'linked'; modeUserId: number | null; lastError: string | null } | null;
}

export interface UserListQuery {
  /** Part of the email, any letter case. */
  email?: string;
  status?: UserStatus;
  role?: UserRole;
  source?: UserSource;
  limit: number;
  /** The last user of the previous page (newest first). */
  after?: { createdAt: Date; id: string };
}

const select = {
  id: true,
  email: true,
  name: true,
  role: true,
  status: true,
  emailVerified: true,
  passwordHash: true,
  source: true,
  createdAt: true,
  updatedAt: true,
  disabledAt: true,
  link: { select: { status: true, modeUserId: true, lastError: true } },
} as const;

type Row = Prisma.UserGetPayload<{ select: typeof select }>;

function toRecord({ passwordHash, ...row }: Row): AdminUserRecord {
  return { ...row, hasPassword: passwordHash !== null };
}

export class AdminUsersRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async findById(id: string): Promise<AdminUserRecord | null> {
    const row = await this.prisma.user.findUnique({ where: { id }, select });
    return row && toRecord(row);
  }

  async findByEmail(email: string): Promise<AdminUserRecord | null> {
    const row = await this.prisma.user.findUnique({ where: { email: email.toLowerCase() }, select });
    return row && toRecord(row);
  }

  async list(query: UserListQuery): Promise<AdminUserRecord[]> {
    const { after } = query;
    const rows = await this.prisma.user.findMany({
      where: {
        email: query.email ? { contains: query.email, mode: 'insensitive' } : undefined,
        status: query.status,
        role: query.role,
        source: query.source,
        OR: after ? [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] : undefined,
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit,
      select,
    });
    return rows.map(toRecord);
  }

  /** Which of these (lower-case) emails already belong to a user. */
  async existingEmails(emails: string[]): Promise<Set<string>> {
    if (emails.length === 0) return new Set();
    // Raw: an import asks this per chunk of hundreds of emails, where Prisma's query building
    // for a long IN list costs more than the lookup.
    const rows = await this.prisma.$queryRawUnsafe<{ email: string }[]>('SELECT email FROM users WHERE email = ANY($1::text[])', emails);
    return new Set(rows.map((row) => row.email));
  }

  async update(id: string, patch: { status?: UserStatus; role?: UserRole }): Promise<AdminUserRecord> {
    const disabledAt = patch.status === undefined ? undefined : patch.status === 'disabled' ? new Date() : null;
    const row = await this.prisma.user.update({ where: { id }, data: { ...patch, disabledAt }, select });
    return toRecord(row);
  }

  /** Revokes every live refresh token of the user; returns how many were live. */
  async revokeRefreshTokens(userId: string): Promise<number> {
    const { count } = await this.prisma.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
    return count;
  }

  /** Removes the user and, by cascade, its link, tokens, invitations and notifications. */
  async delete(id: string): Promise<boolean> {
    const { count } = await this.prisma.user.deleteMany({ where: { id } });
    return count === 1;
  }
}
