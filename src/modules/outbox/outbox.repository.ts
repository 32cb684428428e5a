import type { SqlRunner } from '../../db/database';

// The durable work queue in `outbox_messages`. Producers insert rows in the same transaction as
// the change that caused them; dispatchers claim rows with a lease (FOR UPDATE SKIP LOCKED, so
// several instances never claim one row together) and a crashed claimer's rows come back when
// its lease expires. Raw SQL: Prisma cannot express SKIP LOCKED or ON CONFLICT DO NOTHING.

/** A connection inside a transaction (or the pool). */
export type Sql = Pick<SqlRunner, 'exec' | 'query'>;

export interface NewOutboxMessage {
  /** Unique: inserting a key twice is a no-op, and every delivery carries it to the receiver. */
  idempotencyKey: string;
  topic: string;
  payload: unknown;
}

export interface OutboxMessage {
  id: string;
  idempotencyKey: string;
  topic: string;
  payload: unknown;
  /** Including the current one: 1 on the first claim. Also the fencing token of the lease. */
  attempts: number;
}

export type OutboxStatus = 'pending' | 'sent' | 'dead';

/** What one claim takes of some topics: at most `limit` of their due messages. */
export interface ClaimShare {
  topics: string[];
  limit: number;
}

interface ClaimedRow {
  id: string;
  idempotency_key: string;
  topic: string;
  payload: unknown;
  attempts: number;
}

export class OutboxRepository {
  constructor(private readonly sql: SqlRunner) {}

  /** Inserts messages on `sql` (pass the caller's transaction); keys already present are skipped. */
  async insert(sql: Sql, messages: NewOutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const params: unknown[] = [];
    const rows = messages.map((message) => {
      params.push(message.idempotencyKey, message.topic, JSON.stringify(message.payload ?? {}));
      const n = params.length;
      return `($${n - 2}, $${n - 1}, $${n}::jsonb)`;
    });
    await sql.query(
      `INSERT INTO outbox_messages (idempotency_key, topic, payload) VALUES ${rows.join(', ')}
       ON CONFLICT (idempotency_key) DO NOTHING`,
      params,
    );
  }

  /**
   * Takes due messages for `leaseMs`, up to each share's `limit` of its topics, in one statement;
   * each claim counts as an attempt. Topics nobody here handles stay untouched (another module, or
   * a newer instance, owns them).
   * next_attempt_at keeps milliseconds, and PostgreSQL rounds the clock to them when it stores
   * it: a message enqueued just now can read up to half a millisecond ahead of now(). The claim
   * allows that millisecond, or a claim right after the enqueuer's wake-up would skip the message
   * until the next poll (about one claim in five made right after a one-statement insert, measured
   * on PostgreSQL 15).
   */
  async claim(shares: ClaimShare[], leaseMs: number): Promise<OutboxMessage[]> {
    const wanted = shares.filter((share) => share.topics.length > 0 && share.limit > 0);
    if (wanted.length === 0) return [];
    const params: unknown[] = [leaseMs];
    const picks = wanted.map((share, index) => {
      params.push(share.topics, share.limit);
      const n = params.length;
      return `share_${index} AS (
         SELECT id FROM outbox_messages
          WHERE status = 'pending' AND next_attempt_at <= now() + interval '1 millisecond' AND (lease_until IS NULL OR lease_until < now())
            AND topic = ANY($${n - 1}::text[])
          ORDER BY next_attempt_at, id
          LIMIT $${n}
          FOR UPDATE SKIP LOCKED)`;
    });
    const rows = await this.sql.query<ClaimedRow>(
      `WITH ${picks.join(', ')}
       UPDATE outbox_messages
          SET lease_until = now() + make_interval(secs => $1::double precision / 1000), attempts = attempts + 1
        WHERE id IN (${wanted.map((_share, index) => `SELECT id FROM share_${index}`).join(' UNION ALL ')})
      RETURNING id::text AS id, idempotency_key, topic, payload, attempts`,
      params,
    );
    return rows
      .map((row) => ({ id: row.id, idempotencyKey: row.idempotency_key, topic: row.topic, payload: row.payload, attempts: Number(row.attempts) }))
      .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  }

  /** Delivered. Done even when the lease has passed to another dispatcher meanwhile: it was delivered. */
  async markSent(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(
      `UPDATE outbox_messages SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL
        WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [ids],
    );
  }

  /**
   * Not delivered: retry after `retryInMs`, or dead-letter when `dead`. Only the holder of the
   * current claim (same attempts count) may record it, so a late, stale dispatcher changes nothing.
   */
  async markFailed(message: OutboxMessage, error: string, outcome: { dead: boolean; retryInMs: number }): Promise<void> {
    const status = outcome.dead ? 'dead' : 'pending';
    await this.sql.query(
      `UPDATE outbox_messages
          SET status = '${status}', lease_until = NULL, last_error = $3,
              next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
        WHERE id = $1::bigint AND status = 'pending' AND attempts = $2`,
      [message.id, message.attempts, error.slice(0, 1000), outcome.retryInMs],
    );
  }

  async countByStatus(): Promise<Record<OutboxStatus, number>> {
    const rows = await this.sql.query<{ status: OutboxStatus; n: number }>(
      `SELECT status::text AS status, count(*)::int AS n FROM outbox_messages GROUP BY status`,
    );
    const counts: Record<OutboxStatus, number> = { pending: 0, sent: 0, dead: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /** Forgets delivered messages older than `days`, one batch; returns how many went. */
  async deleteSentBefore(days: number, batch: number): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM outbox_messages WHERE id IN (
           SELECT id FROM outbox_messages
            WHERE status = 'sent' AND sent_at < now() - make_interval(days => $1::int)
            ORDER BY id LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [days, batch],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
