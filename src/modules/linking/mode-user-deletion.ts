import { z } from 'zod';
import type { Logger } from '../../lib/logger';
import type { SealedValue, SecretBox } from '../../lib/secret-box';
import { ModeForbiddenError, ModeNotFoundError, ModeUnauthorizedError, type ModeClient } from '../../mode';
import type { AuditRepository } from '../audit/audit.repository';
import { PermanentDeliveryError } from '../outbox/dispatcher';
import type { NewOutboxMessage, OutboxMessage } from '../outbox/outbox.repository';
import type { ModeProject } from './linking.service';

// The MODE half of deleting an account, as a durable outbox job: the local account is gone in
// the same transaction that enqueues this, so the job carries what it needs (the MODE user ID
// and the user's sealed key). MODE being down only delays it: it is retried, with capped backoff,
// until MODE no longer has the user, by any instance and across restarts.

export const MODE_USER_DELETE_TOPIC = 'mode.user_delete';

const SealedKey = z.object({ keyId: z.string().min(1), ciphertext: z.string().min(1) });

export const ModeUserDeletePayload = z.object({
  /** The local account that was deleted (for the audit entry and the logs). */
  userId: z.string(),
  modeUserId: z.number().int().positive(),
  /** The user's own MODE key, sealed as the link stored it; null when it never had one. */
  sealedKey: SealedKey.nullable(),
});
export type ModeUserDeletePayload = z.infer<typeof ModeUserDeletePayload>;

export function modeUserDeleteJob(userId: string, modeUserId: number, sealedKey: SealedValue | null): NewOutboxMessage {
  const payload: ModeUserDeletePayload = { userId, modeUserId, sealedKey };
  return { idempotencyKey: `mode-user-delete:${modeUserId}`, topic: MODE_USER_DELETE_TOPIC, payload };
}

export class ModeUserDeletion {
  constructor(
    private readonly mode: ModeClient,
    private readonly project: ModeProject,
    private readonly secretBox: SecretBox,
    private readonly audit: AuditRepository,
    private readonly logger: Logger,
  ) {}

  /** The outbox handler: resolves once MODE no longer has the user; throws (to be retried) otherwise. */
  readonly deliver = async (message: OutboxMessage): Promise<void> => {
    const parsed = ModeUserDeletePayload.safeParse(message.payload);
    if (!parsed.success) throw new PermanentDeliveryError(`malformed MODE user deletion: ${parsed.error.issues[0]?.message}`);
    const { userId, modeUserId, sealedKey } = parsed.data;
    const how = await this.deleteModeUser(modeUserId, sealedKey);
    this.logger.info({ userId, modeUserId, how }, 'MODE user of a deleted account removed');
    await this.audit.record({ actorType: 'system', action: 'mode.user_delete', targetType: 'mode_user', targetId: String(modeUserId), result: 'success', details: { userId, how, attempts: message.attempts } });
  };

  /**
   * DELETE /users/:id with the user's own key, as MODE's reference asks. When that key no longer
   * works (revoked in MODE, or sealed under an encryption key this deployment dropped) a fresh
   * one is issued with the project key (POST /auth/user) for the same call. MODE not knowing the
   * user any more (an earlier attempt whose answer was lost) counts as done.
   */
  private async deleteModeUser(modeUserId: number, sealedKey: SealedValue | null): Promise<'deleted' | 'already_gone'> {
    const ownKey = this.open(sealedKey);
    if (ownKey !== undefined) {
      const outcome = await this.deleteWith(ownKey, modeUserId).catch((error: unknown) => {
        if (error instanceof ModeUnauthorizedError) return 'key_refused' as const;
        throw error;
      });
      if (outcome !== 'key_refused') return outcome;
    }
    let freshKey: string;
    try {
      freshKey = (await this.mode.issueUserKey(this.project.projectKey, this.project.projectId, modeUserId)).token;
    } catch (error) {
      if (isUnknownUser(error)) return 'already_gone';
      throw error;
    }
    return this.deleteWith(freshKey, modeUserId);
  }

  private async deleteWith(key: string, modeUserId: number): Promise<'deleted' | 'already_gone'> {
    try {
      await this.mode.deleteUser(key, modeUserId);
      return 'deleted';
    } catch (error) {
      if (error instanceof ModeNotFoundError) return 'already_gone';
      throw error;
    }
  }

  private open(sealedKey: SealedValue | null): string | undefined {
    if (!sealedKey || !this.secretBox.canOpen(sealedKey.keyId)) return undefined;
    try {
      return this.secretBox.open(sealedKey);
    } catch {
      return undefined;
    }
  }
}

/** How MODE refuses a key for a user it does not have: 403 USER_NOT_FOUND (or a plain 404). */
function isUnknownUser(error: unknown): boolean {
  return error instanceof ModeNotFoundError || (error instanceof ModeForbiddenError && error.reason === 'USER_NOT_FOUND');
}
