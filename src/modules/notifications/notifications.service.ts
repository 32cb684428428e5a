import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { decodeCursor, encodeCursor } from '../events/cursor';
import type { NewOutboxMessage } from '../outbox/outbox.repository';
import type { Outbox } from '../outbox/outbox';
import { EMAIL_TOPIC, type EmailPayload } from './channels/email.channel';
import { WEBHOOK_TOPIC } from './channels/webhook.channel';
import { DEFAULT_CHANNELS, type NotificationRules, type Preference } from './notification-rules';
import type { NewNotification, NotificationsRepository, StoredNotification } from './notifications.repository';
import type { InboxQuery, NotificationView, PreferencesBody } from './notifications.schemas';

// Notifications of local users: the in-app inbox and the outbound channels fed by the outbox.
// notifyUser() is the entry point for other modules (invitations and the like).

export interface NotifyUserInput {
  userId: string;
  /** What it is about, e.g. `invitation`; also the preference key for the webhook channel. */
  kind: string;
  title: string;
  body?: string;
  data?: Record<string, unknown>;
  /** An explicit e-mail to send (transactional: not subject to the user's preferences). */
  email?: { to: string; subject: string; text: string };
  /** Give one to make a repeated call a no-op (the same notification and deliveries). */
  id?: string;
}

export class NotificationsService {
  constructor(
    private readonly repository: NotificationsRepository,
    private readonly rules: NotificationRules,
    private readonly outbox: Outbox,
  ) {}

  /** One inbox notification plus its e-mail and webhook deliveries, in one transaction. */
  async notifyUser(input: NotifyUserInput): Promise<{ notificationId: string }> {
    if (input.id !== undefined && !isUuid(input.id)) throw new Error('notifyUser: id must be a UUID');
    const id = input.id ?? randomUUID();
    const notification: NewNotification = {
      id,
      userId: input.userId,
      kind: input.kind,
      title: input.title,
      body: input.body ?? '',
      data: input.data ?? {},
      eventId: null,
    };
    const messages: NewOutboxMessage[] = [];
    if (input.email && this.rules.channels.email) {
      const payload: EmailPayload = { ...input.email, userId: input.userId, notificationId: id };
      messages.push({ idempotencyKey: `email:${id}`, topic: EMAIL_TOPIC, payload });
    }
    const preferences = (await this.repository.preferencesOf([input.userId])).get(input.userId) ?? [];
    if (this.rules.channelsFor(input.kind, preferences).webhook) {
      messages.push({ idempotencyKey: `webhook:${id}`, topic: WEBHOOK_TOPIC, payload: { body: webhookBody(notification, id) } });
    }
    await this.repository.save([notification], messages);
    this.outbox.wake();
    return { notificationId: id };
  }

  async inbox(userId: string, query: InboxQuery): Promise<{ notifications: NotificationView[]; nextCursor: string | null }> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (before === null || (before && !isUuid(before.id))) throw new ValidationError([{ field: 'query.cursor', message: 'not a cursor of this list' }]);
    const page = await this.repository.inbox(userId, { unread: query.unread, limit: query.limit, before });
    const last = page.notifications.at(-1);
    return {
      notifications: page.notifications.map(toView),
      nextCursor: page.more && last ? encodeCursor({ timestamp: last.createdAt, id: last.id }) : null,
    };
  }

  /** Own notifications only: anyone else's, or none, is 404. */
  async markRead(userId: string, id: string): Promise<void> {
    const found = isUuid(id) && (await this.repository.markRead(userId, id));
    if (!found) throw new NotFoundError('Notification not found');
  }

  async preferences(userId: string) {
    const preferences = (await this.repository.preferencesOf([userId])).get(userId) ?? [];
    preferences.sort((a, b) => a.eventType.localeCompare(b.eventType));
    return { preferences, defaults: { ...DEFAULT_CHANNELS }, channels: { ...this.rules.channels } };
  }

  /** Replaces all of the user's preferences; a channel left out of a row takes its default. */
  async replacePreferences(userId: string, body: PreferencesBody) {
    const rows: Preference[] = body.preferences.map((row) => ({ ...DEFAULT_CHANNELS, ...row }));
    await this.repository.replacePreferences(userId, rows);
    return this.preferences(userId);
  }
}

/** The JSON the notification webhook receives. */
export function webhookBody(notification: NewNotification, notificationId: string | null): Record<string, unknown> {
  return {
    type: 'notification',
    userId: notification.userId,
    notification: {
      id: notificationId,
      kind: notification.kind,
      title: notification.title,
      body: notification.body,
      data: notification.data,
      eventId: notification.eventId,
    },
  };
}

function toView(row: StoredNotification): NotificationView {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    data: row.data,
    eventId: row.eventId,
    createdAt: row.createdAt.toISOString(),
    readAt: row.readAt?.toISOString() ?? null,
  };
}

function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
