import type { PrismaClient, SqlRunner } from '../../db/database';
import type { Prisma } from '../../generated/prisma/client';

// Stored device events (MODE keeps none) and the device state they update. The webhook path
// is raw SQL in one transaction: insert-if-new needs ON CONFLICT DO NOTHING ... RETURNING.

export interface NewEvent {
  dedupKey: string;
  homeId: number;
  deviceId: number | null;
  deviceClass: string | null;
  eventType: string;
  eventData: unknown;
  timestamp: Date;
}

export interface StoredEvent {
  id: string;
  homeId: number;
  deviceId: number | null;
  deviceClass: string | null;
  eventType: string;
  eventData: unknown;
  timestamp: Date;
  receivedAt: Date;
}

export interface HistoryFilter {
  eventType?: string;
  since?: Date;
  until?: Date;
  /** Position after which the page starts (newest first). */
  before?: { timestamp: Date; id: string };
  limit: number;
}

export const FANOUT_TOPIC = 'event.fanout';

export class EventsRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
  ) {}

  /**
   * Stores the event once, updates its device and queues its fan-out, atomically. When an event
   * with the same dedup key is stored already, changes nothing and returns its ID.
   *
   * One statement with data-modifying CTEs instead of a BEGIN ... COMMIT of three: a single round
   * trip, and the device's row lock (every event of a device updates it) is held for one
   * statement only. The outbox row matches what Outbox.enqueue writes.
   */
  async storeOnce(event: NewEvent): Promise<{ stored: StoredEvent } | { duplicateOf: string }> {
    const inserted = await this.sql.query<{ id: string; received_at: Date }>(
      `WITH new_event AS (
         INSERT INTO events (dedup_key, home_id, device_id, device_class, event_type, event_data, timestamp)
         VALUES ($1, $2, $3::int, $4, $5, $6::jsonb, $7::timestamptz)
         ON CONFLICT (dedup_key) DO NOTHING
         RETURNING id, received_at
       ), device AS (
         ${DEVICE_UPSERT}
       ), fanout AS (
         INSERT INTO outbox_messages (idempotency_key, topic, payload)
         SELECT 'event:' || id::text, $8, jsonb_build_object('eventId', id::text) FROM new_event
         ON CONFLICT (idempotency_key) DO NOTHING
       )
       SELECT id::text AS id, received_at FROM new_event`,
      [event.dedupKey, event.homeId, event.deviceId, event.deviceClass, event.eventType, JSON.stringify(event.eventData), event.timestamp.toISOString(), FANOUT_TOPIC],
    );
    const row = inserted[0];
    if (!row) {
      const existing = await this.sql.query<{ id: string }>(`SELECT id::text AS id FROM events WHERE dedup_key = $1`, [event.dedupKey]);
      return { duplicateOf: existing[0]?.id ?? '' };
    }
    const { dedupKey: _dedupKey, ...fields } = event;
    return { stored: { id: row.id, ...fields, receivedAt: new Date(row.received_at) } };
  }

  async findById(id: string): Promise<StoredEvent | null> {
    const row = await this.prisma.event.findUnique({ where: { id: BigInt(id) } });
    return row ? toStored(row) : null;
  }

  /** A home's events, newest first: one page and whether more follow. */
  async history(homeId: number, filter: HistoryFilter): Promise<{ events: StoredEvent[]; more: boolean }> {
    const where: Prisma.EventWhereInput = { homeId };
    if (filter.eventType) where.eventType = filter.eventType;
    if (filter.since || filter.until) where.timestamp = { gte: filter.since, lt: filter.until };
    if (filter.before) {
      const { timestamp, id } = filter.before;
      where.OR = [{ timestamp: { lt: timestamp } }, { timestamp, id: { lt: BigInt(id) } }];
    }
    const rows = await this.prisma.event.findMany({
      where,
      orderBy: [{ timestamp: 'desc' }, { id: 'desc' }],
      take: filter.limit + 1,
    });
    return { events: rows.slice(0, filter.limit).map(toStored), more: rows.length > filter.limit };
  }

  /** Events of these homes stored after `afterId`, oldest first (replay of the live stream). */
  async after(homeIds: number[], afterId: string, limit: number): Promise<StoredEvent[]> {
    if (homeIds.length === 0) return [];
    const rows = await this.prisma.event.findMany({
      where: { homeId: { in: homeIds }, id: { gt: BigInt(afterId) } },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map(toStored);
  }

  /** Deletes one batch of events received more than `days` ago; returns how many went. */
  async deleteReceivedBefore(days: number, batch: number): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM events WHERE id IN (
           SELECT id FROM events WHERE received_at < now() - make_interval(days => $1::int) ORDER BY id LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [days, batch],
    );
    return Number(rows[0]?.n ?? 0);
  }
}

/**
 * The device's state, from the event just inserted (none for a duplicate or an event without a
 * device). Last event and last seen move forward only: a late, older delivery does not roll them back.
 */
const NEWER = '(devices.last_event_at IS NULL OR devices.last_event_at <= EXCLUDED.last_event_at)';
const DEVICE_UPSERT = `INSERT INTO devices (id, home_id, device_class, last_event_type, last_event_data, last_event_at, last_seen_at, updated_at)
         SELECT $3::int, $2, $4, $5, $6::jsonb, $7::timestamptz, $7::timestamptz, now() FROM new_event WHERE $3::int IS NOT NULL
         ON CONFLICT (id) DO UPDATE SET
           home_id = CASE WHEN ${NEWER} THEN EXCLUDED.home_id ELSE devices.home_id END,
           device_class = COALESCE(EXCLUDED.device_class, devices.device_class),
           last_event_type = CASE WHEN ${NEWER} THEN EXCLUDED.last_event_type ELSE devices.last_event_type END,
           last_event_data = CASE WHEN ${NEWER} THEN EXCLUDED.last_event_data ELSE devices.last_event_data END,
           last_event_at = GREATEST(devices.last_event_at, EXCLUDED.last_event_at),
           last_seen_at = GREATEST(devices.last_seen_at, EXCLUDED.last_seen_at),
           updated_at = now()`;

function toStored(row: Omit<StoredEvent, 'id'> & { id: bigint }): StoredEvent {
  return {
    id: row.id.toString(),
    homeId: row.homeId,
    deviceId: row.deviceId,
    deviceClass: row.deviceClass,
    eventType: row.eventType,
    eventData: row.eventData,
    timestamp: row.timestamp,
    receivedAt: row.receivedAt,
  };
}
