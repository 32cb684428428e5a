/**
 * The CPU a login's, a refresh's and an event fan-out's database work costs this process, statement
 * by statement: each as the Prisma model query it could be (or was), and as the repository runs it
 * (SQL on the pg pool). Sequential calls on a throwaway PostgreSQL; the process's CPU per call (user + system), so
 * what the event loop spends, not the database.
 *
 * Usage: npx tsx scripts/bench/query-cost.ts [--calls 1500]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { AuditRepository } from '../../src/modules/audit/audit.repository';
import { RefreshTokensRepository } from '../../src/modules/auth/refresh-tokens.repository';
import { EventsRepository } from '../../src/modules/events/events.repository';
import { MembershipsRepository } from '../../src/modules/homes/memberships.repository';
import { NotificationsRepository } from '../../src/modules/notifications/notifications.repository';
import type { Outbox } from '../../src/modules/outbox/outbox';
import { UsersRepository } from '../../src/modules/users/users.repository';
import { createDatabase, postgresAvailable, startPostgres } from './postgres';
import { render } from './table';

type Call = () => Promise<unknown>;

async function cpuMsPerCall(call: Call, calls: number): Promise<number> {
  for (let i = 0; i < Math.min(200, calls); i++) await call();
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await call();
  const used = process.cpuUsage(before);
  return Math.round(((used.user + used.system) / 1000 / calls) * 1000) / 1000;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calls: { type: 'string' } } });
  const calls = Number(values.calls ?? 1500);
  if (!postgresAvailable()) throw new Error('PostgreSQL 15 binaries are needed (/usr/lib/postgresql/15/bin)');
  const cluster = await startPostgres();
  try {
    const db = await openDatabase({ url: await createDatabase(cluster, 'query_cost'), poolSize: 4 });
    try {
      await migrate(db.sql);
      const { prisma } = db;
      const users = new UsersRepository(prisma, db.sql);
      const audit = new AuditRepository(prisma, db.sql);
      const tokens = new RefreshTokensRepository(db.sql);
      const email = 'query-cost@bench.example';
      const user = await users.create({ email, name: '', passwordHash: 'unused', role: 'user', status: 'active' });
      const entry = { actorType: 'user', actorId: user.id, action: 'auth.login', targetType: 'user', targetId: user.id, result: 'success', ip: '127.0.0.1' } as const;
      const newToken = () => ({ userId: user.id, familyId: randomUUID(), tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 86_400_000) });
      const stored = newToken();
      await tokens.createSession(stored, {});

      // A home of 5 members (linked, active, one with a preference) and 20 stored events: what one
      // fan-out pass of those events reads before it writes the inbox rows.
      const events = new EventsRepository(prisma, db.sql);
      const memberships = new MembershipsRepository(prisma, db.sql);
      const notifications = new NotificationsRepository(prisma, db.sql, {} as Outbox);
      const homeId = 4242;
      const memberIds: string[] = [];
      for (let n = 0; n < 5; n++) {
        const member = await users.create({ email: `member-${n}@bench.example`, name: '', passwordHash: 'unused', role: 'user', status: 'active' });
        memberIds.push(member.id);
        await db.sql.query(`UPDATE mode_links SET status = 'linked', mode_user_id = $2 WHERE user_id = $1::uuid`, [member.id, 9000 + n]);
        await db.sql.query(`INSERT INTO home_memberships (home_id, mode_user_id, role) VALUES ($1, $2, 'member')`, [homeId, 9000 + n]);
      }
      await db.sql.query(`INSERT INTO notification_preferences (user_id, event_type, inbox, email, webhook) VALUES ($1::uuid, 'alarm', true, true, false)`, [memberIds[0]]);
      const eventIds = (
        await db.sql.query<{ id: string }>(
          `INSERT INTO events (dedup_key, home_id, device_id, event_type, event_data, timestamp)
           SELECT md5(n::text), $1, 1, 'alarm', jsonb_build_object('n', n), now() FROM generate_series(1, 20) n RETURNING id::text AS id`,
          [homeId],
        )
      ).map((row) => row.id);
      const staleBefore = new Date(Date.now() - 60_000);

      const rows: Array<{ statement: string; prisma: Call; sql: Call }> = [
        {
          statement: 'the user and its link, by e-mail',
          prisma: () => prisma.user.findUnique({ where: { email }, include: { link: { select: { status: true, modeUserId: true } } } }),
          sql: () => users.findByEmail(email),
        },
        {
          statement: 'an audit entry',
          prisma: () => prisma.auditEntry.create({ data: { ...entry, details: {} } }),
          sql: () => audit.record(entry),
        },
        {
          statement: 'a session and its first refresh token',
          prisma: () => {
            const token = newToken();
            const now = new Date();
            return prisma.$transaction([
              prisma.session.create({ data: { id: token.familyId, userId: token.userId, userAgent: 'bench', ip: '127.0.0.1', createdAt: now, lastUsedAt: now, expiresAt: token.expiresAt } }),
              prisma.refreshToken.create({ data: { id: randomUUID(), ...token } }),
            ]);
          },
          sql: () => tokens.createSession(newToken(), { userAgent: 'bench', ip: '127.0.0.1' }),
        },
        {
          statement: 'a refresh token, by its hash',
          prisma: () => prisma.refreshToken.findUnique({ where: { tokenHash: stored.tokenHash } }),
          sql: () => tokens.findByHash(stored.tokenHash),
        },
        {
          statement: "a fan-out pass's 20 events, by ID",
          prisma: () => prisma.event.findMany({ where: { id: { in: eventIds.map((id) => BigInt(id)) } }, orderBy: { id: 'asc' } }),
          sql: () => events.findByIds(eventIds),
        },
        {
          statement: 'which of the homes were synced with MODE too long ago',
          prisma: () => prisma.homeMembership.findMany({ where: { homeId: { in: [homeId] }, syncedAt: { lt: staleBefore } }, select: { homeId: true }, distinct: ['homeId'] }),
          sql: () => memberships.staleHomes([homeId], staleBefore),
        },
        {
          statement: "a home's active local members and their e-mail addresses (Prisma: three `findMany`)",
          prisma: async () => {
            const members = await prisma.homeMembership.findMany({ where: { homeId: { in: [homeId] } } });
            const links = await prisma.modeLink.findMany({ where: { modeUserId: { in: members.map((row) => row.modeUserId) }, user: { status: 'active' } }, select: { userId: true, modeUserId: true } });
            return prisma.user.findMany({ where: { id: { in: links.map((link) => link.userId) }, status: 'active' }, select: { id: true, email: true } });
          },
          sql: () => memberships.localMembersOf([homeId]),
        },
        {
          statement: "the members' notification preferences",
          prisma: () => prisma.notificationPreference.findMany({ where: { userId: { in: memberIds } } }),
          sql: () => notifications.preferencesOf(memberIds),
        },
      ];
      const table: (string | number)[][] = [];
      for (const row of rows) {
        const viaPrisma = await cpuMsPerCall(row.prisma, calls);
        const viaSql = await cpuMsPerCall(row.sql, calls);
        table.push([row.statement, viaPrisma, viaSql, (viaPrisma / viaSql).toFixed(1)]);
      }
      console.log(`CPU ms per call, ${calls} sequential calls each, PostgreSQL on loopback\n`);
      console.log(render('text', ['statement', 'Prisma model query', 'repository (SQL on the pg pool)', 'Prisma / SQL'], table));
    } finally {
      await db.close();
    }
  } finally {
    cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
