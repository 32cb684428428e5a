import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../db/database';
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

export class UsersRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Creates the user and its pending MODE link together, so no user exists without one. */
  create(user: NewUser): Promise<UserWithLink> {
    return this.prisma.user.create({
      data: { id: randomUUID(), ...user, email: user.email.toLowerCase(), link: { create: {} } },
      include: withLink,
    });
  }

  findByEmail(email: string): Promise<UserWithLink | null> {
    return this.prisma.user.findUnique({ where: { email: email.toLowerCase() }, include: withLink });
  }

  findById(id: string): Promise<UserWithLink | null> {
    return this.prisma.user.findUnique({ where: { id }, include: withLink });
  }

  findByModeUserIds(modeUserIds: number[]): Promise<UserWithLink[]> {
    if (modeUserIds.length === 0) return Promise.resolve([]);
    return this.prisma.user.findMany({ where: { link: { modeUserId: { in: modeUserIds } } }, include: withLink });
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
