import { boundedCache } from '../../lib/bounded-cache';
import type { UserRecord } from '../users/users.repository';

// Whether an account may still act, asked on every request with a user token: a deleted (or
// disabled) account's access tokens must stop at once, not when they expire. Answers are kept
// briefly so a request costs a lookup in memory, not a query; whoever deletes or disables an
// account calls forget() so this instance stops at once. Other instances learn it within
// STANDING_TTL_MS.

export const STANDING_TTL_MS = 30_000;

export interface AccountLookup {
  findById(id: string): Promise<Pick<UserRecord, 'status'> | null>;
}

export class AccountStanding {
  private readonly known = boundedCache<string, { active: boolean }>({ max: 50_000, ttlMs: STANDING_TTL_MS });

  constructor(private readonly users: AccountLookup) {}

  async isActive(userId: string): Promise<boolean> {
    const known = this.known.get(userId);
    if (known) return known.active;
    const user = await this.users.findById(userId);
    const active = user?.status === 'active';
    this.known.set(userId, { active });
    return active;
  }

  forget(userId: string): void {
    this.known.delete(userId);
  }
}
