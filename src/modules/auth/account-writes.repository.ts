import { ConflictError } from '../../lib/errors';
import type { Sql } from '../outbox/outbox.repository';

// The changes a followed link makes to an account, in raw SQL on the caller's transaction, so
// the token is used up, the account changed and the e-mail queued together or not at all.

export interface LockedAccount {
  id: string;
  email: string;
  status: 'active' | 'invited' | 'disabled';
}

export class AccountWritesRepository {
  /** The account, locked for the rest of the transaction. */
  async lock(sql: Sql, userId: string): Promise<LockedAccount | null> {
    const rows = await sql.query<LockedAccount>(`SELECT id::text AS id, email, status::text AS status FROM users WHERE id = $1::uuid FOR UPDATE`, [userId]);
    return rows[0] ?? null;
  }

  async setPassword(sql: Sql, userId: string, passwordHash: string): Promise<void> {
    await sql.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1::uuid`, [userId, passwordHash]);
  }

  /** The owner of `email` has shown it: it becomes the account's verified address. */
  async setVerifiedEmail(sql: Sql, userId: string, email: string, grantAdmin: boolean): Promise<void> {
    try {
      await sql.query(
        `UPDATE users SET email = $2, email_verified = true, role = CASE WHEN $3::boolean THEN 'admin'::"UserRole" ELSE role END, updated_at = now()
          WHERE id = $1::uuid`,
        [userId, email, grantAdmin],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new ConflictError('An account with this email already exists');
      throw error;
    }
  }

  /** The real owner of an invited address takes the account over: their password, active, verified. */
  async activateClaimed(sql: Sql, userId: string, changes: { passwordHash: string; grantAdmin: boolean }): Promise<boolean> {
    const rows = await sql.query(
      `UPDATE users SET password_hash = $2, status = 'active', email_verified = true,
              role = CASE WHEN $3::boolean THEN 'admin'::"UserRole" ELSE role END, updated_at = now()
        WHERE id = $1::uuid AND status = 'invited' RETURNING id`,
      [userId, changes.passwordHash, changes.grantAdmin],
    );
    if (rows.length === 0) return false;
    // Its open invitations have served their purpose: the address is now claimed.
    await sql.query(`UPDATE invitations SET accepted_at = now() WHERE user_id = $1::uuid AND accepted_at IS NULL`, [userId]);
    return true;
  }
}
