import { boundedCache } from '../../lib/bounded-cache';
import type { PrismaClient, SqlRunner } from '../../db/database';

export type HomeRole = 'owner' | 'member';

export interface Membership {
  homeId: number;
  modeUserId: number;
  role: HomeRole;
}

export interface KnownMembership extends Membership {
  /** When the bridge last saw this membership in MODE (or made it there). */
  syncedAt: Date;
}

export interface LocalMember extends Membership {
  userId: string;
  email: string;
}

// Membership is checked before every proxied call. Known memberships are kept in memory for a
// short while; every write of a home's members is announced (onChange: the change bus, so
// every instance forgets the home and refreshes its open streams at once). The TTL only bounds
// a lost announcement. How old a copy may be before MODE is asked again: home-access.ts.
const MEMBERSHIP_CACHE_TTL_MS = 30_000;

export class MembershipsRepository {
  private readonly known = boundedCache<string, KnownMembership>({ max: 100_000, ttlMs: MEMBERSHIP_CACHE_TTL_MS });

  constructor(
    private readonly prisma: PrismaClient,
    /** The reads every event's fan-out makes run as SQL on the pg pool: a fraction of Prisma's CPU. */
    private readonly sql: SqlRunner,
    /** Told the home after its members changed here. */
    private readonly onChange: (homeId: number) => void = () => undefined,
  ) {}

  async find(homeId: number, modeUserId: number): Promise<KnownMembership | null> {
    const cacheKey = `${homeId}:${modeUserId}`;
    const cached = this.known.get(cacheKey);
    if (cached) return cached;
    const row = await this.prisma.homeMembership.findUnique({ where: { homeId_modeUserId: { homeId, modeUserId } } });
    if (!row) return null;
    const membership = { homeId: row.homeId, modeUserId: row.modeUserId, role: asRole(row.role), syncedAt: row.syncedAt };
    this.known.set(cacheKey, membership);
    return membership;
  }

  /** Drops what this instance keeps in memory of a home's members (a change made elsewhere). */
  forgetHome(homeId: number): void {
    for (const key of this.known.keys()) if (key.startsWith(`${homeId}:`)) this.known.delete(key);
  }

  async hasAny(homeId: number): Promise<boolean> {
    const [row] = await this.sql.query<{ known: boolean }>('SELECT EXISTS (SELECT 1 FROM home_memberships WHERE home_id = $1) AS known', [homeId]);
    return row?.known === true;
  }

  async countOwners(homeId: number): Promise<number> {
    return this.prisma.homeMembership.count({ where: { homeId, role: 'owner' } });
  }

  /** Replaces what is known of a home's members with MODE's current list. */
  async replaceHome(homeId: number, members: Omit<Membership, 'homeId'>[]): Promise<void> {
    this.forgetHome(homeId);
    const before = await this.prisma.homeMembership.findMany({ where: { homeId }, select: { modeUserId: true, role: true } });
    await this.prisma.$transaction([
      this.prisma.homeMembership.deleteMany({ where: { homeId } }),
      this.prisma.homeMembership.createMany({ data: members.map((member) => ({ homeId, ...member, syncedAt: new Date() })) }),
    ]);
    // A re-sync that found the same members changes nothing anyone holds.
    const key = (rows: { modeUserId: number; role: string }[]) => rows.map((row) => `${row.modeUserId}:${row.role}`).sort().join(',');
    if (key(before) !== key(members)) this.onChange(homeId);
  }

  async upsert(membership: Membership): Promise<void> {
    const { homeId, modeUserId, role } = membership;
    this.known.delete(`${homeId}:${modeUserId}`);
    await this.prisma.homeMembership.upsert({
      where: { homeId_modeUserId: { homeId, modeUserId } },
      create: { homeId, modeUserId, role },
      update: { role, syncedAt: new Date() },
    });
    this.onChange(homeId);
  }

  async remove(homeId: number, modeUserId: number): Promise<void> {
    this.known.delete(`${homeId}:${modeUserId}`);
    await this.prisma.homeMembership.deleteMany({ where: { homeId, modeUserId } });
    this.onChange(homeId);
  }

  async removeHome(homeId: number): Promise<void> {
    this.forgetHome(homeId);
    await this.prisma.homeMembership.deleteMany({ where: { homeId } });
    this.onChange(homeId);
  }

  /** Of these homes, those whose stored members were last seen in MODE before `olderThan`. */
  async staleHomes(homeIds: number[], olderThan: Date): Promise<number[]> {
    if (homeIds.length === 0) return [];
    const rows = await this.sql.query<{ home_id: number }>(
      'SELECT DISTINCT home_id FROM home_memberships WHERE home_id = ANY($1::int[]) AND synced_at < $2',
      [homeIds, olderThan],
    );
    return rows.map((row) => row.home_id);
  }

  /** Homes the MODE user is known to belong to. */
  async homesOf(modeUserId: number): Promise<Membership[]> {
    const rows = await this.prisma.homeMembership.findMany({ where: { modeUserId }, orderBy: { homeId: 'asc' } });
    return rows.map((row) => ({ homeId: row.homeId, modeUserId: row.modeUserId, role: asRole(row.role) }));
  }

  /**
   * Members of these homes that are active local users, with their local IDs and e-mail addresses
   * (for notifications).
   * Homes without any are absent from the map.
   */
  async localMembersOf(homeIds: number[]): Promise<Map<number, LocalMember[]>> {
    const byHome = new Map<number, LocalMember[]>();
    if (homeIds.length === 0) return byHome;
    const rows = await this.sql.query<{ home_id: number; mode_user_id: number; role: string; user_id: string; email: string }>(
      `SELECT m.home_id, m.mode_user_id, m.role, u.id::text AS user_id, u.email
         FROM home_memberships m
         JOIN mode_links l ON l.mode_user_id = m.mode_user_id
         JOIN users u ON u.id = l.user_id AND u.status = 'active'
        WHERE m.home_id = ANY($1::int[])
        ORDER BY m.home_id, m.mode_user_id`,
      [homeIds],
    );
    for (const row of rows) {
      const members = byHome.get(row.home_id) ?? [];
      members.push({ homeId: row.home_id, modeUserId: row.mode_user_id, role: asRole(row.role), userId: row.user_id, email: row.email });
      byHome.set(row.home_id, members);
    }
    return byHome;
  }
}

function asRole(role: string): HomeRole {
  return role === 'owner' ? 'owner' : 'member';
}
