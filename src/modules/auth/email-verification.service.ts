import type { SqlRunner } from '../../db/database';
import { ConflictError, UnauthenticatedError } from '../../lib/errors';
import type { AuditRepository } from '../audit/audit.repository';
import type { Outbox } from '../outbox/outbox';
import type { UsersRepository, UserWithLink } from '../users/users.repository';
import type { AccountMail, VerificationKind } from './account-mail';
import type { AccountWritesRepository } from './account-writes.repository';
import type { Client } from './auth.service';
import type { EmailOwners } from './email-owners';
import { hashLinkToken, InvalidLinkTokenError, newLinkToken } from './link-tokens';
import type { LinkTokenPurpose, LinkTokensRepository } from './link-tokens.repository';
import { verifyPassword } from './passwords';

// Proving an address by a link sent to it: verifying the account's address, or changing it (the
// change applies only once the new address is proven).

export const VERIFICATION_TTL_HOURS = 24;

const PURPOSE: Record<VerificationKind, LinkTokenPurpose> = { verify: 'email_verify', change: 'email_change' };

export type VerificationOutcome = 'verified' | 'changed';

export interface EmailVerificationDeps {
  sql: SqlRunner;
  users: UsersRepository;
  tokens: LinkTokensRepository;
  writes: AccountWritesRepository;
  mail: AccountMail;
  outbox: Outbox;
  audit: AuditRepository;
  owners: EmailOwners;
}

export class EmailVerificationService {
  constructor(private readonly deps: EmailVerificationDeps) {}

  /** Sends a verification link unless the address is verified already. */
  async start(userId: string): Promise<void> {
    const user = await this.deps.users.findById(userId);
    if (!user || user.status !== 'active') throw new UnauthenticatedError('This account cannot be used');
    if (!user.emailVerified) await this.send('verify', user.id, user.email);
  }

  /** At registration; the outbox holds it until a channel (SMTP, or the log in development) sends it. */
  async sendVerification(user: Pick<UserWithLink, 'id' | 'email'>): Promise<void> {
    await this.send('verify', user.id, user.email);
  }

  /** A new address for the account; it applies when the link sent to it is followed. */
  async requestChange(userId: string, input: { email: string; password: string }, client: Client): Promise<void> {
    const { users, audit } = this.deps;
    const user = await users.findById(userId);
    if (!user || user.status !== 'active') throw new UnauthenticatedError('This account cannot be used');
    if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.password))) {
      await audit.record({ actorType: 'user', actorId: user.id, action: 'user.email_change', targetType: 'user', targetId: user.id, result: 'failure', ip: client.ip, details: { reason: 'wrong_password' } });
      throw new UnauthenticatedError('The password is wrong', 'invalid_credentials');
    }
    if (input.email === user.email) throw new ConflictError('This is already the address of your account');
    if (await users.findByEmail(input.email)) throw new ConflictError('An account with this email already exists');
    await this.send('change', user.id, input.email);
    await audit.record({ actorType: 'user', actorId: user.id, action: 'user.email_change', targetType: 'user', targetId: user.id, result: 'pending', ip: client.ip });
  }

  async isUsable(token: string): Promise<boolean> {
    return (await this.deps.tokens.findOpen(hashLinkToken(token), Object.values(PURPOSE))) !== null;
  }

  async verify(token: string, client: Client): Promise<VerificationOutcome> {
    const { sql, tokens, writes, audit, owners } = this.deps;
    const outcome = await sql.transaction(async (tx) => {
      const used = await tokens.consume(tx, hashLinkToken(token), Object.values(PURPOSE));
      const account = used ? await writes.lock(tx, used.userId) : null;
      if (!used || !account) throw new InvalidLinkTokenError();
      const grantAdmin = owners.grantsAdmin(used.email);
      if (account.status !== 'active') throw new InvalidLinkTokenError();
      // A verification link for an address the account no longer has proves nothing about it.
      if (used.purpose === 'email_verify' && account.email !== used.email) throw new InvalidLinkTokenError();
      await writes.setVerifiedEmail(tx, account.id, used.email, grantAdmin);
      return { userId: account.id, result: used.purpose === 'email_change' ? ('changed' as const) : ('verified' as const) };
    });
    await audit.record({ actorType: 'user', actorId: outcome.userId, action: `user.email_${outcome.result}`, targetType: 'user', targetId: outcome.userId, result: 'success', ip: client.ip });
    return outcome.result;
  }

  private async send(kind: VerificationKind, userId: string, email: string): Promise<void> {
    const { sql, tokens, mail, outbox } = this.deps;
    const { token, hash } = newLinkToken();
    const expiresAt = new Date(Date.now() + VERIFICATION_TTL_HOURS * 3_600_000);
    await sql.transaction(async (tx) => {
      await tokens.replace(tx, { userId, purpose: PURPOSE[kind], tokenHash: hash, email, expiresAt });
      await outbox.enqueue(tx, [mail.verification(kind, email, userId, token, VERIFICATION_TTL_HOURS)]);
    });
    outbox.wake();
  }
}
