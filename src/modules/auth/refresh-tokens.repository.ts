import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '../../db/database';

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

/** Where a session's request came from, as kept on the session. */
export interface SessionOrigin {
  ip?: string;
  userAgent?: string;
}

export interface NewToken {
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
}

interface Row {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date | string;
  rotated_at: Date | string | null;
  revoked_at: Date | string | null;
}

const NEW_TOKEN = `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5::timestamptz)`;
const newTokenParams = (token: NewToken) => [randomUUID(), token.userId, token.familyId, token.tokenHash, token.expiresAt.toISOString()];

// Refresh tokens and the sessions (families) they belong to, in raw SQL: every login and every
// refresh passes here, and each write that starts, continues or ends a family changes its session
// in the same statement, so the two never disagree. As Prisma model queries (a login's write was a
// batch transaction of two creates: four round trips) each cost many times the CPU
// (scripts/bench/query-cost.ts).
export class RefreshTokensRepository {
  constructor(private readonly sql: SqlRunner) {}

  /** A new session with its first refresh token. */
  async createSession(token: NewToken, origin: SessionOrigin): Promise<void> {
    await this.sql.query(
      `WITH session AS (
         INSERT INTO sessions (id, user_id, user_agent, ip, created_at, last_used_at, expires_at)
         VALUES ($3::uuid, $2::uuid, $6, $7, now(), now(), $5::timestamptz)
       )
       ${NEW_TOKEN}`,
      [...newTokenParams(token), origin.userAgent ?? null, origin.ip ?? null],
    );
  }

  /** The next token of a family, after a refresh: the session was used now, from `origin`. */
  async continueSession(token: NewToken, origin: SessionOrigin): Promise<void> {
    await this.sql.query(
      `WITH session AS (
         UPDATE sessions SET last_used_at = now(), expires_at = $5::timestamptz, ip = COALESCE($6, ip) WHERE id = $3::uuid
       )
       ${NEW_TOKEN}`,
      [...newTokenParams(token), origin.ip ?? null],
    );
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const rows = await this.sql.query<Row>(
      `SELECT id::text AS id, user_id::text AS user_id, family_id::text AS family_id, expires_at, rotated_at, revoked_at
         FROM refresh_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Marks the token used; false when another request already used it (a race or a replay). */
  async markRotated(id: string): Promise<boolean> {
    const rows = await this.sql.query(`UPDATE refresh_tokens SET rotated_at = now() WHERE id = $1::uuid AND rotated_at IS NULL AND revoked_at IS NULL RETURNING id`, [id]);
    return rows.length === 1;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.sql.query(
      `WITH tokens AS (
         UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1::uuid AND revoked_at IS NULL
       )
       UPDATE sessions SET revoked_at = now() WHERE id = $1::uuid AND revoked_at IS NULL`,
      [familyId],
    );
  }

  /** Ends every session of the user but `exceptFamilyId`; returns how many sessions ended. */
  async revokeAllForUser(userId: string, exceptFamilyId?: string): Promise<number> {
    const [row] = await this.sql.query<{ count: number }>(
      `WITH tokens AS (
         UPDATE refresh_tokens SET revoked_at = now()
          WHERE user_id = $1::uuid AND ($2::uuid IS NULL OR family_id <> $2::uuid) AND revoked_at IS NULL
       ), ended AS (
         UPDATE sessions SET revoked_at = now()
          WHERE user_id = $1::uuid AND ($2::uuid IS NULL OR id <> $2::uuid) AND revoked_at IS NULL
          RETURNING 1
       )
       SELECT count(*)::int AS count FROM ended`,
      [userId, exceptFamilyId ?? null],
    );
    return row?.count ?? 0;
  }
}

function toRecord(row: Row): RefreshTokenRecord {
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return { id: row.id, userId: row.user_id, familyId: row.family_id, expiresAt: new Date(row.expires_at), rotatedAt: date(row.rotated_at), revokedAt: date(row.revoked_at) };
}
