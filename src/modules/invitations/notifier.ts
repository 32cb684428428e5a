// How people hear that they were added to a home. The stored notifier writes an in-app
// notification and, for invitations, an outbox message that the e-mail channel delivers;
// another implementation can be passed to buildServices (ServiceDeps.notifier).

export interface Inviter {
  id: string;
  name: string;
  email: string;
}

export interface InvitationNotice {
  /** The invited local user (status `invited`). */
  userId: string;
  email: string;
  homeId: number;
  invitedBy: Inviter;
  /** The single-use token that accepts the invitation; it must reach only the invitee. */
  token: string;
  expiresAt: Date;
}

export interface MemberAddedNotice {
  userId: string;
  email: string;
  homeId: number;
  invitedBy: Inviter;
}

export interface Notifier {
  notifyInvitation(notice: InvitationNotice): Promise<void>;
  notifyMemberAdded(notice: MemberAddedNotice): Promise<void>;
}
