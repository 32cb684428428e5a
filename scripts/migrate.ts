import { applyMigrations, migrationReport } from '../src/modules/admin/migrations';
import { runCli, flag, type CliSpec } from './lib/cli';
import { withScriptDatabase } from './lib/database';
import { EXIT } from './lib/exit-codes';
import { printSummary } from './lib/summary';

const spec: CliSpec = {
  name: 'migrate',
  summary: 'Applies pending database migrations (prisma/migrations), the same ones the server applies when it starts.',
  usage: '[--status] [--dry-run] [--json]',
  options: {
    status: { type: 'boolean', description: 'List applied and pending migrations; change nothing' },
    'dry-run': { type: 'boolean', description: 'List what would be applied; change nothing' },
    json: { type: 'boolean', description: 'Print the summary as one JSON object' },
  },
  details: `Each migration runs in its own transaction under an advisory lock, so several instances (or
this script and a starting server on PostgreSQL) never apply one twice; an interrupted run is
resumed by running it again. Applied migrations whose file has changed since, and applied ones
this version does not know (the database is newer than the code), are reported as warnings.`,
};

void runCli(spec, async (args, { stderr }) =>
  withScriptDatabase('migrate', { requireMigrated: false }, async ({ db }) => {
    const json = flag(args, 'json');
    if (flag(args, 'status')) {
      const report = await migrationReport(db.sql);
      warn(report, stderr);
      const rows = [...report.applied.map((name) => ['applied', name] as [string, string]), ...report.pending.map((name) => ['pending', name] as [string, string])];
      printSummary(`Migrations: ${report.applied.length} applied, ${report.pending.length} pending`, rows, report, { json });
      return EXIT.ok;
    }
    const dryRun = flag(args, 'dry-run');
    // Few migrations, each possibly long: one line per migration says more than a bar would.
    const { before, applied } = await applyMigrations(db.sql, { dryRun, onApplied: (name) => stderr.write(`applied ${name}\n`) });
    warn(before, stderr);
    const title = dryRun ? `Dry run: ${before.pending.length} migration(s) would be applied` : `Applied ${applied.length} migration(s)`;
    const rows = (dryRun ? before.pending : applied).map((name) => [dryRun ? 'pending' : 'applied', name] as [string, string]);
    printSummary(title, rows.length > 0 ? rows : [['up to date', 'nothing to apply']], { dryRun, applied, pending: dryRun ? before.pending : [], alreadyApplied: before.applied }, { json });
    return EXIT.ok;
  }),
);

function warn(report: { modified: string[]; unknown: string[] }, stderr: NodeJS.WriteStream): void {
  for (const name of report.modified) stderr.write(`warning: ${name} was changed after it was applied\n`);
  for (const name of report.unknown) stderr.write(`warning: ${name} is applied but not part of this version\n`);
}
