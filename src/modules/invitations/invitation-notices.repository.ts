import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../db/database';
import type { InvitationNotice, MemberAddedNotice, Notifier } from './notifier';

/** Outbox topic of invitation e-mails; the payload carries the token, the inbox row never does. */
export const INVITATION_EMAIL_TOPIC = 'email.home_invitation';

// The Notifier that stores: a `notifications` row for the inbox and, for an invitation, an
// outbox message in the same transaction, so an invitation is never recorded without its e-mail.
export class StoredNotifier implements Notifier {
  constructor(private readonly prisma: PrismaClient) {}

  async notifyInvitation(notice: InvitationNotice): Promise<void> {
    const { userId, email, homeId, invitedBy, token, expiresAt } = notice;
    const inviter = { id: invitedBy.id, name: invitedBy.name };
    await this.prisma.$transaction([
      this.prisma.notification.create({
        data: {
          id: randomUUID(),
          userId,
          kind: 'home.invitation',
          title: 'You were invited to a home',
          body: `${displayName(invitedBy)} invited you to join their home.`,
          data: { homeId, invitedBy: inviter, expiresAt: expiresAt.toISOString() },
        },
      }),
      this.prisma.outboxMessage.create({
        data: {
          idempotencyKey: `invitation:${randomUUID()}`,
          topic: INVITATION_EMAIL_TOPIC,
          payload: { to: email, userId, homeId, invitedBy: { ...inviter, email: invitedBy.email }, token, expiresAt: expiresAt.toISOString() },
        },
      }),
    ]);
  }

  async notifyMemberAdded(notice: MemberAddedNotice): Promise<void> {
    const { userId, homeId, invitedBy } = notice;
    await this.prisma.notification.create({
      data: {
        id: randomUUID(),
        userId,
        kind: 'home.member_added',
        title: 'You were added to a home',
        body: `${displayName(invitedBy)} added you to their home.`,
        data: { homeId, invitedBy: { id: invitedBy.id, name: invitedBy.name } },
      },
    });
  }
}

function displayName(inviter: { name: string; email: string }): string {
  return inviter.name || inviter.email;
}
