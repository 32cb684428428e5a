import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '../../db/database';
import type { Sql } from '../outbox/outbox.repository';

// `link_tokens` in raw SQL: a token is issued and used up inside the same transaction as the
// change it stands for (and the e-mail it is sent in), which Prisma cannot share with the outbox.

export type LinkTokenPurpose = 'password_reset' | 'email_verify' | 'email_change' | 'account_claim';

export interface LinkTokenRecord {
  id: string;
  userId: string;
  purpose: LinkTokenPurpose;
  email: string;
  expiresAt: Date;
}

interface Row {
  id: string;
  user_id: string;
  purpose: LinkTokenPurpose;
  email: string;
  expires_at: Date | string;
}

const COLUMNS = 'id::text AS id, user_id::text AS user_id, purpose::text AS purpose, email, expires_at';

export class LinkTokensRepository {
  constructor(private readonly sql: SqlRunner) {}

  /**
   * Stores a new token and closes the user's earlier open ones of the same purposes, so only the
   * newest link works. Always runs both statements, even for `userId` null (an unknown address):
   * forgot-password must cost the same either way.
   */
  async replace(sql: Sql, token: { userId: string | null; purpose: LinkTokenPurpose; supersedes?: LinkTokenPurpose[]; tokenHash: string; email: string; expiresAt: Date }): Promise<void> {
    const purposes = token.supersedes ?? [token.purpose];
    await sql.query(
      `UPDATE link_tokens SET used_at = now() WHERE user_id = $1::uuid AND purpose::text = ANY($2::text[]) AND used_at IS NULL`,
      [token.userId ?? '00000000-0000-0000-0000-000000000000', purposes],
    );
    await sql.query(
      `INSERT INTO link_tokens (id, user_id, purpose, token_hash, email, expires_at)
       SELECT $1::uuid, id, $3::"LinkTokenPurpose", $4, $5, $6::timestamptz FROM users WHERE id = $2::uuid`,
      [randomUUID(), token.userId ?? '00000000-0000-0000-0000-000000000000', token.purpose, token.tokenHash, token.email, token.expiresAt.toISOString()],
    );
  }

  /** The token while it can be used, without using it (a page shows whether its link still works). */
  async findOpen(tokenHash: string, purposes: LinkTokenPurpose[]): Promise<LinkTokenRecord | null> {
    const rows = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM link_tokens
        WHERE token_hash = $1 AND purpose::text = ANY($2::text[]) AND used_at IS NULL AND expires_at > now()`,
      [tokenHash, purposes],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Uses the token up on `sql`; null when it is unknown, used, expired or of another purpose. */
  async consume(sql: Sql, tokenHash: string, purposes: LinkTokenPurpose[]): Promise<LinkTokenRecord | null> {
    const rows = await sql.query<Row>(
      `UPDATE link_tokens SET used_at = now()
        WHERE token_hash = $1 AND purpose::text = ANY($2::text[]) AND used_at IS NULL AND expires_at > now()
        RETURNING ${COLUMNS}`,
      [tokenHash, purposes],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }
}

function toRecord(row: Row): LinkTokenRecord {
  return { id: row.id, userId: row.user_id, purpose: row.purpose, email: row.email, expiresAt: new Date(row.expires_at) };
}
