import type { Registry } from 'prom-client';
import type { Database } from '../../db/database';
import type { ResolvedConfig } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import type { SecretBox } from '../../lib/secret-box';
import { ACCOUNT_EMAIL_TOPIC } from '../auth/account-mail';
import { sealedEmailDelivery } from '../notifications/channels/sealed-email';
import type { ModeClient } from '../../mode';
import type { HomeAccess } from '../homes/home-access';
import type { MembershipsRepository } from '../homes/memberships.repository';
import { INVITATION_EMAIL_TOPIC } from '../invitations/invitation-notices.repository';
import type { LinkingService, ModeProject } from '../linking/linking.service';
import { EmailChannel, emailDeliveryFor, EMAIL_TOPIC } from '../notifications/channels/email.channel';
import { WebhookChannel, WEBHOOK_TOPIC } from '../notifications/channels/webhook.channel';
import { EventFanout } from '../notifications/event-fanout';
import { NotificationRules } from '../notifications/notification-rules';
import { NotificationsRepository } from '../notifications/notifications.repository';
import { NotificationsService } from '../notifications/notifications.service';
import { Outbox } from '../outbox/outbox';
import { OutboxRepository } from '../outbox/outbox.repository';
import { InProcessEventBus, type EventBus } from '../stream/event-bus';
import { StreamHub } from '../stream/stream.hub';
import { CachedUserHomes } from '../stream/user-homes';
import { EventsRepository, FANOUT_TOPIC } from './events.repository';
import { EventsService, toEventView } from './events.service';
import { EventRetention } from './retention';

// Wires the event pipeline: webhook -> events table + outbox (one transaction) -> live streams
// via the EventBus, and the outbox dispatcher -> fan-out -> inbox, e-mail, outbound webhook.

export interface EventPipelineDeps {
  config: ResolvedConfig;
  logger: Logger;
  db: Database;
  mode: ModeClient;
  modeProject: ModeProject;
  linking: LinkingService;
  memberships: MembershipsRepository;
  homeAccess: HomeAccess;
  metrics: Registry;
  /** Opens the secrets sealed in e-mails at send time. */
  secretBox: SecretBox;
  /** Several instances need a shared bus (Redis); default: in-process. */
  eventBus?: EventBus;
}

export interface EventPipeline {
  eventBus: EventBus;
  events: EventsService;
  stream: StreamHub;
  notifications: NotificationsService;
  outbox: Outbox;
  retention: EventRetention;
}

export function buildEventPipeline(deps: EventPipelineDeps): EventPipeline {
  const { config, logger, db, metrics } = deps;
  const eventBus = deps.eventBus ?? new InProcessEventBus(logger);
  const outboxRepository = new OutboxRepository(db.sql);
  const outbox = new Outbox({ repository: outboxRepository, logger, metrics, options: config.outbox });
  const eventsRepository = new EventsRepository(db.prisma, db.sql, { deviceStateMaxTypes: config.deviceState.maxTypes });
  // Each batched write holds a connection; leave most of the pool to everything else.
  const ingestBatching = { maxBatch: 200, maxInFlight: db.kind === 'pglite' ? 1 : Math.max(1, Math.floor(config.databasePoolSize / 2)) };
  const events = new EventsService(eventsRepository, deps.homeAccess, eventBus, outbox, config.webhook, logger, metrics, ingestBatching);

  const userHomes = new CachedUserHomes(deps.linking, deps.memberships, deps.homeAccess, deps.mode, deps.modeProject, logger);
  const replay = async (homeIds: number[], afterId: string, limit: number) => (await eventsRepository.after(homeIds, afterId, limit)).map(toEventView);
  const stream = new StreamHub(eventBus, userHomes, replay, config.stream, logger, metrics);

  const { webhook, eventTypes } = config.notifications;
  const email = emailDeliveryFor(config);
  const rules = new NotificationRules(eventTypes, { inbox: true, email: email !== undefined, webhook: webhook !== undefined });
  const notificationsRepository = new NotificationsRepository(db.prisma, db.sql, outbox);
  const notifications = new NotificationsService(notificationsRepository, rules, outbox);
  const fanout = new EventFanout(eventsRepository, deps.memberships, deps.homeAccess, deps.modeProject, notificationsRepository, rules, eventBus, outbox, logger);
  outbox.handleBatch(FANOUT_TOPIC, fanout.handleBatch);
  if (email) {
    // Every e-mail topic goes through one delivery that opens sealed secrets first (SMTP, or the log in development).
    const deliver = sealedEmailDelivery(deps.secretBox, new EmailChannel(email, logger).deliver);
    for (const topic of [EMAIL_TOPIC, INVITATION_EMAIL_TOPIC, ACCOUNT_EMAIL_TOPIC]) outbox.handle(topic, deliver);
  }
  if (webhook) outbox.handle(WEBHOOK_TOPIC, new WebhookChannel(webhook).deliver);

  const retention = new EventRetention(eventsRepository, outboxRepository, config.events.retentionDays, logger);
  return { eventBus, events, stream, notifications, outbox, retention };
}
