import type { Database } from '../../db/database';
import { ConfigError } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import type { SecretBox } from '../../lib/secret-box';
import type { ReadinessCheck } from '../ops/ops.router';

// Stored MODE keys record the ID of the encryption key that sealed them. A server started
// without one of those keys (a wrong TOKEN_ENCRYPTION_KEY, a rotation whose old key was left out
// of TOKEN_ENCRYPTION_KEY_PREVIOUS) could not open them: every call of those users would fail.
// The start checks this once, and refuses or (ALLOW_UNKNOWN_KEY_IDS=true) reports not ready.

export interface MissingKeyId {
  keyId: string;
  links: number;
}

export async function findMissingKeyIds(db: Database, secretBox: SecretBox): Promise<MissingKeyId[]> {
  const rows = await db.sql.query<{ key_id: string; links: number | string | bigint }>(
    'SELECT key_id, count(*) AS links FROM mode_links WHERE encrypted_key IS NOT NULL AND key_id IS NOT NULL GROUP BY key_id ORDER BY key_id',
  );
  return rows.filter((row) => !secretBox.canOpen(row.key_id)).map((row) => ({ keyId: row.key_id, links: Number(row.links) }));
}

export function describeMissing(missing: MissingKeyId[]): string {
  return missing.map((item) => `key ID ${item.keyId} seals ${item.links} MODE link${item.links === 1 ? '' : 's'}`).join('; ');
}

/**
 * Throws a ConfigError naming the missing key IDs, unless they are allowed; then the returned
 * readiness check fails (load balancers keep traffic away) and the affected users get 503.
 */
export async function checkStoredKeyIds(options: { db: Database; secretBox: SecretBox; allowUnknown: boolean; logger: Pick<Logger, 'error'> }): Promise<ReadinessCheck> {
  const missing = await findMissingKeyIds(options.db, options.secretBox);
  const summary = describeMissing(missing);
  if (missing.length > 0 && !options.allowUnknown) {
    throw new ConfigError(
      `Stored MODE keys are sealed with encryption keys that are not configured: ${summary}.\n` +
        'Set TOKEN_ENCRYPTION_KEY (or add the old key to TOKEN_ENCRYPTION_KEY_PREVIOUS) to the key that sealed them, ' +
        'or start with ALLOW_UNKNOWN_KEY_IDS=true to serve everyone else (not ready; those users get 503).',
    );
  }
  if (missing.length > 0) options.logger.error({ missing }, `starting with unknown encryption key IDs (ALLOW_UNKNOWN_KEY_IDS): ${summary}`);
  return {
    name: 'encryption-keys',
    check: async () => {
      if (missing.length > 0) throw new Error(`not configured: ${summary}`);
    },
  };
}
