import type { AuditRepository } from '../audit/audit.repository';
import type { SecretBox } from '../../lib/secret-box';
import type { KeyRotationRepository } from './key-rotation.repository';
import type { AdminActor } from './user-lifecycle.service';

// Re-seals every stored MODE user key under the current TOKEN_ENCRYPTION_KEY, opening old
// ones with the keys in TOKEN_ENCRYPTION_KEY_PREVIOUS. Rows already under the current key are
// never selected, so an interrupted rotation resumes where it stopped.

export interface RotationOptions {
  actor: AdminActor;
  dryRun?: boolean;
  batchSize?: number;
  progress?: { setTotal?(total: number): void; increment(by?: number): void };
  signal?: AbortSignal;
  /** A row that cannot be opened with any configured key. */
  onUnreadable?: (row: { userId: string; keyId: string | null; reason: string }) => void;
}

export interface RotationSummary {
  currentKeyId: string;
  /** Stored keys per sealing key ID, before the run. */
  byKeyId: Record<string, number>;
  alreadyCurrent: number;
  /** Re-sealed (with --dry-run: that can be re-sealed). */
  rotated: number;
  /** Sealed by a key that is not configured, or corrupt: left as they are. */
  unreadable: number;
  /** Changed by someone else during the run (a new key was issued): nothing to do. */
  changedMeanwhile: number;
  dryRun: boolean;
  interrupted: boolean;
}

export interface RotationDeps {
  keys: KeyRotationRepository;
  secretBox: SecretBox;
  audit: AuditRepository;
}

export async function rotateEncryptionKeys(deps: RotationDeps, options: RotationOptions): Promise<RotationSummary> {
  const { keys, secretBox } = deps;
  const counts = await keys.countByKeyId();
  const summary: RotationSummary = {
    currentKeyId: secretBox.currentKeyId,
    byKeyId: Object.fromEntries(counts),
    alreadyCurrent: counts.get(secretBox.currentKeyId) ?? 0,
    rotated: 0,
    unreadable: 0,
    changedMeanwhile: 0,
    dryRun: options.dryRun ?? false,
    interrupted: false,
  };
  const toRotate = [...counts].filter(([keyId]) => keyId !== secretBox.currentKeyId).reduce((sum, [, count]) => sum + count, 0);
  options.progress?.setTotal?.(toRotate);

  if (summary.dryRun) {
    for (const [keyId, count] of counts) {
      if (keyId === secretBox.currentKeyId) continue;
      if (keyId && secretBox.canOpen(keyId)) summary.rotated += count;
      else summary.unreadable += count;
    }
    options.progress?.increment(toRotate);
    return summary;
  }

  let after: string | undefined;
  for (;;) {
    if (options.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    const batch = await keys.nextBatch(secretBox.currentKeyId, after, options.batchSize ?? 200);
    if (batch.length === 0) break;
    for (const row of batch) {
      const outcome = await rotateRow(deps, row.userId, row.sealed);
      if (outcome === 'rotated') summary.rotated += 1;
      else if (outcome === 'changed') summary.changedMeanwhile += 1;
      else {
        summary.unreadable += 1;
        options.onUnreadable?.({ userId: row.userId, keyId: row.sealed?.keyId ?? null, reason: outcome.unreadable });
      }
      options.progress?.increment();
    }
    after = batch[batch.length - 1]!.userId;
  }
  const { byKeyId: _byKeyId, dryRun: _dryRun, ...counted } = summary;
  await deps.audit.record({ actorType: 'admin', actorId: options.actor.userId, action: 'admin.keys.rotate', result: summary.unreadable > 0 ? 'partial' : 'success', details: { via: options.actor.via, operator: options.actor.operator, ...counted } });
  return summary;
}

async function rotateRow(deps: RotationDeps, userId: string, sealed: { keyId: string; ciphertext: string } | null): Promise<'rotated' | 'changed' | { unreadable: string }> {
  if (!sealed) return { unreadable: 'the row has a key but no key ID' };
  if (!deps.secretBox.canOpen(sealed.keyId)) return { unreadable: `sealed by key ${sealed.keyId}, which is neither TOKEN_ENCRYPTION_KEY nor in TOKEN_ENCRYPTION_KEY_PREVIOUS` };
  let plaintext: string;
  try {
    plaintext = deps.secretBox.open(sealed);
  } catch {
    return { unreadable: `cannot be decrypted with key ${sealed.keyId} (corrupt or tampered)` };
  }
  return (await deps.keys.replace(userId, sealed, deps.secretBox.seal(plaintext))) ? 'rotated' : 'changed';
}
