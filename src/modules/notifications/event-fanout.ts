import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../lib/logger';
import { ModeApiError } from '../../mode';
import type { EventsRepository, StoredEvent } from '../events/events.repository';
import { toEventView } from '../events/events.service';
import type { HomeAccess } from '../homes/home-access';
import type { LocalMember, MembershipsRepository } from '../homes/memberships.repository';
import { MEMBERSHIP_TRUST_MS } from '../homes/home-access';
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
//
// It takes a claim's fan-out messages together: a handful of queries and one transaction per
// batch instead of per event, which is what lets fan-out keep up with the webhook's ingest rate.

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

  readonly handleBatch = async (messages: OutboxMessage[]): Promise<void> => {
    const eventIds = messages.map((message) => {
      const payload = FanoutPayload.safeParse(message.payload);
      if (!payload.success) throw new PermanentDeliveryError('malformed event.fanout payload');
      return payload.data.eventId;
    });
    // Events removed by retention meanwhile are simply missing: nothing left to tell.
    const events = await this.events.findByIds(eventIds);
    for (const event of events) {
      await this.bus.publish(toEventView(event)).catch((error: unknown) => this.logger.warn({ err: error, eventId: event.id }, 'publishing an event failed'));
    }
    const notifying = events.filter((event) => this.rules.notifies(event.eventType));
    if (notifying.length === 0) return;
    const membersByHome = await this.localMembers([...new Set(notifying.map((event) => event.homeId))]);
    const userIds = [...new Set([...membersByHome.values()].flat().map((member) => member.userId))];
    if (userIds.length === 0) return;
    const preferences = await this.notifications.preferencesOf(userIds);

    const notifications: NewNotification[] = [];
    const deliveries: NewOutboxMessage[] = [];
    for (const event of notifying) {
      const { title, body } = describe(event);
      for (const { userId, email } of membersByHome.get(event.homeId) ?? []) {
        const channels = this.rules.channelsFor(event.eventType, preferences.get(userId) ?? []);
        const notification: NewNotification = { id: randomUUID(), userId, kind: 'event', title, body, data: toEventView(event), eventId: event.id };
        if (channels.inbox) notifications.push(notification);
        const key = `event:${event.id}:${userId}`;
        if (channels.email) {
          const mail: EmailPayload = { to: email, subject: title, text: body, userId };
          deliveries.push({ idempotencyKey: `email:${key}`, topic: EMAIL_TOPIC, payload: mail });
        }
        if (channels.webhook) {
          const delivery = webhookBody(notification, channels.inbox ? notification.id : null);
          deliveries.push({ idempotencyKey: `webhook:${key}`, topic: WEBHOOK_TOPIC, payload: { body: delivery } });
        }
      }
    }
    await this.notifications.save(notifications, deliveries);
    if (deliveries.length > 0) this.outbox.wake();
  };

  /** The homes' local members; a home the bridge has never seen is synced from MODE first. */
  private async localMembers(homeIds: number[]): Promise<Map<number, LocalMember[]>> {
    // MODE is the truth of who is in a home: a copy older than the trust bound is refreshed
    // first, so someone removed directly in MODE is not notified.
    const stale = await this.memberships.staleHomes(homeIds, new Date(Date.now() - MEMBERSHIP_TRUST_MS));
    for (const homeId of stale) await this.syncedLocalMembers(homeId);
    const members = await this.memberships.localMembersOf(homeIds);
    for (const homeId of homeIds) {
      if (members.has(homeId) || (await this.memberships.hasAny(homeId))) continue;
      members.set(homeId, await this.syncedLocalMembers(homeId));
    }
    return members;
  }

  private async syncedLocalMembers(homeId: number): Promise<LocalMember[]> {
    try {
      await this.homeAccess.syncMembers(homeId, this.project.projectKey);
    } catch (error) {
      // MODE refused (the home is gone): nobody to notify. MODE down or slow: retried later.
      if (!(error instanceof ModeApiError)) throw error;
      this.logger.warn({ homeId, error: error.message }, 'MODE would not list the members of an event\'s home; nobody notified');
      return [];
    }
    return (await this.memberships.localMembersOf([homeId])).get(homeId) ?? [];
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
