import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { AuditRepository } from '../src/modules/audit/audit.repository';
import { AdminUsersRepository } from '../src/modules/admin/admin-users.repository';
import { PASSWORD_HASH_HELP } from '../src/modules/auth/password-formats';
import { importUsers, NAME_MAX_LENGTH } from '../src/modules/admin/user-import.service';
import { countLines, formatOf, readImportFile, type ImportFormat } from '../src/modules/admin/user-import.source';
import { UsersRepository } from '../src/modules/users/users.repository';
import { cliActor } from './lib/actor';
import { flag, intOption, runCli, UsageError, type CliSpec } from './lib/cli';
import { withScriptDatabase } from './lib/database';
import { EXIT } from './lib/exit-codes';
import { createProgress } from './lib/progress';
import { printSummary } from './lib/summary';

const spec: CliSpec = {
  name: 'import-users',
  summary: 'Imports existing user accounts from a CSV or JSON Lines file. Emails that already exist are skipped,\nso running it again after an interruption imports only what is missing.',
  usage: '<file> [--format csv|jsonl] [--dry-run] [--concurrency <n>] [--json]',
  positionals: { min: 1, max: 1 },
  options: {
    format: { type: 'string', value: '<csv|jsonl>', description: 'File format; by default from the extension (.csv, .jsonl or .ndjson)' },
    'dry-run': { type: 'boolean', description: 'Validate every row and count what would happen; write nothing' },
    concurrency: { type: 'string', value: '<n>', description: 'Users created at once (1-32, default 4)' },
    json: { type: 'boolean', description: 'Print the summary as one JSON object' },
  },
  details: `File formats:
  CSV         a header line naming the columns, in any order: email,name,password_hash
              (email is required; name and password_hash may be left out or empty). PHC hashes
              contain commas, so quote that field: a@example.com,Ann,"$argon2id$v=19$m=...,t=...,p=...$..."
              (bcrypt and Django hashes have no commas; quoting them does no harm)
              A quote that is never closed makes the rest of the file one broken record (reported).
  JSON Lines  one object per line: {"email": "...", "name": "...", "passwordHash": "..."}
              (name and passwordHash optional; blank lines are ignored)

Each row must have a valid email (at most 254 characters; stored in lower case), a name of at most
${NAME_MAX_LENGTH} characters without control characters, and an acceptable password hash or none.
A rejected row is reported on stderr as "line <n>: <reason>" and the import goes on. An email that
appears twice in the file is imported once; the later line is reported.

${PASSWORD_HASH_HELP}

Imported users get the "user" role (promote with: npm run user -- promote <email>), source
"import" in /v1/admin/users, and a pending MODE link, which the server completes in the background.

Users whose hashes you cannot export: leave them out and set LEGACY_AUTH_URL on the server, so that
each is created at their first login after the old system confirms the password (docs/admin.md).

Summary: imported (created; with --dry-run: would be created), of which invited (no hash) and
how many of each hash format, skipped (the email already exists), invalid (rejected rows),
failed (the database refused the row).`,
};

void runCli(spec, async (args, { signal, stderr }) => {
  const file = args.positionals[0]!;
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const format = resolveFormat(file, args.values.format);
  const concurrency = intOption(args, 'concurrency', 4, { min: 1, max: 32 });
  const dryRun = flag(args, 'dry-run');
  // A pipe (/dev/stdin) can be read once only: its size stays unknown.
  const lines = statSync(file).isFile() ? await countLines(file) : 0;

  return withScriptDatabase('import-users', {}, async ({ db }) => {
    const progress = createProgress({ label: dryRun ? 'import-users (dry run)' : 'import-users', total: format === 'csv' ? Math.max(0, lines - 1) : lines });
    const summary = await importUsers(
      { users: new UsersRepository(db.prisma, db.sql), adminUsers: new AdminUsersRepository(db.prisma), audit: new AuditRepository(db.prisma, db.sql) },
      {
        rows: readImportFile(file, format),
        source: basename(file),
        actor: cliActor(),
        dryRun,
        concurrency,
        progress,
        signal,
        onRejected: ({ line, reason }) => progress.log(`line ${line}: ${reason}`),
      },
    ).finally(() => progress.stop());
    if (summary.interrupted) stderr.write('Interrupted: run the same command again to import the rest.\n');
    printSummary(
      dryRun ? `Dry run of ${file} (nothing was written)` : `Imported ${file}`,
      [
        ['rows read', summary.rows],
        [dryRun ? 'would import' : 'imported', summary.imported],
        ['  of which invited', summary.invited],
        ...Object.entries(summary.byFormat).map(([format, count]): [string, number] => [`  of which ${format}`, count]),
        ['skipped (existing)', summary.skippedExisting],
        ['invalid', summary.invalid],
        ['failed', summary.failed],
      ],
      summary,
      { json: flag(args, 'json') },
    );
    if (summary.interrupted) return EXIT.interrupted;
    return summary.invalid + summary.failed > 0 ? EXIT.incomplete : EXIT.ok;
  });
});

function resolveFormat(file: string, option: string | boolean | undefined): ImportFormat {
  if (option === 'csv' || option === 'jsonl') return option;
  if (option !== undefined) throw new UsageError('--format must be csv or jsonl');
  const format = formatOf(file);
  if (!format) throw new UsageError(`cannot tell the format of ${basename(file)} from its extension: add --format csv or --format jsonl`);
  return format;
}
