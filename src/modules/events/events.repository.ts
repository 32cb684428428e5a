import type { PrismaClient, SqlRunner } from '../../db/database';
import type { Prisma } from '../../generated/prisma/client';
import { isBigintId } from '../../lib/bounds';
import { latestEventsCtes } from './latest-events.sql';

// Stored device events (MODE keeps none) and the device state they update. The webhook path
// is raw SQL in one statement: insert-if-new needs ON CONFLICT DO NOTHING ... RETURNING.

/** An event as MODE describes it. */
export interface EventFields {
  homeId: number;
  deviceId: number | null;
  deviceClass: string | null;
  eventType: string;
  eventData: unknown;
  timestamp: Date;
}

export interface NewEvent extends EventFields {
  dedupKey: string;
}

export interface StoredEvent extends EventFields {
  id: string;
  receivedAt: Date;
}

/** `latest`: the event became its device's latest value of its type (device state changed). */
export type StoreResult = { stored: StoredEvent; latest: boolean } | { duplicateOf: string };

export interface HistoryFilter {
  eventType?: string;
  since?: Date;
  until?: Date;
  /** Position after which the page starts (newest first). */
  before?: { timestamp: Date; id: string };
  limit: number;
}

export const FANOUT_TOPIC = 'event.fanout';

export interface EventsRepositoryOptions {
  /** Event types whose latest value is kept per device (DEVICE_STATE_MAX_TYPES). */
  deviceStateMaxTypes: number;
}

export class EventsRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
    private readonly options: EventsRepositoryOptions = { deviceStateMaxTypes: 50 },
  ) {}

  /**
   * Stores each event once, updates its device and its latest values (latest-events.sql.ts) and
   * queues its fan-out, atomically, in one
   * statement for the whole list: data-modifying CTEs instead of a BEGIN ... COMMIT of three per
   * event, so one round trip and one commit serve many concurrent webhook calls. Results come
   * back in the events' order. An event whose dedup key is stored already (or repeats one earlier
   * in the list) changes nothing and gets the stored event's ID.
   *
   * Rows are written in dedup-key and device order, so two such statements running at once take
   * their row locks in the same order and cannot deadlock. The outbox rows match what
   * Outbox.enqueue writes.
   */
  async storeMany(events: NewEvent[]): Promise<StoreResult[]> {
    if (events.length === 0) return [];
    const column = <V>(pick: (event: NewEvent) => V) => events.map(pick);
    const inserted = await this.sql.query<{ id: string; dedup_key: string; received_at: Date; latest: boolean }>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[])
           AS t(dedup_key, home_id, device_id, device_class, event_type, event_data, timestamp)
       ), new_event AS (
         INSERT INTO events (dedup_key, home_id, device_id, device_class, event_type, event_data, timestamp)
         SELECT * FROM input ORDER BY dedup_key
         ON CONFLICT (dedup_key) DO NOTHING
         RETURNING id, dedup_key, received_at, home_id, device_id, device_class, event_type, event_data, timestamp
       ), device_event AS (
         SELECT DISTINCT ON (device_id) * FROM new_event WHERE device_id IS NOT NULL ORDER BY device_id, timestamp DESC, id DESC
       ), device AS (
         ${DEVICE_UPSERT}
       ), fanout AS (
         INSERT INTO outbox_messages (idempotency_key, topic, payload)
         SELECT 'event:' || id::text, $8, jsonb_build_object('eventId', id::text) FROM new_event
         ON CONFLICT (idempotency_key) DO NOTHING
       ), ${latestEventsCtes('$9::int')}
       SELECT n.id::text AS id, n.dedup_key, n.received_at, (v.event_id IS NOT NULL) AS latest
       FROM new_event n LEFT JOIN latest_value v ON v.event_id = n.id`,
      [
        column((event) => event.dedupKey),
        column((event) => event.homeId),
        column((event) => event.deviceId),
        column((event) => event.deviceClass),
        column((event) => event.eventType),
        column((event) => JSON.stringify(event.eventData)),
        column((event) => event.timestamp.toISOString()),
        FANOUT_TOPIC,
        this.options.deviceStateMaxTypes,
      ],
    );
    const storedNow = new Map(inserted.map((row) => [row.dedup_key, row]));
    const missing = [...new Set(events.map((event) => event.dedupKey).filter((key) => !storedNow.has(key)))];
    const storedBefore = missing.length === 0 ? new Map<string, string>() : await this.idsByDedupKey(missing);
    const answered = new Set<string>();
    return events.map((event) => {
      const row = storedNow.get(event.dedupKey);
      if (row && !answered.has(event.dedupKey)) {
        answered.add(event.dedupKey);
        const { dedupKey: _dedupKey, ...fields } = event;
        return { stored: { id: row.id, ...fields, receivedAt: new Date(row.received_at) }, latest: row.latest };
      }
      return { duplicateOf: row?.id ?? storedBefore.get(event.dedupKey) ?? '' };
    });
  }

  private async idsByDedupKey(keys: string[]): Promise<Map<string, string>> {
    const rows = await this.sql.query<{ id: string; dedup_key: string }>(
      `SELECT id::text AS id, dedup_key FROM events WHERE dedup_key = ANY($1::text[])`,
      [keys],
    );
    return new Map(rows.map((row) => [row.dedup_key, row.id]));
  }

  /** The events that still exist among these IDs, oldest first. */
  async findByIds(ids: string[]): Promise<StoredEvent[]> {
    const rows = await this.sql.query<StoredEvent>(
      `SELECT id::text AS id, home_id AS "homeId", device_id AS "deviceId", device_class AS "deviceClass",
              event_type AS "eventType", event_data AS "eventData", timestamp, received_at AS "receivedAt"
         FROM events WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids.filter(isBigintId)],
    );
    return rows.map((row) => ({ ...row, timestamp: new Date(row.timestamp), receivedAt: new Date(row.receivedAt) }));
  }

  /** A home's events, newest first: one page and whether more follow. */
  async history(homeId: number, filter: HistoryFilter): Promise<{ events: StoredEvent[]; more: boolean }> {
    const where: Prisma.EventWhereInput = { homeId };
    if (filter.eventType) where.eventType = filter.eventType;
    if (filter.since || filter.until) where.timestamp = { gte: filter.since, lt: filter.until };
    if (filter.before) {
      const { timestamp, id } = filter.before;
      // `timestamp <= t` is what lets the (home_id, timestamp, id) index start at the cursor; the
      // OR alone is only a filter, so the scan would walk down from the newest event and a
      // page's cost would grow with its depth (page 200 of a busy home: hundreds of ms).
      where.AND = [{ timestamp: { lte: timestamp } }, { OR: [{ timestamp: { lt: timestamp } }, { timestamp, id: { lt: BigInt(id) } }] }];
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
 * The devices' state, from the newest event of each just inserted (none for duplicates or events
 * without a device). Last event and last seen move forward only: a late, older delivery does not
 * roll them back.
 */
const NEWER = '(devices.last_event_at IS NULL OR devices.last_event_at <= EXCLUDED.last_event_at)';
const DEVICE_UPSERT = `INSERT INTO devices (id, home_id, device_class, last_event_type, last_event_data, last_event_at, last_seen_at, updated_at)
         SELECT device_id, home_id, device_class, event_type, event_data, timestamp, timestamp, now() FROM device_event ORDER BY device_id
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
