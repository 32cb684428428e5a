import { secretBoxFor } from '../src/lib/secret-box';
import { AuditRepository } from '../src/modules/audit/audit.repository';
import { KeyRotationRepository } from '../src/modules/admin/key-rotation.repository';
import { rotateEncryptionKeys } from '../src/modules/admin/key-rotation.service';
import { cliActor } from './lib/actor';
import { flag, intOption, runCli, type CliSpec } from './lib/cli';
import { withScriptDatabase } from './lib/database';
import { EXIT } from './lib/exit-codes';
import { createProgress } from './lib/progress';
import { printSummary, type SummaryRow } from './lib/summary';

const spec: CliSpec = {
  name: 'rotate-encryption-key',
  summary: 'Re-encrypts the stored MODE user keys under the current TOKEN_ENCRYPTION_KEY, reading old ones\nwith the keys listed in TOKEN_ENCRYPTION_KEY_PREVIOUS.',
  usage: '[--dry-run] [--batch-size <n>] [--json]',
  options: {
    'dry-run': { type: 'boolean', description: 'Count the stored keys per encryption key and what can be rotated; write nothing' },
    'batch-size': { type: 'string', value: '<n>', description: 'Rows read per query (10-5000, default 200)' },
    json: { type: 'boolean', description: 'Print the summary as one JSON object' },
  },
  details: `Rotating the encryption key:
  1. Make a new key:  node -e "console.log(require('crypto').randomBytes(32).toString('hex'))"
  2. On every instance set TOKEN_ENCRYPTION_KEY=<new key> and TOKEN_ENCRYPTION_KEY_PREVIOUS=<old key>
     (comma-separated when there are several), and restart: instances read old and new keys alike
     and seal new MODE keys with the new one.
  3. Run this script with the same variables. Rows already under the current key are not touched,
     so a run that was interrupted is simply run again.
  4. When the summary shows nothing left under old keys, remove the old key from
     TOKEN_ENCRYPTION_KEY_PREVIOUS and restart again.
Keys are named by an ID: the first 12 hex characters of the SHA-256 of the key.
Rows sealed by a key that is not configured are reported and left as they are (exit code 3): add
that key to TOKEN_ENCRYPTION_KEY_PREVIOUS, or have MODE issue those users new keys.
With embedded PGlite the server must be stopped while this runs (one process per data directory).`,
};

void runCli(spec, async (args, { signal, stderr }) => {
  const batchSize = intOption(args, 'batch-size', 200, { min: 10, max: 5000 });
  const dryRun = flag(args, 'dry-run');
  return withScriptDatabase('rotate-encryption-key', {}, async ({ db, config }) => {
    const secretBox = secretBoxFor(config.encryption);
    const progress = createProgress({ label: dryRun ? 'rotate-encryption-key (dry run)' : 'rotate-encryption-key' });
    const summary = await rotateEncryptionKeys(
      { keys: new KeyRotationRepository(db.prisma), secretBox, audit: new AuditRepository(db.prisma, db.sql) },
      {
        actor: cliActor(),
        dryRun,
        batchSize,
        progress,
        signal,
        onUnreadable: ({ userId, reason }) => progress.log(`user ${userId}: ${reason}`),
      },
    ).finally(() => progress.stop());
    if (summary.interrupted) stderr.write('Interrupted: run the same command again to rotate the rest.\n');
    const rows: SummaryRow[] = [
      ['current key id', summary.currentKeyId],
      ...Object.entries(summary.byKeyId).map(([keyId, count]): SummaryRow => [`  stored under ${keyId || '(none)'}`, count]),
      ['already current', summary.alreadyCurrent],
      [dryRun ? 'can be rotated' : 'rotated', summary.rotated],
      ['unreadable', summary.unreadable],
      ...(dryRun ? [] : [['changed meanwhile', summary.changedMeanwhile] as SummaryRow]),
    ];
    printSummary(dryRun ? 'Dry run (nothing was written)' : 'Key rotation', rows, summary, { json: flag(args, 'json') });
    if (summary.interrupted) return EXIT.interrupted;
    return summary.unreadable > 0 ? EXIT.incomplete : EXIT.ok;
  });
});
