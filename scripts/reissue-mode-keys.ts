import { buildAdminServices } from '../src/modules/admin/admin.module';
import { AuditRepository } from '../src/modules/audit/audit.repository';
import { unwiredModeAccountRemover } from '../src/modules/admin/user-lifecycle.service';
import { flag, runCli, UsageError, type CliSpec } from './lib/cli';
import { withScriptDatabase } from './lib/database';
import { EXIT } from './lib/exit-codes';
import { reissueModeKeys } from './lib/link-jobs';
import { openScriptMode } from './lib/mode';
import { modePace, modePaceOptions } from './lib/mode-pace';
import { createProgress } from './lib/progress';
import { printSummary } from './lib/summary';

const spec: CliSpec = {
  name: 'reissue-mode-keys',
  summary: 'Obtains fresh MODE user keys (POST /auth/user with the project key) and stores them encrypted,\nfor all linked users or the ones named.',
  usage: '(--all | --user <email|id>[,<email|id>...]) [--issued-before <ISO time>] [--concurrency <n>] [--rate <n>] [--dry-run] [--json]',
  options: {
    all: { type: 'boolean', description: 'Every linked user' },
    user: { type: 'string', value: '<email|id,...>', description: 'These users (comma-separated e-mails or IDs)' },
    'issued-before': { type: 'string', value: '<ISO time>', description: 'Only keys issued before this time (default: now); pass the value a previous run printed to resume it' },
    ...modePaceOptions('Key re-issues'),
    'dry-run': { type: 'boolean', description: 'Count the keys that would be re-issued; contact MODE for none' },
    json: { type: 'boolean', description: 'Print the summary as one JSON object' },
  },
  details: `Needs MODE_API_URL, MODE_PROJECT_ID and MODE_PROJECT_KEY. Keys issued by this run are newer
than --issued-before, so running the same command again (with the printed --issued-before) skips
them and resumes where an interrupted run stopped. MODE keeps old keys valid unless revoked there.`,
};

void runCli(spec, async (args, { signal, stderr }) => {
  const refs = String(args.values.user ?? '').split(',').map((ref) => ref.trim()).filter(Boolean);
  if (!flag(args, 'all') && refs.length === 0) throw new UsageError('say which users: --all or --user <email|id>');
  if (flag(args, 'all') && refs.length > 0) throw new UsageError('--all and --user exclude each other');
  const issuedBeforeText = (args.values['issued-before'] as string | undefined) ?? new Date().toISOString();
  const issuedBefore = new Date(issuedBeforeText);
  if (Number.isNaN(issuedBefore.getTime())) throw new UsageError(`--issued-before is not a time: ${issuedBeforeText}`);
  const dryRun = flag(args, 'dry-run');

  return withScriptDatabase('reissue-mode-keys', {}, async (env) => {
    const { lifecycle } = buildAdminServices(env.db.prisma, new AuditRepository(env.db.prisma, env.db.sql), unwiredModeAccountRemover);
    const userIds = refs.length > 0 ? await Promise.all(refs.map(async (ref) => (await lifecycle.find(ref)).id)) : undefined;
    const mode = openScriptMode(env);
    const progress = createProgress({ label: dryRun ? 'reissue-mode-keys (dry run)' : 'reissue-mode-keys' });
    try {
      const summary = await reissueModeKeys({
        prisma: env.db.prisma,
        linking: mode.linking,
        ...modePace(args),
        issuedBefore,
        userIds,
        dryRun,
        progress,
        signal,
      });
      progress.stop();
      if (summary.interrupted || summary.failed > 0) stderr.write(`Resume with: npm run reissue-mode-keys -- ${refs.length ? `--user ${refs.join(',')}` : '--all'} --issued-before ${issuedBefore.toISOString()}\n`);
      printSummary(dryRun ? 'Dry run (nothing was sent to MODE)' : 'Key re-issue', [
        ['keys issued before', issuedBefore.toISOString()],
        [dryRun ? 'would re-issue' : 'candidates', summary.candidates],
        ...(dryRun ? [] : [['re-issued', summary.done], ['failed', summary.failed]] as [string, number][]),
      ], { ...summary, issuedBefore: issuedBefore.toISOString() }, { json: flag(args, 'json') });
      if (summary.interrupted) return EXIT.interrupted;
      return summary.failed > 0 ? EXIT.incomplete : EXIT.ok;
    } finally {
      progress.stop();
      await mode.close();
    }
  });
});
