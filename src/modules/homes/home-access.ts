import { ForbiddenError, NotFoundError } from '../../lib/errors';
import { ModeApiError, type ModeClient, type ModeHomeMember } from '../../mode';
import type { LinkedAccount, LinkingService } from '../linking/linking.service';
import type { HomeRole, MembershipsRepository } from './memberships.repository';

// Authorization before MODE is called: the bridge knows who belongs to which home (refreshed
// from MODE when it does not know yet), so a non-member is refused without MODE being asked.
// MODE still checks every call made with the user's own key.

export interface HomeMemberAccess {
  account: LinkedAccount;
  role: HomeRole;
}

export class HomeAccess {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly linking: LinkingService,
    private readonly mode: ModeClient,
  ) {}

  /** The caller's role in the home; 404 for anyone who is not a member (existence is not revealed). */
  async requireMember(userId: string, homeId: number): Promise<HomeMemberAccess> {
    const account = await this.linking.ensureLinked(userId);
    const known = await this.memberships.find(homeId, account.modeUserId);
    if (known) return { account, role: known.role };
    const members = await this.linking
      .withUserKey(userId, (key) => this.mode.listMembers(key, homeId))
      .catch((error: unknown) => {
        if (error instanceof ModeApiError) return null;
        throw error;
      });
    const mine = members?.find((member) => member.userId === account.modeUserId);
    if (!members || !mine) throw new NotFoundError('Home not found');
    await this.memberships.replaceHome(homeId, members.map(toMembership));
    return { account, role: roleOf(mine) };
  }

  async requireOwner(userId: string, homeId: number): Promise<HomeMemberAccess> {
    const access = await this.requireMember(userId, homeId);
    if (access.role !== 'owner') throw new ForbiddenError('Only an owner of this home may do this');
    return access;
  }

  /** Refreshes a home's members from MODE with the given key (a member's, or the project key). */
  async syncMembers(homeId: number, key: string): Promise<ModeHomeMember[]> {
    const members = await this.mode.listMembers(key, homeId);
    await this.memberships.replaceHome(homeId, members.map(toMembership));
    return members;
  }
}

function roleOf(member: ModeHomeMember): HomeRole {
  return member.role === 'owner' ? 'owner' : 'member';
}

function toMembership(member: ModeHomeMember) {
  return { modeUserId: member.userId, role: roleOf(member) };
}
