import { flag, intOption, runCli, type CliSpec } from './lib/cli';
import { withScriptDatabase } from './lib/database';
import { EXIT } from './lib/exit-codes';
import { linkPendingUsers } from './lib/link-jobs';
import { openScriptMode } from './lib/mode';
import { modePace, modePaceOptions } from './lib/mode-pace';
import { createProgress } from './lib/progress';
import { printSummary } from './lib/summary';

const spec: CliSpec = {
  name: 'link-users',
  summary: 'Links every user whose MODE link is pending (imported, or registered while MODE was down):\ncreates the MODE user if needed and obtains its key, as registration does.',
  usage: '[--concurrency <n>] [--rate <n>] [--attempts <n>] [--limit <n>] [--dry-run] [--json]',
  options: {
    ...modePaceOptions('User links'),
    limit: { type: 'string', value: '<n>', description: 'Link at most this many users in this run' },
    'dry-run': { type: 'boolean', description: 'Count the pending users; contact MODE for none' },
    json: { type: 'boolean', description: 'Print the summary as one JSON object' },
  },
  details: `Needs MODE_API_URL, MODE_PROJECT_ID and MODE_PROJECT_KEY (a project key with "Can Handle BYOU").
Each link takes two MODE calls (POST /users, POST /auth/user); a MODE user created before a failure
is reused on the next try, never created twice. Users still pending after their attempts stay pending:
the server's background retry, the user's next request, or another run of this script finish them.
Interrupting (Ctrl-C) lets links in flight finish; running again resumes with who is still pending.`,
};

void runCli(spec, async (args, { signal, stderr }) => {
  const options = {
    ...modePace(args),
    limit: args.values.limit === undefined ? undefined : intOption(args, 'limit', 0, { min: 1, max: 10_000_000 }),
    dryRun: flag(args, 'dry-run'),
  };
  return withScriptDatabase('link-users', {}, async (env) => {
    const mode = openScriptMode(env);
    const progress = createProgress({ label: options.dryRun ? 'link-users (dry run)' : 'link-users' });
    try {
      const summary = await linkPendingUsers({ ...options, prisma: env.db.prisma, linking: mode.linking, progress, signal });
      progress.stop();
      if (summary.interrupted) stderr.write('Interrupted: run the same command again to link the rest.\n');
      printSummary(options.dryRun ? 'Dry run (nothing was sent to MODE)' : 'Linking', [
        [options.dryRun ? 'pending users' : 'pending at start', summary.candidates],
        ...(options.dryRun ? [] : [['linked', summary.done], ['still pending', summary.failed]] as [string, number][]),
      ], summary, { json: flag(args, 'json') });
      if (summary.interrupted) return EXIT.interrupted;
      return summary.failed > 0 ? EXIT.incomplete : EXIT.ok;
    } finally {
      progress.stop();
      await mode.close();
    }
  });
});
