import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../db/database';
import type { InvitationNotice, MemberAddedNotice, Notifier } from './notifier';

/**
 * Outbox topic of invitation e-mails; the payload carries the token, the inbox row never does.
 * The payload is also a plain e-mail (`to`, `subject`, `text`), so an e-mail channel can send it as is.
 */
export const INVITATION_EMAIL_TOPIC = 'email.home_invitation';

// The Notifier that stores: a `notifications` row for the inbox and, for an invitation, an
// outbox message in the same transaction, so neither is written without the other.
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
          payload: {
            to: email,
            subject: `${displayName(invitedBy)} invited you to their home`,
            text: invitationText(displayName(invitedBy), token, expiresAt),
            userId,
            homeId,
            invitedBy: { ...inviter, email: invitedBy.email },
            token,
            expiresAt: expiresAt.toISOString(),
          },
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

function invitationText(inviter: string, token: string, expiresAt: Date): string {
  return [
    `${inviter} invited you to join their home.`,
    '',
    'To accept, open the app, choose "I have an invitation" and enter this code:',
    '',
    `    ${token}`,
    '',
    `The code works once and expires on ${expiresAt.toUTCString()}.`,
    'If you did not expect this invitation, ignore this message.',
  ].join('\n');
}

function displayName(inviter: { name: string; email: string }): string {
  return inviter.name || inviter.email;
}
