import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../lib/logger';
import { ModeApiError } from '../../mode';
import type { EventsRepository, StoredEvent } from '../events/events.repository';
import { toEventView } from '../events/events.service';
import type { HomeAccess } from '../homes/home-access';
import type { LocalMember, MembershipsRepository } from '../homes/memberships.repository';
import type { ModeProject } from '../linking/linking.service';
import { PermanentDeliveryError } from '../outbox/dispatcher';
import type { Outbox } from '../outbox/outbox';
import type { NewOutboxMessage, OutboxMessage } from '../outbox/outbox.repository';
import type { EventBus } from '../stream/event-bus';
import { EMAIL_TOPIC, type EmailPayload } from './channels/email.channel';
import { WEBHOOK_TOPIC } from './channels/webhook.channel';
import type { NotificationRules } from './notification-rules';
import type { NewNotification, NotificationsRepository } from './notifications.repository';
import { webhookBody } from './notifications.service';

// event.fanout: what happens to a stored event after MODE has had its answer. Publishes it to
// the live streams again (the webhook's own publish is lost if the process died right after its
// commit; streams drop the repeat by ID), then notifies the home's local members through the
// channels their preferences choose. Rerunning it creates nothing twice: inbox rows are unique
// per (user, event, kind) and deliveries per idempotency key.

const FanoutPayload = z.object({ eventId: z.string().regex(/^\d+$/) });

export class EventFanout {
  constructor(
    private readonly events: EventsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly homeAccess: HomeAccess,
    private readonly project: ModeProject,
    private readonly notifications: NotificationsRepository,
    private readonly rules: NotificationRules,
    private readonly bus: EventBus,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
  ) {}

  readonly handle = async (message: OutboxMessage): Promise<void> => {
    const payload = FanoutPayload.safeParse(message.payload);
    if (!payload.success) throw new PermanentDeliveryError('malformed event.fanout payload');
    const event = await this.events.findById(payload.data.eventId);
    if (!event) return; // removed by retention meanwhile: nothing left to tell
    await this.bus.publish(toEventView(event)).catch((error: unknown) => this.logger.warn({ err: error, eventId: event.id }, 'publishing an event failed'));
    if (!this.rules.notifies(event.eventType)) return;
    const members = await this.localMembers(event.homeId);
    if (members.length === 0) return;
    const recipients = await this.notifications.recipients(members.map((member) => member.userId));
    const preferences = await this.notifications.preferencesOf(recipients.map((recipient) => recipient.userId));
    const notifications: NewNotification[] = [];
    const messages: NewOutboxMessage[] = [];
    const { title, body } = describe(event);
    for (const { userId, email } of recipients) {
      const channels = this.rules.channelsFor(event.eventType, preferences.get(userId) ?? []);
      const notification: NewNotification = { id: randomUUID(), userId, kind: 'event', title, body, data: toEventView(event), eventId: event.id };
      if (channels.inbox) notifications.push(notification);
      const key = `event:${event.id}:${userId}`;
      if (channels.email) {
        const mail: EmailPayload = { to: email, subject: title, text: body, userId };
        messages.push({ idempotencyKey: `email:${key}`, topic: EMAIL_TOPIC, payload: mail });
      }
      if (channels.webhook) {
        const delivery = webhookBody(notification, channels.inbox ? notification.id : null);
        messages.push({ idempotencyKey: `webhook:${key}`, topic: WEBHOOK_TOPIC, payload: { body: delivery } });
      }
    }
    await this.notifications.save(notifications, messages);
    if (messages.length > 0) this.outbox.wake();
  };

  /** The home's local members; a home the bridge has never seen is synced from MODE first. */
  private async localMembers(homeId: number): Promise<LocalMember[]> {
    const known = await this.memberships.localMembers(homeId);
    if (known.length > 0 || (await this.memberships.hasAny(homeId))) return known;
    try {
      await this.homeAccess.syncMembers(homeId, this.project.projectKey);
    } catch (error) {
      // MODE refused (the home is gone): nobody to notify. MODE down or slow: retried later.
      if (!(error instanceof ModeApiError)) throw error;
      this.logger.warn({ homeId, error: error.message }, 'MODE would not list the members of an event\'s home; nobody notified');
      return [];
    }
    return this.memberships.localMembers(homeId);
  }
}

function describe(event: StoredEvent): { title: string; body: string } {
  const source = event.deviceId === null ? `home ${event.homeId}` : `device ${event.deviceId}`;
  const data = JSON.stringify(event.eventData);
  const summary = data.length > 500 ? `${data.slice(0, 497)}...` : data;
  return {
    title: `${event.eventType} from ${source}`,
    body: `${event.eventType} at ${event.timestamp.toISOString()} in home ${event.homeId}: ${summary}`,
  };
}
