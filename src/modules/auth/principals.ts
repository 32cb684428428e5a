import { boundedCache } from '../../lib/bounded-cache';
import type { ChangeBus } from '../../lib/change-bus';
import type { Logger } from '../../lib/logger';
import type { UserRole, UserStatus } from '../../generated/prisma/client';
import type { UsersRepository } from '../users/users.repository';

// What every authenticated request needs to know of its account beyond the token: that it still
// exists and is active, and its role. Kept in memory briefly (a token is presented on every
// call), dropped on every instance the moment the account changes: whoever disables, deletes,
// promotes or demotes a user calls invalidate(userId). The TTL only bounds a change whose
// message was lost (Redis down) or made by a process without Redis.

export const ACCOUNT_CACHE_TTL_MS = 10_000;

export interface AccountState {
  status: UserStatus;
  role: UserRole;
}

const GONE = 'gone' as const;

export class AccountPrincipals {
  private readonly known = boundedCache<string, AccountState | typeof GONE>({ max: 100_000, ttlMs: ACCOUNT_CACHE_TTL_MS });
  /** Bumped by every invalidation, so a read that started before one does not store stale state. */
  private generation = 0;

  constructor(
    private readonly users: UsersRepository,
    private readonly bus: ChangeBus,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {
    bus.subscribe('account', (userId) => this.forget(userId));
  }

  /** The account's current state; null when it no longer exists. */
  async current(userId: string): Promise<AccountState | null> {
    const cached = this.known.get(userId);
    if (cached) return cached === GONE ? null : cached;
    const generation = this.generation;
    const user = await this.users.findById(userId);
    const state = user ? { status: user.status, role: user.role } : null;
    if (generation === this.generation) this.known.set(userId, state ?? GONE);
    return state;
  }

  /** Call after any change of a user's status, role or existence: every instance re-reads it. */
  async invalidate(userId: string): Promise<void> {
    this.forget(userId);
    await this.bus.publish('account', userId).catch((error: unknown) => {
      this.logger.warn({ err: error, userId }, `could not tell other instances of an account change; they see it within ${ACCOUNT_CACHE_TTL_MS} ms`);
    });
  }

  /** Subscribes to account changes of any instance (e.g. to end a disabled user's streams). */
  onChange(handler: (userId: string) => void): () => void {
    return this.bus.subscribe('account', handler);
  }

  private forget(userId: string): void {
    this.generation += 1;
    this.known.delete(userId);
  }
}
