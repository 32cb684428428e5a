import type { ModeClient, ModeHomeInput, ModeHomePatch } from '../../mode';
import { ModeNotFoundError } from '../../mode';
import type { DevicesRepository } from '../devices/devices.repository';
import type { LinkingService } from '../linking/linking.service';
import type { HomeAccess } from './home-access';
import { toHomeView, type HomeView } from './homes.schemas';
import type { HomeRole, MembershipsRepository } from './memberships.repository';

// Homes, acted on in MODE with the caller's own key. The bridge's membership table follows
// every change so that the next call is authorized without asking MODE.

export class HomesService {
  constructor(
    private readonly mode: ModeClient,
    private readonly linking: LinkingService,
    private readonly access: HomeAccess,
    private readonly memberships: MembershipsRepository,
    private readonly devices: DevicesRepository,
  ) {}

  /** The caller's homes as MODE lists them; what the bridge knows of them is brought up to date. */
  async list(userId: string): Promise<HomeView[]> {
    return this.linking.withUserKey(userId, async (key, account) => {
      const homes = await this.mode.listHomes(key, account.modeUserId);
      const known = new Map((await this.memberships.homesOf(account.modeUserId)).map((m) => [m.homeId, m.role]));
      const current = new Set(homes.map((home) => home.id));
      await Promise.all([...known.keys()].filter((id) => !current.has(id)).map((id) => this.memberships.remove(id, account.modeUserId)));
      const roles = new Map<number, HomeRole>(known);
      await Promise.all(
        homes
          .filter((home) => !known.has(home.id))
          .map(async (home) => {
            const members = await this.access.syncMembers(home.id, key);
            roles.set(home.id, members.find((member) => member.userId === account.modeUserId)?.role === 'owner' ? 'owner' : 'member');
          }),
      );
      return homes.map((home) => toHomeView(home, roles.get(home.id) ?? 'member'));
    });
  }

  async create(userId: string, input: ModeHomeInput): Promise<HomeView> {
    const home = await this.linking.withUserKey(userId, async (key, account) => {
      const created = await this.mode.createHome(key, input);
      await this.memberships.upsert({ homeId: created.id, modeUserId: account.modeUserId, role: 'owner' });
      return created;
    });
    return toHomeView(home, 'owner');
  }

  async get(userId: string, homeId: number): Promise<HomeView> {
    const { role } = await this.access.requireMember(userId, homeId);
    const home = await this.linking.withUserKey(userId, (key) => this.mode.getHome(key, homeId)).catch(async (error: unknown) => {
      // MODE no longer has the home: forget it, so the next call asks MODE again.
      if (error instanceof ModeNotFoundError) await this.memberships.removeHome(homeId);
      throw error;
    });
    return toHomeView(home, role);
  }

  async update(userId: string, homeId: number, patch: ModeHomePatch): Promise<void> {
    await this.access.requireRight(userId, homeId, 'home.update');
    await this.linking.withUserKey(userId, (key) => this.mode.updateHome(key, homeId, patch));
  }

  async delete(userId: string, homeId: number): Promise<void> {
    await this.access.requireRight(userId, homeId, 'home.delete');
    await this.linking.withUserKey(userId, (key) => this.mode.deleteHome(key, homeId));
    await this.memberships.removeHome(homeId);
    await this.devices.forgetHome(homeId);
  }
}
