import type { SqlRunner } from '../../db/database';
import { ValidationError } from '../../lib/errors';
import type { AuditRepository } from '../audit/audit.repository';
import type { Outbox } from '../outbox/outbox';
import type { UsersRepository } from '../users/users.repository';
import type { AccountMail } from './account-mail';
import type { AccountWritesRepository } from './account-writes.repository';
import type { Client } from './auth.service';
import type { EmailOwners } from './email-owners';
import { hashLinkToken, InvalidLinkTokenError, newLinkToken } from './link-tokens';
import type { LinkTokenPurpose, LinkTokensRepository } from './link-tokens.repository';
import { hashPassword, passwordWeaknesses } from './passwords';
import type { SessionRevoker } from './session-revocation';

// Forgot and reset password. Asking for a link answers the same for every address and does the
// same work (token, sealing, the same statements) whether an account exists or not, so neither
// the answer nor its time tells who has an account. Following the link sets the password, ends
// every session and proves the address. The same page sets up an invited account whose address
// someone registered with (a claim): whoever holds the mailbox chooses the password.

/** Lifetime of a claim link (an invited address someone registered with). */
export const CLAIM_TTL_HOURS = 24;

const LINK_PURPOSES: LinkTokenPurpose[] = ['password_reset', 'account_claim'];

export type ResetOutcome = 'reset' | 'claimed';

export interface PasswordResetDeps {
  sql: SqlRunner;
  users: UsersRepository;
  tokens: LinkTokensRepository;
  writes: AccountWritesRepository;
  mail: AccountMail;
  outbox: Outbox;
  sessions: SessionRevoker;
  audit: AuditRepository;
  owners: EmailOwners;
  ttlMinutes: number;
}

export class PasswordResetService {
  constructor(private readonly deps: PasswordResetDeps) {}

  async forgot(email: string, client: Client): Promise<void> {
    const { sql, users, tokens, mail, outbox, audit, ttlMinutes } = this.deps;
    const user = await users.findByEmail(email);
    // Invited accounts have no password yet (their invitation sets one); disabled ones may not sign in.
    const account = user?.status === 'active' ? user : null;
    const { token, hash } = newLinkToken();
    const message = mail.passwordReset(email, account?.id ?? '', token, ttlMinutes);
    const expiresAt = new Date(Date.now() + ttlMinutes * 60_000);
    await sql.transaction(async (tx) => {
      await tokens.replace(tx, { userId: account?.id ?? null, purpose: 'password_reset', tokenHash: hash, email, expiresAt });
      if (account) await outbox.enqueue(tx, [message]);
      // Stands in for the e-mail's insert, so both answers make the same round trips.
      else await tx.query('SELECT 1 FROM outbox_messages WHERE idempotency_key = $1', [message.idempotencyKey]);
    });
    await audit.record({ actorType: 'anonymous', action: 'auth.password_forgot', targetType: 'user', targetId: user?.id ?? null, result: account ? 'success' : 'failure', ip: client.ip, details: account ? {} : { reason: user ? `status_${user.status}` : 'unknown_email' } });
    outbox.wake();
  }

  /** Registration with an invited address: a link to set the password goes to that address. */
  async requestClaim(invitee: { id: string; email: string }): Promise<void> {
    const { sql, tokens, mail, outbox } = this.deps;
    const { token, hash } = newLinkToken();
    const expiresAt = new Date(Date.now() + CLAIM_TTL_HOURS * 3_600_000);
    await sql.transaction(async (tx) => {
      await tokens.replace(tx, { userId: invitee.id, purpose: 'account_claim', tokenHash: hash, email: invitee.email, expiresAt });
      await outbox.enqueue(tx, [mail.accountClaim(invitee.email, invitee.id, token, CLAIM_TTL_HOURS)]);
    });
    outbox.wake();
  }

  /** Whether the link of this token still works (the page says so before asking for a password). */
  async isUsable(token: string): Promise<boolean> {
    return (await this.deps.tokens.findOpen(hashLinkToken(token), LINK_PURPOSES)) !== null;
  }

  async reset(token: string, password: string, client: Client): Promise<ResetOutcome> {
    const { sql, users, tokens, writes, mail, outbox, sessions, audit, owners } = this.deps;
    const hash = hashLinkToken(token);
    const open = await tokens.findOpen(hash, LINK_PURPOSES);
    const user = open ? await users.findById(open.userId) : null;
    const expected = open?.purpose === 'account_claim' ? 'invited' : 'active';
    if (!open || !user || user.status !== expected || user.email !== open.email) throw new InvalidLinkTokenError();
    const weaknesses = passwordWeaknesses(password, user.email);
    if (weaknesses.length > 0) throw new ValidationError(weaknesses.map((message) => ({ field: 'body.password', message })), 'The password is too weak');
    const passwordHash = await hashPassword(password);
    // Before: a failure here changes nothing. After: a refresh racing the change cannot outlive it.
    await sessions.endAllSessions(user.id);
    await sql.transaction(async (tx) => {
      const used = await tokens.consume(tx, hash, [open.purpose]);
      const account = used ? await writes.lock(tx, used.userId) : null;
      if (!used || !account || account.status !== expected || account.email !== used.email) throw new InvalidLinkTokenError();
      // The link reached this address: its owner is the one choosing the password.
      const grantAdmin = owners.grantsAdmin(account.email);
      if (used.purpose === 'account_claim') {
        if (!(await writes.activateClaimed(tx, account.id, { passwordHash, grantAdmin }))) throw new InvalidLinkTokenError();
        return;
      }
      await writes.setPassword(tx, account.id, passwordHash);
      await writes.setVerifiedEmail(tx, account.id, account.email, grantAdmin);
      await outbox.enqueue(tx, [mail.passwordChanged(account.email, account.id, 'reset')]);
    });
    outbox.wake();
    await sessions.endAllSessions(user.id);
    const claimed = open.purpose === 'account_claim';
    await audit.record({ actorType: 'user', actorId: user.id, action: claimed ? 'user.claim' : 'auth.password_reset', targetType: 'user', targetId: user.id, result: 'success', ip: client.ip });
    return claimed ? 'claimed' : 'reset';
  }
}
