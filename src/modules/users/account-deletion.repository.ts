import type { SqlRunner } from '../../db/database';
import { UpstreamUnavailableError } from '../../lib/errors';
import type { SealedValue } from '../../lib/secret-box';
import type { AuditRecord } from '../audit/audit.repository';
import type { NewOutboxMessage, Sql } from '../outbox/outbox.repository';

// Removes an account and everything that points at it in one transaction, together with the
// outbox job that deletes its MODE user: either all of it happens or none. Raw SQL on one
// connection, since the outbox insert must share the transaction (see outbox.repository.ts).

/** What the account's MODE link held when it was deleted: all the MODE job needs. */
export interface DeletedLink {
  modeUserId: number | null;
  sealedKey: SealedValue | null;
}

export interface AccountRemoval {
  /** The job that deletes the MODE user, enqueued in the same transaction (only when there is a MODE user). */
  modeJob: (link: DeletedLink & { modeUserId: number }) => NewOutboxMessage;
  enqueue: (sql: Sql, messages: NewOutboxMessage[]) => Promise<void>;
  audit: AuditRecord;
}

interface LinkRow {
  mode_user_id: number | null;
  encrypted_key: string | null;
  key_id: string | null;
  leased: boolean;
}

export class AccountDeletionRepository {
  constructor(private readonly sql: SqlRunner) {}

  /** Deletes the account; null when it no longer exists (another request deleted it first). */
  remove(userId: string, removal: AccountRemoval): Promise<DeletedLink | null> {
    return this.sql.transaction(async (tx) => {
      // Locking the account first makes a concurrent delete wait, then find nothing.
      const [account] = await tx.query<{ email: string }>(`SELECT email FROM users WHERE id = $1::uuid FOR UPDATE`, [userId]);
      if (!account) return null;
      const link = await lockedLink(tx, userId);
      if (link.modeUserId !== null) await removal.enqueue(tx, [removal.modeJob({ ...link, modeUserId: link.modeUserId })]);
      await removeTraces(tx, userId, account.email, link.modeUserId);
      await tx.query(`DELETE FROM users WHERE id = $1::uuid`, [userId]);
      await insertAudit(tx, removal.audit);
      return link;
    });
  }
}

/**
 * The link, locked so that no linking attempt can start for it meanwhile. A link being created
 * right now (lease held, no MODE user recorded yet) could produce a MODE user after this commit
 * that nobody would delete: such a delete is refused until the attempt is over.
 */
async function lockedLink(tx: Sql, userId: string): Promise<DeletedLink> {
  const [row] = await tx.query<LinkRow>(
    `SELECT mode_user_id, encrypted_key, key_id, (lease_until IS NOT NULL AND lease_until > now()) AS leased
       FROM mode_links WHERE user_id = $1::uuid FOR UPDATE`,
    [userId],
  );
  if (!row) return { modeUserId: null, sealedKey: null };
  if (row.leased && row.mode_user_id === null) {
    throw new UpstreamUnavailableError('Your account is being connected to MODE right now; try again in a moment');
  }
  const sealedKey = row.encrypted_key && row.key_id ? { ciphertext: row.encrypted_key, keyId: row.key_id } : null;
  return { modeUserId: row.mode_user_id === null ? null : Number(row.mode_user_id), sealedKey };
}

/**
 * What refers to the account without a cascading foreign key: the bridge's copy of its MODE home
 * memberships, e-mails still waiting to be sent to it, invitations it sent, service clients
 * limited to it, and what third-party apps it linked hold for it (grants, tokens). Its sessions, refresh tokens, MODE link, notifications, preferences and the
 * invitations it received go with the users row (ON DELETE CASCADE). Audit entries stay.
 */
async function removeTraces(tx: Sql, userId: string, email: string, modeUserId: number | null): Promise<void> {
  if (modeUserId !== null) await tx.query(`DELETE FROM home_memberships WHERE mode_user_id = $1`, [modeUserId]);
  await tx.query(`DELETE FROM outbox_messages WHERE status = 'pending' AND payload->>'to' = $1`, [email]);
  await tx.query(`UPDATE invitations SET invited_by_id = NULL WHERE invited_by_id = $1::uuid`, [userId]);
  await tx.query(`UPDATE service_clients SET allowed_user_ids = array_remove(allowed_user_ids, $1) WHERE $1 = ANY(allowed_user_ids)`, [userId]);
  await tx.query(`DELETE FROM oauth_payloads WHERE account_id = $1`, [userId]);
}

async function insertAudit(tx: Sql, entry: AuditRecord): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (actor_type, actor_id, action, target_type, target_id, on_behalf_of, result, ip, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
    [entry.actorType, entry.actorId ?? null, entry.action, entry.targetType ?? null, entry.targetId ?? null, entry.onBehalfOf ?? null, entry.result, entry.ip ?? null, JSON.stringify(entry.details ?? {})],
  );
}
