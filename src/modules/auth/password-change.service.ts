import type { SqlRunner } from '../../db/database';
import { UnauthenticatedError, ValidationError } from '../../lib/errors';
import type { AuditRepository } from '../audit/audit.repository';
import type { Outbox } from '../outbox/outbox';
import type { UsersRepository } from '../users/users.repository';
import type { AccountMail } from './account-mail';
import type { AccountWritesRepository } from './account-writes.repository';
import type { AuthService, Client, Session } from './auth.service';
import { hashPassword, passwordWeaknesses, verifyPassword } from './passwords';
import type { SessionRevoker } from './session-revocation';

// A signed-in user changes their password: the current one is checked, every session ends, and
// the answer is a fresh token pair, the only session left.

export interface PasswordChangeDeps {
  sql: SqlRunner;
  users: UsersRepository;
  writes: AccountWritesRepository;
  mail: AccountMail;
  outbox: Outbox;
  sessions: SessionRevoker;
  audit: AuditRepository;
  auth: Pick<AuthService, 'startSessionFor'>;
}

export class PasswordChangeService {
  constructor(private readonly deps: PasswordChangeDeps) {}

  async change(userId: string, input: { currentPassword: string; newPassword: string }, client: Client): Promise<Session> {
    const { sql, users, writes, mail, outbox, sessions, audit, auth } = this.deps;
    const user = await users.findById(userId);
    if (!user || user.status !== 'active') throw new UnauthenticatedError('This account cannot be used');
    if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
      await audit.record({ actorType: 'user', actorId: user.id, action: 'auth.password_change', targetType: 'user', targetId: user.id, result: 'failure', ip: client.ip, details: { reason: 'wrong_password' } });
      throw new UnauthenticatedError('The current password is wrong', 'invalid_credentials');
    }
    const weaknesses = passwordWeaknesses(input.newPassword, user.email);
    if (weaknesses.length > 0) throw new ValidationError(weaknesses.map((message) => ({ field: 'body.newPassword', message })), 'The password is too weak');
    const passwordHash = await hashPassword(input.newPassword);
    await sessions.endAllSessions(user.id);
    await sql.transaction(async (tx) => {
      await writes.setPassword(tx, user.id, passwordHash);
      await outbox.enqueue(tx, [mail.passwordChanged(user.email, user.id, 'change')]);
    });
    outbox.wake();
    await sessions.endAllSessions(user.id);
    await audit.record({ actorType: 'user', actorId: user.id, action: 'auth.password_change', targetType: 'user', targetId: user.id, result: 'success', ip: client.ip });
    const { user: _view, ...session } = await auth.startSessionFor(user);
    return session;
  }
}
