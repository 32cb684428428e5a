import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../db/database';
import type { Prisma } from '../../generated/prisma/client';
import type { SecretBox } from '../../lib/secret-box';
import { sealEmail, SECRET_PLACEHOLDER } from '../notifications/channels/sealed-email';
import type { InvitationNotice, MemberAddedNotice, Notifier } from './notifier';

/**
 * Outbox topic of invitation e-mails; the payload carries the token sealed (sealed-email.ts), the
 * inbox row never does. The e-mail channel opens it at send time.
 */
export const INVITATION_EMAIL_TOPIC = 'email.home_invitation';

// The Notifier that stores: a `notifications` row for the inbox and, for an invitation, an
// outbox message in the same transaction, so neither is written without the other.
export class StoredNotifier implements Notifier {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly box: SecretBox,
  ) {}

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
            ...sealEmail(this.box, { to: email, subject: `${displayName(invitedBy)} invited you to their home`, text: invitationText(displayName(invitedBy), expiresAt), secret: token }),
            userId,
            homeId,
            invitedBy: { ...inviter, email: invitedBy.email },
            expiresAt: expiresAt.toISOString(),
          } as unknown as Prisma.InputJsonValue,
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

function invitationText(inviter: string, expiresAt: Date): string {
  return [
    `${inviter} invited you to join their home.`,
    '',
    'To accept, open the app, choose "I have an invitation" and enter this code:',
    '',
    `    ${SECRET_PLACEHOLDER}`,
    '',
    `The code works once and expires on ${expiresAt.toUTCString()}.`,
    'If you did not expect this invitation, ignore this message.',
  ].join('\n');
}

function displayName(inviter: { name: string; email: string }): string {
  return inviter.name || inviter.email;
}
