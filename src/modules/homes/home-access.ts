import { ForbiddenError, NotFoundError } from '../../lib/errors';
import { ModeApiError, ModeError, type ModeClient, type ModeHomeMember } from '../../mode';
import type { LinkedAccount, LinkingService } from '../linking/linking.service';
import type { HomeRole, MembershipsRepository } from './memberships.repository';

// Authorization before MODE is called: the bridge knows who belongs to which home (refreshed
// from MODE when it does not know yet), so a non-member is refused without MODE being asked.
// MODE still checks every call made with the user's own key.

/**
 * How long the bridge trusts its copy of a membership: older than this, MODE (the truth) is
 * asked again before the member reads the history or proxies a call, so a removal made
 * directly in MODE counts within this bound even when no one told the bridge.
 */
export const MEMBERSHIP_TRUST_MS = 5 * 60_000;

export interface HomeMemberAccess {
  account: LinkedAccount;
  role: HomeRole;
}

/** What each role may do in a home (docs/homes.md). Reading needs membership only. */
export const HOME_RIGHTS = {
  'home.update': ['owner', 'member'],
  'home.delete': ['owner'],
  'members.add': ['owner', 'member'],
  'members.remove_other': ['owner'],
  'devices.claim': ['owner', 'member'],
  'devices.update': ['owner', 'member'],
  'devices.delete': ['owner'],
  'kv.write': ['owner', 'member'],
} as const satisfies Record<string, readonly HomeRole[]>;

export type HomeRight = keyof typeof HOME_RIGHTS;

export function hasRight(role: HomeRole, right: HomeRight): boolean {
  return (HOME_RIGHTS[right] as readonly HomeRole[]).includes(role);
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
    if (known && Date.now() - known.syncedAt.getTime() < MEMBERSHIP_TRUST_MS) return { account, role: known.role };
    if (known) return this.recheck(userId, homeId, account, known.role);
    // A home whose members are known and do not include the caller: refused without asking MODE.
    if (await this.memberships.hasAny(homeId)) throw new NotFoundError('Home not found');
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

  /** A stale copy says "member": MODE decides; if MODE cannot be asked now, the copy answers. */
  private async recheck(userId: string, homeId: number, account: LinkedAccount, role: HomeRole): Promise<HomeMemberAccess> {
    let members: ModeHomeMember[];
    try {
      members = await this.linking.withUserKey(userId, (key) => this.mode.listMembers(key, homeId));
    } catch (error) {
      if (error instanceof ModeApiError) {
        // MODE refuses the user this home: they are no longer in it.
        await this.memberships.remove(homeId, account.modeUserId);
        throw new NotFoundError('Home not found');
      }
      if (error instanceof ModeError) return { account, role };
      throw error;
    }
    await this.memberships.replaceHome(homeId, members.map(toMembership));
    const mine = members.find((member) => member.userId === account.modeUserId);
    if (!mine) throw new NotFoundError('Home not found');
    return { account, role: roleOf(mine) };
  }

  async requireOwner(userId: string, homeId: number): Promise<HomeMemberAccess> {
    const access = await this.requireMember(userId, homeId);
    if (access.role !== 'owner') throw new ForbiddenError('Only an owner of this home may do this');
    return access;
  }

  /** A member whose role grants `right`; 404 for non-members, 403 for members without it. */
  async requireRight(userId: string, homeId: number, right: HomeRight): Promise<HomeMemberAccess> {
    const access = await this.requireMember(userId, homeId);
    if (!hasRight(access.role, right)) throw new ForbiddenError(`Your role in this home (${access.role}) does not allow this`);
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
