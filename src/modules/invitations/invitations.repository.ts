import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../db/database';

export interface InvitationRecord {
  id: string;
  userId: string;
  invitedById: string | null;
  homeId: number;
  expiresAt: Date;
}

export interface NewInvitation {
  userId: string;
  invitedById: string;
  homeId: number;
  tokenHash: string;
  expiresAt: Date;
}

const fields = { id: true, userId: true, invitedById: true, homeId: true, expiresAt: true } as const;

// Invitations are found by the SHA-256 hash of their token; the token itself is never stored here.
export class InvitationsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(invitation: NewInvitation): Promise<InvitationRecord> {
    return this.prisma.invitation.create({ data: { id: randomUUID(), ...invitation }, select: fields });
  }

  /** The invitation of this token while it can still be accepted: not used and not expired. */
  async findOpen(tokenHash: string, now = new Date()): Promise<InvitationRecord | null> {
    return this.prisma.invitation.findFirst({ where: { tokenHash, acceptedAt: null, expiresAt: { gt: now } }, select: fields });
  }

  /** Uses the invitation up; false when it was used or expired meanwhile (single use under concurrency). */
  async consume(id: string, now = new Date()): Promise<boolean> {
    const { count } = await this.prisma.invitation.updateMany({ where: { id, acceptedAt: null, expiresAt: { gt: now } }, data: { acceptedAt: now } });
    return count === 1;
  }

  /** Closes the user's other open invitations once one of them has been accepted. */
  async closeOpenOf(userId: string, now = new Date()): Promise<void> {
    await this.prisma.invitation.updateMany({ where: { userId, acceptedAt: null }, data: { acceptedAt: now } });
  }
}
