import { randomToken, sha256Hex } from '../../lib/crypto';
import { NotFoundError, ValidationError } from '../../lib/errors';
import type { AuditRepository } from '../audit/audit.repository';
import type { AuthService, Client } from '../auth/auth.service';
import { hashPassword, passwordWeaknesses } from '../auth/passwords';
import type { UsersRepository, UserWithLink } from '../users/users.repository';
import type { InvitationRecord, InvitationsRepository } from './invitations.repository';
import type { Notifier } from './notifier';

// The BYOU invitation: someone without an account is added to a home at once (an `invited`
// local user linked to MODE) and accepts later with a single-use token that sets a password.

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;

export interface InvitationView {
  homeId: number;
  email: string;
  invitedBy: { name: string } | null;
  expiresAt: string;
}

export class InvitationsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly invitations: InvitationsRepository,
    private readonly notifier: Notifier,
    private readonly auth: Pick<AuthService, 'startSessionFor'>,
    private readonly audit: AuditRepository,
    private readonly adminEmails: string[],
  ) {}

  /** The local account of this e-mail: the existing one, or a new `invited` one without a password. */
  async findOrCreateInvitee(email: string): Promise<UserWithLink> {
    const existing = await this.users.findByEmail(email);
    if (existing) return existing;
    // Never an admin: ADMIN_EMAILS applies when the address's owner accepts (or claims it).
    return this.users.create({ email, name: '', passwordHash: null, role: 'user', status: 'invited', source: 'invitation' }).catch(async (error: unknown) => {
      // Invited twice at the same moment: the other request created the account.
      const created = (error as { code?: string }).code === 'P2002' ? await this.users.findByEmail(email) : null;
      if (!created) throw error;
      return created;
    });
  }

  /** Tells a new member of a home; an account still `invited` gets a fresh token to accept with. */
  async welcome(member: UserWithLink, homeId: number, inviter: UserWithLink): Promise<void> {
    const invitedBy = { id: inviter.id, name: inviter.name, email: inviter.email };
    if (member.status !== 'invited') {
      await this.notifier.notifyMemberAdded({ userId: member.id, email: member.email, homeId, invitedBy });
      return;
    }
    const token = randomToken();
    const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
    await this.invitations.create({ userId: member.id, invitedById: inviter.id, homeId, tokenHash: sha256Hex(token), expiresAt });
    await this.notifier.notifyInvitation({ userId: member.id, email: member.email, homeId, invitedBy, token, expiresAt });
  }

  async describe(token: string): Promise<InvitationView> {
    const { invitation, invitee } = await this.open(token);
    const inviter = invitation.invitedById ? await this.users.findById(invitation.invitedById) : null;
    return {
      homeId: invitation.homeId,
      email: invitee.email,
      invitedBy: inviter ? { name: inviter.name } : null,
      expiresAt: invitation.expiresAt.toISOString(),
    };
  }

  /** Sets the invitee's password, activates the account and signs it in; the token is used up. */
  async accept(token: string, input: { password: string; name?: string }, client: Client) {
    const { invitation, invitee } = await this.open(token);
    const weaknesses = passwordWeaknesses(input.password, invitee.email);
    if (weaknesses.length > 0) {
      throw new ValidationError(weaknesses.map((message) => ({ field: 'body.password', message })), 'The password is too weak');
    }
    const passwordHash = await hashPassword(input.password);
    if (!(await this.invitations.consume(invitation.id))) throw unusable();
    // The token came in an e-mail to this address: accepting proves it.
    const role = this.adminEmails.includes(invitee.email) ? ('admin' as const) : undefined;
    const user = await this.users.activateInvited(invitee.id, { passwordHash, emailVerified: true, ...(role ? { role } : {}), ...(input.name ? { name: input.name } : {}) });
    if (!user) throw unusable();
    await this.invitations.closeOpenOf(user.id);
    await this.audit.record({ actorType: 'user', actorId: user.id, action: 'invitation.accept', targetType: 'user', targetId: user.id, result: 'success', ip: client.ip, details: { homeId: invitation.homeId } });
    return this.auth.startSessionFor(user, client);
  }

  private async open(token: string): Promise<{ invitation: InvitationRecord; invitee: UserWithLink }> {
    const invitation = await this.invitations.findOpen(sha256Hex(token));
    const invitee = invitation ? await this.users.findById(invitation.userId) : null;
    if (!invitation || !invitee || invitee.status !== 'invited') throw unusable();
    return { invitation, invitee };
  }
}

function unusable(): NotFoundError {
  return new NotFoundError('This invitation does not exist, was already used or has expired');
}
