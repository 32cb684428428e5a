import { Counter, type Registry } from 'prom-client';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { isBigintId } from '../../lib/bounds';
import { sha256Hex } from '../../lib/crypto';
import { ForbiddenError, ValidationError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { WriteBatcher, type WriteBatcherOptions } from '../../lib/write-batcher';
import type { HomeAccess } from '../homes/home-access';
import type { Outbox } from '../outbox/outbox';
import type { EventBus } from '../stream/event-bus';
import { decodeCursor, encodeCursor } from './cursor';
import { storableEvent } from './storable-event';
import type { EventsRepository, NewEvent, StoreResult, StoredEvent } from './events.repository';
import { ModeEventBody, type EventHistoryQuery, type EventView } from './events.schemas';
import { isValidModeSignature, type WebhookSecret } from './signature';

// Receiving MODE's events (verify, store once, queue the fan-out, publish to live streams) and
// reading them back. The webhook path calls nothing remote: MODE waits for our answer.

export interface IngestResult {
  id: string;
  duplicate: boolean;
}

export class EventsService {
  private readonly received: Counter<'outcome'>;
  /** Concurrent webhook calls share statements and commits (group commit). */
  private readonly writes: WriteBatcher<NewEvent, StoreResult>;

  constructor(
    private readonly repository: EventsRepository,
    private readonly homeAccess: HomeAccess,
    private readonly bus: EventBus,
    private readonly outbox: Outbox,
    private readonly secret: WebhookSecret,
    private readonly logger: Logger,
    metrics: Registry,
    batching: WriteBatcherOptions,
  ) {
    this.writes = new WriteBatcher((events) => repository.storeMany(events), batching);
    this.received = new Counter({
      name: 'mode_webhook_events_total',
      help: 'Event Webhook calls by outcome (stored, duplicate, invalid_signature, invalid; unavailable and failed: not stored, MODE delivers again)',
      labelNames: ['outcome'] as const,
      registers: [metrics],
    });
  }

  /** One Event Webhook call: the exact bytes MODE sent and its signature header. */
  async receiveWebhook(rawBody: Buffer, signature: string | undefined): Promise<IngestResult> {
    if (!isValidModeSignature(this.secret, rawBody, signature)) {
      this.received.inc({ outcome: 'invalid_signature' });
      throw new ForbiddenError('The X-Mode-Signature header does not match this request', 'invalid_signature');
    }
    const event = parseEvent(rawBody);
    if (!event.success) {
      this.received.inc({ outcome: 'invalid' });
      throw new ValidationError(event.issues, 'The event is not valid');
    }
    return this.ingest(event.data);
  }

  async ingest(event: ModeEventBody): Promise<IngestResult> {
    const timestamp = new Date(event.timestamp);
    const { eventType, deviceClass, eventData } = storableEvent({ eventType: event.eventType, deviceClass: event.originDeviceClass ?? null, eventData: event.eventData ?? {} });
    const deviceId = event.originDeviceId > 0 ? event.originDeviceId : null;
    const key = dedupKey(event.homeId, event.originDeviceId, timestamp, eventType, eventData);
    const result = await this.writes
      .submit({ dedupKey: key, homeId: event.homeId, deviceId, deviceClass, eventType, eventData, timestamp })
      .catch((error: unknown) => {
        this.received.inc({ outcome: isDatabaseUnavailable(error) ? 'unavailable' : 'failed' });
        throw error;
      });
    if ('duplicateOf' in result) {
      this.received.inc({ outcome: 'duplicate' });
      return { id: result.duplicateOf, duplicate: true };
    }
    const { stored } = result;
    this.received.inc({ outcome: 'stored' });
    // After the commit and without waiting: the live streams get it at once, the fan-out's
    // own publish covers a crash right here (streams drop the repeat by ID).
    this.bus.publish(toEventView(stored)).catch((error: unknown) => this.logger.warn({ err: error, eventId: stored.id }, 'publishing an event failed'));
    // A missed state message is not replayed: the stored state is what a reconnecting client reads.
    if (result.latest && stored.deviceId !== null) {
      const change = { deviceId: stored.deviceId, homeId: stored.homeId, eventType: stored.eventType, eventData: stored.eventData, timestamp: stored.timestamp.toISOString(), eventId: stored.id };
      this.bus.publishDeviceState(change).catch((error: unknown) => this.logger.warn({ err: error, eventId: stored.id }, 'publishing a device state change failed'));
    }
    this.outbox.wake();
    return { id: stored.id, duplicate: false };
  }

  /** A page of a home's history, newest first; members only (others get 404). */
  async history(userId: string, homeId: number, query: EventHistoryQuery): Promise<{ events: EventView[]; nextCursor: string | null }> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (before === null || (before && !isBigintId(before.id))) {
      throw new ValidationError([{ field: 'query.cursor', message: 'not a cursor of this list' }]);
    }
    const since = query.since ? new Date(query.since) : undefined;
    const until = query.until ? new Date(query.until) : undefined;
    await this.homeAccess.requireMember(userId, homeId);
    const page = await this.repository.history(homeId, { eventType: query.eventType, since, until, before, limit: query.limit });
    const last = page.events.at(-1);
    return {
      events: page.events.map(toEventView),
      nextCursor: page.more && last ? encodeCursor({ timestamp: last.timestamp, id: last.id }) : null,
    };
  }
}

export function toEventView(event: StoredEvent): EventView {
  return {
    id: event.id,
    homeId: event.homeId,
    deviceId: event.deviceId,
    deviceClass: event.deviceClass,
    eventType: event.eventType,
    eventData: event.eventData,
    timestamp: event.timestamp.toISOString(),
    receivedAt: event.receivedAt.toISOString(),
  };
}

function parseEvent(rawBody: Buffer) {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { success: false as const, issues: [{ field: 'body', message: 'Malformed JSON' }] };
  }
  const result = ModeEventBody.safeParse(json);
  if (result.success) return { success: true as const, data: result.data };
  const issues = result.error.issues.map((issue) => ({ field: ['body', ...issue.path.map(String)].join('.'), message: issue.message }));
  return { success: false as const, issues };
}

/**
 * The same event delivered twice has the same key: a hash of what identifies it, in a canonical
 * form (object keys sorted, the timestamp normalised), so re-serialisation does not change it.
 */
export function dedupKey(homeId: number, originDeviceId: number, timestamp: Date, eventType: string, eventData: unknown): string {
  return sha256Hex(JSON.stringify([homeId, originDeviceId, timestamp.toISOString(), eventType, canonical(eventData)]));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
