import type { SqlRunner } from '../../db/database';
import type { OutboxStatus } from './outbox.repository';

// What operators read and change in `outbox_messages`: counts, listings, one message, and putting
// dead letters back in the queue. Apart from the dispatcher's repository because none of this is on
// the delivery path. Listings never select the payload: it can hold e-mail addresses and bodies.

export interface TopicCounts {
  topic: string;
  pending: number;
  sent: number;
  dead: number;
  /** Creation time of the oldest pending message of the topic, null when none is pending. */
  oldestPendingAt: Date | null;
  /** Its age by the database's clock, in whole seconds. */
  oldestPendingAgeSeconds: number | null;
}

export interface OutboxMessageView {
  id: string;
  topic: string;
  idempotencyKey: string;
  status: OutboxStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  sentAt: Date | null;
}

export interface OutboxMessageDetail extends OutboxMessageView {
  /** Size of the payload's JSON text in bytes. */
  payloadBytes: number;
  /** Only when asked for. */
  payload?: unknown;
}

export interface OutboxListFilter {
  status?: OutboxStatus;
  topic?: string;
  limit: number;
}

/** A dead message put back in the queue, with what it looked like before. */
export interface RequeuedMessage {
  id: string;
  topic: string;
  idempotencyKey: string;
  previousAttempts: number;
  lastError: string | null;
}

type Row = Record<string, unknown>;

const VIEW_COLUMNS = `id::text AS id, topic, idempotency_key, status::text AS status, attempts, last_error,
  created_at, next_attempt_at, lease_until, sent_at`;

export class OutboxAdminRepository {
  constructor(private readonly sql: SqlRunner) {}

  async countsByTopic(): Promise<TopicCounts[]> {
    const rows = await this.sql.query<Row>(
      `SELECT topic,
              count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'sent')::int AS sent,
              count(*) FILTER (WHERE status = 'dead')::int AS dead,
              min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending_at,
              floor(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')))::int AS oldest_pending_age
         FROM outbox_messages GROUP BY topic ORDER BY topic`,
    );
    return rows.map((row) => ({
      topic: String(row.topic),
      pending: Number(row.pending),
      sent: Number(row.sent),
      dead: Number(row.dead),
      oldestPendingAt: optionalDate(row.oldest_pending_at),
      oldestPendingAgeSeconds: row.oldest_pending_age === null ? null : Number(row.oldest_pending_age),
    }));
  }

  /** Newest first. */
  async list(filter: OutboxListFilter): Promise<OutboxMessageView[]> {
    const rows = await this.sql.query<Row>(
      `SELECT ${VIEW_COLUMNS} FROM outbox_messages
        WHERE ($1::text IS NULL OR status = $1::"OutboxStatus") AND ($2::text IS NULL OR topic = $2)
        ORDER BY id DESC LIMIT $3`,
      [filter.status ?? null, filter.topic ?? null, filter.limit],
    );
    return rows.map(toView);
  }

  async find(id: string, options: { payload?: boolean } = {}): Promise<OutboxMessageDetail | null> {
    const rows = await this.sql.query<Row>(
      `SELECT ${VIEW_COLUMNS}, octet_length(payload::text) AS payload_bytes${options.payload ? ', payload' : ''}
         FROM outbox_messages WHERE id = $1::bigint`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return { ...toView(row), payloadBytes: Number(row.payload_bytes), ...(options.payload ? { payload: row.payload } : {}) };
  }

  /** These messages as they are now; IDs that do not exist are missing from the answer. */
  async findMany(ids: string[]): Promise<OutboxMessageView[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.query<Row>(`SELECT ${VIEW_COLUMNS} FROM outbox_messages WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
    return rows.map(toView);
  }

  /** Up to `limit` dead messages after `afterId` (of one topic, if given), oldest first. */
  async dead(options: { topic?: string; afterId?: string; limit: number }): Promise<OutboxMessageView[]> {
    const rows = await this.sql.query<Row>(
      `SELECT ${VIEW_COLUMNS} FROM outbox_messages
        WHERE status = 'dead' AND ($1::text IS NULL OR topic = $1) AND id > $2::bigint
        ORDER BY id LIMIT $3`,
      [options.topic ?? null, options.afterId ?? '0', options.limit],
    );
    return rows.map(toView);
  }

  /**
   * Puts those of `ids` that are dead back in the queue: pending, no attempts, due now. Rows in
   * any other state are left alone, so a message delivered or re-queued meanwhile is not touched.
   * The last error stays until the next attempt replaces or clears it.
   */
  async requeueDead(ids: string[]): Promise<RequeuedMessage[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.query<Row>(
      `WITH target AS (
         SELECT id, attempts FROM outbox_messages WHERE id = ANY($1::bigint[]) AND status = 'dead' FOR UPDATE)
       UPDATE outbox_messages m
          SET status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = NULL
         FROM target
        WHERE m.id = target.id AND m.status = 'dead'
       RETURNING m.id::text AS id, m.topic, m.idempotency_key, target.attempts AS previous_attempts, m.last_error`,
      [ids],
    );
    return rows
      .map((row) => ({
        id: String(row.id),
        topic: String(row.topic),
        idempotencyKey: String(row.idempotency_key),
        previousAttempts: Number(row.previous_attempts),
        lastError: row.last_error === null ? null : String(row.last_error),
      }))
      .sort((a, b) => compareIds(a.id, b.id));
  }
}

export function compareIds(a: string, b: string): number {
  const diff = BigInt(a) - BigInt(b);
  return diff === 0n ? 0 : diff < 0n ? -1 : 1;
}

function toView(row: Row): OutboxMessageView {
  return {
    id: String(row.id),
    topic: String(row.topic),
    idempotencyKey: String(row.idempotency_key),
    status: row.status as OutboxStatus,
    attempts: Number(row.attempts),
    lastError: row.last_error === null ? null : String(row.last_error),
    createdAt: new Date(row.created_at as Date | string),
    nextAttemptAt: new Date(row.next_attempt_at as Date | string),
    leaseUntil: optionalDate(row.lease_until),
    sentAt: optionalDate(row.sent_at),
  };
}

function optionalDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : new Date(value as Date | string);
}
