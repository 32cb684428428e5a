import type { Logger } from '../../lib/logger';
import { ModeApiError, ModeError, type ModeClient } from '../../mode';
import type { HomeAccess } from '../homes/home-access';
import type { MembershipsRepository } from '../homes/memberships.repository';
import type { LinkingService, ModeProject } from '../linking/linking.service';
import type { UserHomes } from './stream.hub';

// Which homes' events a user's stream carries: the membership cache, reconciled with MODE's
// list of the user's homes when a stream opens (homes the cache missed or kept too long are
// re-synced with the project key). If MODE cannot be asked, the cache alone answers.

export class CachedUserHomes implements UserHomes {
  constructor(
    private readonly linking: LinkingService,
    private readonly memberships: MembershipsRepository,
    private readonly homeAccess: HomeAccess,
    private readonly mode: ModeClient,
    private readonly project: ModeProject,
    private readonly logger: Logger,
  ) {}

  async atConnect(userId: string): Promise<number[]> {
    const account = await this.linking.ensureLinked(userId);
    const cached = await this.cachedHomes(account.modeUserId);
    try {
      const listed = await this.linking.withUserKey(userId, (key, linked) => this.mode.listHomes(key, linked.modeUserId));
      const inMode = new Set(listed.map((home) => home.id));
      const differing = [...inMode].filter((id) => !cached.includes(id)).concat(cached.filter((id) => !inMode.has(id)));
      if (differing.length === 0) return cached;
      for (const homeId of differing) await this.resync(homeId);
      return this.cachedHomes(account.modeUserId);
    } catch (error) {
      if (!(error instanceof ModeError)) throw error;
      this.logger.warn({ userId, error: error.message }, 'MODE could not list the homes of a stream; using the membership cache');
      return cached;
    }
  }

  async current(userId: string): Promise<number[]> {
    const account = await this.linking.ensureLinked(userId);
    return this.cachedHomes(account.modeUserId);
  }

  private async cachedHomes(modeUserId: number): Promise<number[]> {
    return (await this.memberships.homesOf(modeUserId)).map((membership) => membership.homeId);
  }

  private async resync(homeId: number): Promise<void> {
    try {
      await this.homeAccess.syncMembers(homeId, this.project.projectKey);
    } catch (error) {
      if (error instanceof ModeApiError && error.status === 404) await this.memberships.removeHome(homeId);
      else throw error;
    }
  }
}
