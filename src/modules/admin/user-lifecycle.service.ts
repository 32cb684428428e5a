import { isUuid } from '../../lib/bounds';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../../lib/errors';
import type { AuditRepository } from '../audit/audit.repository';
import type { AdminUserRecord, AdminUsersRepository } from './admin-users.repository';

// What administrators do to accounts, the same for the admin API and the `user` script:
// disable, enable, promote, demote, delete. Every action leaves an audit entry; an admin
// cannot lock themself out (disable, demote or delete their own account).

/** Removes a user's counterpart in MODE. Implemented with the MODE client (DELETE /users/:id). */
export interface ModeAccountRemover {
  /** Must resolve when MODE no longer has the user (404 included), so an interrupted delete can be retried. */
  removeModeUser(modeUserId: number): Promise<void>;
}

/** Until MODE removal is wired, deleting a linked user is refused rather than leaving an orphan in MODE. */
export const unwiredModeAccountRemover: ModeAccountRemover = {
  removeModeUser: async () => {
    throw new ServiceUnavailableError('Removing users from MODE is not configured in this deployment; the user was disabled but not deleted');
  },
};

export interface AdminActor {
  /** The administrator's user ID; null on the command line (the operator holds database access). */
  userId: string | null;
  via: 'api' | 'cli';
  ip?: string;
  /** The OS account that ran a script. */
  operator?: string;
}

export type LifecycleAction = 'disable' | 'enable' | 'promote' | 'demote';

export interface ChangeOutcome {
  before: AdminUserRecord;
  after: AdminUserRecord;
  changed: boolean;
  revokedTokens: number;
  dryRun: boolean;
}

export interface DeleteOutcome {
  user: AdminUserRecord;
  revokedTokens: number;
  /** The MODE user that was removed, null when the user had none. */
  removedModeUserId: number | null;
  dryRun: boolean;
}

export class UserLifecycleService {
  constructor(
    private readonly users: AdminUsersRepository,
    private readonly audit: AuditRepository,
    private readonly remover: ModeAccountRemover,
    /** Told after every change, so caches of the account (on every instance) drop it at once. */
    private readonly accountChanged: (userId: string) => Promise<void> = async () => undefined,
  ) {}

  /** A user by ID or email. */
  async find(ref: string): Promise<AdminUserRecord> {
    const user = isUuid(ref) ? await this.users.findById(ref) : ref.includes('@') ? await this.users.findByEmail(ref) : null;
    if (!user) throw new NotFoundError(`No user ${ref}`);
    return user;
  }

  async change(actor: AdminActor, userId: string, action: LifecycleAction, options: { dryRun?: boolean } = {}): Promise<ChangeOutcome> {
    const before = await this.find(userId);
    await this.refuseSelf(actor, before, action);
    const patch = patchFor(action, before);
    if (options.dryRun) return { before, after: { ...before, ...patch }, changed: patch !== undefined, revokedTokens: 0, dryRun: true };
    const after = patch ? await this.users.update(before.id, patch) : before;
    if (patch) await this.accountChanged(before.id);
    // Revoked even when already disabled: tokens may have been issued by a race before the change.
    const revokedTokens = action === 'disable' ? await this.users.revokeRefreshTokens(before.id) : 0;
    await this.record(actor, `admin.user.${action}`, before.id, 'success', {
      changed: patch !== undefined,
      ...(action === 'promote' || action === 'demote' ? { from: before.role, to: after.role } : { from: before.status, to: after.status }),
      ...(action === 'disable' ? { revokedTokens } : {}),
    });
    return { before, after, changed: patch !== undefined, revokedTokens, dryRun: false };
  }

  /**
   * Disables the user and revokes their sessions first, so a failure half way (MODE unreachable)
   * leaves a locked account that a re-run finishes; then removes the MODE user, then the local one.
   */
  async delete(actor: AdminActor, userId: string, options: { dryRun?: boolean } = {}): Promise<DeleteOutcome> {
    const user = await this.find(userId);
    await this.refuseSelf(actor, user, 'delete');
    const modeUserId = user.link?.modeUserId ?? null;
    if (options.dryRun) return { user, revokedTokens: 0, removedModeUserId: modeUserId, dryRun: true };
    if (user.status !== 'disabled') await this.users.update(user.id, { status: 'disabled' });
    await this.accountChanged(user.id);
    const revokedTokens = await this.users.revokeRefreshTokens(user.id);
    const details = { email: user.email, modeUserId, revokedTokens };
    if (modeUserId !== null) {
      try {
        await this.remover.removeModeUser(modeUserId);
      } catch (error) {
        await this.record(actor, 'admin.user.delete', user.id, 'failure', { ...details, error: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    }
    await this.users.delete(user.id);
    await this.accountChanged(user.id);
    await this.record(actor, 'admin.user.delete', user.id, 'success', details);
    return { user, revokedTokens, removedModeUserId: modeUserId, dryRun: false };
  }

  private async refuseSelf(actor: AdminActor, target: AdminUserRecord, action: LifecycleAction | 'delete'): Promise<void> {
    if (actor.userId !== target.id || action === 'enable' || action === 'promote') return;
    await this.record(actor, `admin.user.${action}`, target.id, 'denied', { reason: 'self' });
    throw new ConflictError(`Administrators cannot ${action} their own account; ask another administrator`);
  }

  private record(actor: AdminActor, action: string, targetId: string, result: string, details: Record<string, unknown>): Promise<void> {
    return this.audit.record({
      actorType: 'admin',
      actorId: actor.userId,
      action,
      targetType: 'user',
      targetId,
      result,
      ip: actor.ip,
      details: { via: actor.via, ...(actor.operator ? { operator: actor.operator } : {}), ...details },
    });
  }
}

function patchFor(action: LifecycleAction, user: AdminUserRecord): { status?: AdminUserRecord['status']; role?: AdminUserRecord['role'] } | undefined {
  switch (action) {
    case 'disable':
      return user.status === 'disabled' ? undefined : { status: 'disabled' };
    case 'enable':
      // A user who never set a password goes back to invited, not to an active account without one.
      return user.status === 'disabled' ? { status: user.hasPassword ? 'active' : 'invited' } : undefined;
    case 'promote':
      return user.role === 'admin' ? undefined : { role: 'admin' };
    case 'demote':
      return user.role === 'user' ? undefined : { role: 'user' };
  }
}
