import type { PrismaClient, SqlRunner } from '../../db/database';
import type { Prisma } from '../../generated/prisma/client';
import type { NewOutboxMessage, Sql } from '../outbox/outbox.repository';
import type { Outbox } from '../outbox/outbox';
import type { Preference } from './notification-rules';

// The inbox (`notifications`), preferences, and the writes that create notifications together
// with their outbox messages in one transaction, so a notification and its deliveries exist
// together or not at all.

export interface NewNotification {
  id: string;
  userId: string;
  kind: string;
  title: string;
  body: string;
  data: unknown;
  eventId: string | null;
}

export interface StoredNotification extends NewNotification {
  createdAt: Date;
  readAt: Date | null;
}

export interface InboxFilter {
  unread: boolean;
  limit: number;
  before?: { timestamp: Date; id: string };
}

export class NotificationsRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
    private readonly outbox: Outbox,
  ) {}

  /** Inserts inbox rows (an existing (user, event, kind) or id is left alone) and outbox messages, atomically. */
  async save(notifications: NewNotification[], messages: NewOutboxMessage[]): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await insertNotifications(tx, notifications);
      await this.outbox.enqueue(tx, messages);
    });
  }

  async preferencesOf(userIds: string[]): Promise<Map<string, Preference[]>> {
    const byUser = new Map<string, Preference[]>();
    if (userIds.length === 0) return byUser;
    const rows = await this.sql.query<Preference & { userId: string }>(
      `SELECT user_id::text AS "userId", event_type AS "eventType", inbox, email, webhook
         FROM notification_preferences WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    for (const { userId, ...preference } of rows) {
      const list = byUser.get(userId) ?? [];
      list.push(preference);
      byUser.set(userId, list);
    }
    return byUser;
  }

  async replacePreferences(userId: string, preferences: Preference[]): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.notificationPreference.deleteMany({ where: { userId } }),
      this.prisma.notificationPreference.createMany({ data: preferences.map((preference) => ({ userId, ...preference })) }),
    ]);
  }

  async inbox(userId: string, filter: InboxFilter): Promise<{ notifications: StoredNotification[]; more: boolean }> {
    const where: Prisma.NotificationWhereInput = { userId };
    if (filter.unread) where.readAt = null;
    if (filter.before) {
      const { timestamp, id } = filter.before;
      where.OR = [{ createdAt: { lt: timestamp } }, { createdAt: timestamp, id: { lt: id } }];
    }
    const rows = await this.prisma.notification.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: filter.limit + 1 });
    return {
      notifications: rows.slice(0, filter.limit).map((row) => ({ ...row, eventId: row.eventId?.toString() ?? null })),
      more: rows.length > filter.limit,
    };
  }

  /** False when the user has no such notification. Reading twice keeps the first time. */
  async markRead(userId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.notification.updateMany({ where: { id, userId, readAt: null }, data: { readAt: new Date() } });
    if (count > 0) return true;
    return (await this.prisma.notification.count({ where: { id, userId } })) > 0;
  }
}

/** One statement for any number of rows: each column goes in as one array parameter. */
async function insertNotifications(tx: Sql, notifications: NewNotification[]): Promise<void> {
  if (notifications.length === 0) return;
  const column = <T>(pick: (notification: NewNotification) => T) => notifications.map(pick);
  await tx.query(
    `INSERT INTO notifications (id, user_id, kind, title, body, data, event_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bigint[])
     ON CONFLICT DO NOTHING`,
    [
      column((n) => n.id),
      column((n) => n.userId),
      column((n) => n.kind),
      column((n) => n.title),
      column((n) => n.body),
      column((n) => JSON.stringify(n.data ?? {})),
      column((n) => n.eventId),
    ],
  );
}
