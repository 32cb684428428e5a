import { randomUUID } from 'node:crypto';
import type { PrismaClient, SqlRunner } from '../../db/database';
import { isUuid } from '../../lib/bounds';
import type { LinkStatus, UserRole, UserSource, UserStatus } from '../../generated/prisma/client';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string | null;
  role: UserRole;
  status: UserStatus;
  emailVerified: boolean;
  createdAt: Date;
}

export interface LinkRecord {
  status: LinkStatus;
  modeUserId: number | null;
}

export interface UserWithLink extends UserRecord {
  link: LinkRecord | null;
}

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string | null;
  role: UserRole;
  status: UserStatus;
  /** How the account came in; default: registration. */
  source?: UserSource;
  /** The address is known to be the user's; default: false. */
  emailVerified?: boolean;
}

const withLink = { link: { select: { status: true, modeUserId: true } } } as const;

interface UserWithLinkRow extends Omit<UserRecord, 'createdAt'> {
  createdAt: Date | string;
  linkStatus: LinkStatus | null;
  modeUserId: number | null;
}

export class UsersRepository {
  constructor(
    private readonly prisma: PrismaClient,
    /** The reads every login and many authenticated calls make go through the raw pool. */
    private readonly sql: SqlRunner,
  ) {}

  /** Creates the user and its pending MODE link together, so no user exists without one. */
  create(user: NewUser): Promise<UserWithLink> {
    return this.prisma.user.create({
      data: { id: randomUUID(), ...user, email: user.email.toLowerCase(), link: { create: {} } },
      include: withLink,
    });
  }

  /**
   * Creates many users and their pending MODE links in one transaction (an import's chunk: a
   * few statements instead of two per user). An email that exists already is skipped, not an
   * error; returns the users created.
   */
  async createMany(users: NewUser[]): Promise<{ id: string; email: string }[]> {
    if (users.length === 0) return [];
    // One statement of arrays: Prisma's createMany builds a query per call whose cost grows with
    // its rows, far more than the database's own work for them.
    const column = <V>(pick: (user: NewUser) => V) => users.map(pick);
    return this.prisma.$queryRawUnsafe<{ id: string; email: string }[]>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::"UserRole"[], $6::"UserStatus"[], $7::"UserSource"[], $8::boolean[])
           AS t(id, email, name, password_hash, role, status, source, email_verified)
       ), new_user AS (
         INSERT INTO users (id, email, name, password_hash, role, status, source, email_verified)
         SELECT * FROM input ORDER BY email
         ON CONFLICT (email) DO NOTHING
         RETURNING id, email
       ), new_link AS (
         INSERT INTO mode_links (user_id) SELECT id FROM new_user
       )
       SELECT id::text AS id, email FROM new_user`,
      column(() => randomUUID()),
      column((user) => user.email.toLowerCase()),
      column((user) => user.name),
      column((user) => user.passwordHash),
      column((user) => user.role),
      column((user) => user.status),
      column((user) => user.source ?? 'registration'),
      column((user) => user.emailVerified ?? false),
    );
  }

  async findByEmail(email: string): Promise<UserWithLink | null> {
    const [user] = await this.select('u.email = $1', [email.toLowerCase()]);
    return user ?? null;
  }

  async findById(id: string): Promise<UserWithLink | null> {
    if (!isUuid(id)) return null;
    const [user] = await this.select('u.id = $1::uuid', [id]);
    return user ?? null;
  }

  findByModeUserIds(modeUserIds: number[]): Promise<UserWithLink[]> {
    if (modeUserIds.length === 0) return Promise.resolve([]);
    return this.select('l.mode_user_id = ANY($1::int[])', [modeUserIds]);
  }

  /**
   * Users with their link, by a condition on `u` (users) and `l` (mode_links): a tenth or less of
   * the CPU of Prisma's `findUnique` with its `include` (scripts/bench/query-cost.ts).
   */
  private async select(where: string, params: unknown[]): Promise<UserWithLink[]> {
    const rows = await this.sql.query<UserWithLinkRow>(
      `SELECT u.id::text AS id, u.email, u.name, u.password_hash AS "passwordHash", u.role::text AS role,
              u.status::text AS status, u.email_verified AS "emailVerified", u.created_at AS "createdAt",
              l.status::text AS "linkStatus", l.mode_user_id AS "modeUserId"
         FROM users u LEFT JOIN mode_links l ON l.user_id = u.id
        WHERE ${where}`,
      params,
    );
    return rows.map(({ linkStatus, modeUserId, createdAt, ...user }) => ({
      ...user,
      createdAt: new Date(createdAt),
      link: linkStatus === null ? null : { status: linkStatus, modeUserId },
    }));
  }

  async update(id: string, patch: Partial<Pick<UserRecord, 'name' | 'passwordHash' | 'role' | 'status'>>): Promise<UserWithLink> {
    const disabledAt = patch.status === undefined ? undefined : patch.status === 'disabled' ? new Date() : null;
    return this.prisma.user.update({ where: { id }, data: { ...patch, disabledAt }, include: withLink });
  }

  /**
   * Replaces the password hash only while it is still `current`, so that an upgrade after a
   * login never overwrites a password changed meanwhile; false when it had changed.
   */
  async replacePasswordHash(id: string, current: string, next: string): Promise<boolean> {
    const { count } = await this.prisma.user.updateMany({ where: { id, passwordHash: current }, data: { passwordHash: next } });
    return count === 1;
  }

  /** Gives an invited account its password and makes it active; null unless it was still invited. */
  async activateInvited(id: string, changes: { passwordHash: string; name?: string; emailVerified?: boolean; role?: UserRole }): Promise<UserWithLink | null> {
    const { count } = await this.prisma.user.updateMany({ where: { id, status: 'invited' }, data: { ...changes, status: 'active' } });
    return count === 1 ? this.findById(id) : null;
  }

  async delete(id: string): Promise<void> {
    await this.prisma.user.delete({ where: { id } });
  }
}
