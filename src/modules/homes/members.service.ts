import { ConflictError, ForbiddenError } from '../../lib/errors';
import { ModeApiError, type ModeClient } from '../../mode';
import type { InvitationsService } from '../invitations/invitations.service';
import type { LinkingService } from '../linking/linking.service';
import type { UsersRepository } from '../users/users.repository';
import { hasRight, type HomeAccess } from './home-access';
import { toMemberView, type MemberView } from './homes.schemas';
import type { MembershipsRepository } from './memberships.repository';

// Members the BYOU way: MODE adds people by MODE user ID only, so the bridge looks the e-mail
// up locally, creates and links an invited account when there is none, adds it, and tells them.

export class MembersService {
  constructor(
    private readonly mode: ModeClient,
    private readonly linking: LinkingService,
    private readonly access: HomeAccess,
    private readonly memberships: MembershipsRepository,
    private readonly users: UsersRepository,
    private readonly invitations: InvitationsService,
  ) {}

  /** MODE's members with the local account of each one that is ours (one query for the list). */
  async list(userId: string, homeId: number): Promise<MemberView[]> {
    await this.access.requireMember(userId, homeId);
    const members = await this.linking.withUserKey(userId, (key) => this.access.syncMembers(homeId, key));
    const locals = await this.users.findByModeUserIds(members.map((member) => member.userId));
    const byModeUser = new Map(locals.map((user) => [user.link?.modeUserId, user]));
    return members.map((member) => toMemberView(member, homeId, byModeUser.get(member.userId)));
  }

  async add(userId: string, homeId: number, email: string): Promise<MemberView> {
    await this.access.requireRight(userId, homeId, 'members.add');
    const inviter = await this.users.findById(userId);
    if (!inviter) throw new ForbiddenError('This account cannot add members');
    // Whatever the address's account (none yet, invited, active or disabled), the answer looks
    // the same: adding a member must not tell who has an account or what it is called.
    const invitee = await this.invitations.findOrCreateInvitee(email);
    const { modeUserId } = await this.linking.ensureLinked(invitee.id);
    if (await this.memberships.find(homeId, modeUserId)) {
      // The bridge's copy may predate a removal made directly in MODE: MODE decides.
      await this.linking.withUserKey(userId, (key) => this.access.syncMembers(homeId, key));
      if (await this.memberships.find(homeId, modeUserId)) throw new ConflictError('This person is already a member of the home');
    }
    const member = await this.linking
      .withUserKey(userId, (key) => this.mode.addMember(key, homeId, modeUserId))
      .catch(async (error: unknown) => {
        if (!(error instanceof ModeApiError) || error.reason !== 'ALREADY_MEMBER') throw error;
        await this.linking.withUserKey(userId, (key) => this.access.syncMembers(homeId, key));
        throw new ConflictError('This person is already a member of the home');
      });
    await this.memberships.upsert({ homeId, modeUserId, role: member.role === 'owner' ? 'owner' : 'member' });
    await this.invitations.welcome(invitee, homeId, inviter);
    // The same answer whoever the address belongs to: nothing about an existing account leaks.
    return { ...toMemberView(member, homeId), name: '' };
  }

  /** Owners may remove anyone; every member may leave, except the last owner. */
  async remove(userId: string, homeId: number, modeUserId: number): Promise<void> {
    const { account, role } = await this.access.requireMember(userId, homeId);
    const leaving = modeUserId === account.modeUserId;
    if (!leaving && !hasRight(role, 'members.remove_other')) throw new ForbiddenError('Only an owner of this home may remove other members');
    if (leaving && role === 'owner' && (await this.memberships.countOwners(homeId)) <= 1) {
      throw new ConflictError('The last owner cannot leave the home; delete the home instead');
    }
    await this.linking.withUserKey(userId, (key) => this.mode.removeMember(key, homeId, modeUserId));
    await this.memberships.remove(homeId, modeUserId);
  }
}
