import { UnauthenticatedError } from '../../lib/errors';
import type { AuditRepository } from '../audit/audit.repository';
import { burnPasswordCheck, verifyPassword } from '../auth/passwords';
import { modeUserDeleteJob } from '../linking/mode-user-deletion';
import type { NewOutboxMessage, Sql } from '../outbox/outbox.repository';
import type { AccountDeletionRepository } from './account-deletion.repository';
import type { UsersRepository } from './users.repository';

// A user deleting their own account: the password is checked again, then the account and all
// that refers to it go in one transaction that also enqueues the deletion of its MODE user
// (linking/mode-user-deletion.ts), so the answer never waits for MODE and MODE being down
// loses nothing.

export interface DeletionOutbox {
  enqueue(sql: Sql, messages: NewOutboxMessage[]): Promise<void>;
  /** Starts this instance's dispatcher at once, after the commit. */
  wake(): void;
}

/** Knowledge of an account kept outside the database (caches, on this instance or all), dropped once it is deleted. */
export interface AccountMemory {
  forget(userId: string): void | Promise<void>;
}

export interface DeletionCaller {
  userId: string;
  ip?: string;
}

export class AccountDeletionService {
  constructor(
    private readonly users: Pick<UsersRepository, 'findById'>,
    private readonly repository: AccountDeletionRepository,
    private readonly outbox: DeletionOutbox,
    private readonly audit: AuditRepository,
    private readonly memories: AccountMemory[],
  ) {}

  async deleteOwnAccount(caller: DeletionCaller, password: string): Promise<void> {
    const user = await this.users.findById(caller.userId);
    if (!user || user.status !== 'active') throw new UnauthenticatedError('This account cannot be used');
    const valid = user.passwordHash ? await verifyPassword(user.passwordHash, password) : await burnPasswordCheck(password);
    if (!valid) {
      await this.audit.record({ actorType: 'user', actorId: user.id, action: 'user.delete', targetType: 'user', targetId: user.id, result: 'failure', ip: caller.ip, details: { reason: 'wrong_password' } });
      throw new UnauthenticatedError('The password is wrong', 'invalid_credentials');
    }
    const link = await this.repository.remove(user.id, {
      modeJob: ({ modeUserId, sealedKey }) => modeUserDeleteJob(user.id, modeUserId, sealedKey),
      enqueue: (sql, messages) => this.outbox.enqueue(sql, messages),
      audit: { actorType: 'user', actorId: user.id, action: 'user.delete', targetType: 'user', targetId: user.id, result: 'success', ip: caller.ip, details: { modeUserId: user.link?.modeUserId ?? null } },
    });
    if (!link) throw new UnauthenticatedError('This account cannot be used');
    for (const memory of this.memories) await memory.forget(user.id);
    this.outbox.wake();
  }
}
