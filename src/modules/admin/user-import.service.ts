import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository';
import type { UsersRepository } from '../users/users.repository';
import type { AdminUsersRepository } from './admin-users.repository';
import { PasswordHashChecker } from '../auth/password-formats/checker';
import type { ImportFields, SourceRow } from './user-import.source';
import type { AdminActor } from './user-lifecycle.service';

// Bulk import of existing accounts. Every row is validated and a bad row is reported by line
// without stopping the run. Emails that already exist are skipped, which makes an interrupted
// import resumable: running it again creates only what is still missing.

export interface ImportDeps {
  users: UsersRepository;
  adminUsers: AdminUsersRepository;
  audit: AuditRepository;
}

export interface ImportOptions {
  rows: AsyncIterable<SourceRow>;
  /** The file name, recorded in the audit log. */
  source: string;
  actor: AdminActor;
  dryRun?: boolean;
  /** Rows looked up together (existing emails); default 200. */
  chunkSize?: number;
  /** Users created at once; default 4. */
  concurrency?: number;
  progress?: { increment(by?: number): void };
  signal?: AbortSignal;
  /** A row that was not imported for a reason other than "already exists". */
  onRejected?: (rejection: { line: number; reason: string }) => void;
}

export interface ImportSummary {
  /** Rows read (blank lines aside). */
  rows: number;
  /** Users created (with --dry-run: that would be created). */
  imported: number;
  /** Of the imported, those without a password hash: status "invited". */
  invited: number;
  /** Of the imported, those with a hash, by format (argon2, bcrypt, pbkdf2_django, ...). */
  byFormat: Record<string, number>;
  skippedExisting: number;
  invalid: number;
  /** Valid rows the database refused (reported like invalid ones). */
  failed: number;
  dryRun: boolean;
  interrupted: boolean;
}

interface ValidRow {
  line: number;
  email: string;
  name: string;
  passwordHash: string | null;
  hashFormat: string | null;
}

export const NAME_MAX_LENGTH = 200;

const RowSchema = z.object({
  email: z
    .string({ error: (issue) => (issue.input == null ? 'email is missing' : 'email must be text') })
    .trim()
    .toLowerCase()
    .min(1, 'email is missing')
    .pipe(z.email('email is not a valid address').max(254, 'email is longer than 254 characters')),
  name: z
    .string({ error: 'name must be text' })
    .trim()
    .max(NAME_MAX_LENGTH, `name is longer than ${NAME_MAX_LENGTH} characters`)
    .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'name contains control characters')
    .nullish(),
  passwordHash: z.string({ error: 'passwordHash must be text' }).trim().nullish(),
});

export async function importUsers(deps: ImportDeps, options: ImportOptions): Promise<ImportSummary> {
  const summary: ImportSummary = { rows: 0, imported: 0, invited: 0, byFormat: {}, skippedExisting: 0, invalid: 0, failed: 0, dryRun: options.dryRun ?? false, interrupted: false };
  const hashes = new PasswordHashChecker();
  const firstLineOf = new Map<string, number>();
  const reject = (line: number, reason: string) => options.onRejected?.({ line, reason });
  const chunkSize = options.chunkSize ?? 200;
  let chunk: ValidRow[] = [];

  for await (const row of options.rows) {
    if (options.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    summary.rows += 1;
    const checked = 'error' in row ? row.error : validateRow(row.line, row.fields, hashes);
    const duplicateOf = typeof checked === 'string' ? undefined : firstLineOf.get(checked.email);
    if (typeof checked === 'string' || duplicateOf !== undefined) {
      summary.invalid += 1;
      reject(row.line, typeof checked === 'string' ? checked : `email appears again (first on line ${duplicateOf})`);
      options.progress?.increment();
      continue;
    }
    firstLineOf.set(checked.email, checked.line);
    chunk.push(checked);
    if (chunk.length >= chunkSize) {
      await saveChunk(deps, options, chunk, summary, reject);
      chunk = [];
    }
  }
  if (chunk.length > 0) await saveChunk(deps, options, chunk, summary, reject);
  if (!summary.dryRun) {
    const { dryRun: _dryRun, ...counts } = summary;
    await deps.audit.record({ actorType: 'admin', actorId: options.actor.userId, action: 'admin.users.import', result: summary.invalid + summary.failed > 0 ? 'partial' : 'success', details: { via: options.actor.via, operator: options.actor.operator, source: options.source, ...counts } });
  }
  return summary;
}

function validateRow(line: number, fields: ImportFields, hashes: PasswordHashChecker): ValidRow | string {
  const parsed = RowSchema.safeParse(fields);
  if (!parsed.success) return parsed.error.issues.map((issue) => issue.message).join('; ');
  const { email, name, passwordHash } = parsed.data;
  if (!passwordHash) return { line, email, name: name ?? '', passwordHash: null, hashFormat: null };
  const checked = hashes.check(passwordHash);
  if ('problem' in checked) return `password hash: ${checked.problem}`;
  return { line, email, name: name ?? '', passwordHash, hashFormat: checked.format };
}

async function saveChunk(deps: ImportDeps, options: ImportOptions, chunk: ValidRow[], summary: ImportSummary, reject: (line: number, reason: string) => void): Promise<void> {
  const existing = await deps.adminUsers.existingEmails(chunk.map((row) => row.email));
  const fresh = chunk.filter((row) => !existing.has(row.email));
  summary.skippedExisting += chunk.length - fresh.length;
  options.progress?.increment(chunk.length - fresh.length);
  if (!options.dryRun && fresh.length > 0 && (await saveBatch(deps, options, fresh, summary))) return;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  for (let start = 0; start < fresh.length; start += concurrency) {
    await Promise.all(fresh.slice(start, start + concurrency).map((row) => saveRow(deps, options, row, summary, reject)));
  }
}

/**
 * The chunk's users in one transaction and their audit entries in one statement: per-row
 * statements cost far more than the rows themselves. False when the database refused the batch
 * (nothing of it was written): the rows are then saved one at a time, so each refusal is
 * reported on its own line.
 */
async function saveBatch(deps: ImportDeps, options: ImportOptions, rows: ValidRow[], summary: ImportSummary): Promise<boolean> {
  let created: { id: string; email: string }[];
  try {
    created = await deps.users.createMany(rows.map((row) => ({ email: row.email, name: row.name, passwordHash: row.passwordHash, role: 'user', status: row.passwordHash ? 'active' : 'invited', source: 'import' })));
  } catch {
    return false;
  }
  const idOf = new Map(created.map((user) => [user.email, user.id]));
  const saved = rows.filter((row) => idOf.has(row.email));
  // Created meanwhile by a registration or another import: skipped, as an existing email is.
  summary.skippedExisting += rows.length - saved.length;
  for (const row of saved) {
    summary.imported += 1;
    if (!row.passwordHash) summary.invited += 1;
    if (row.hashFormat) summary.byFormat[row.hashFormat] = (summary.byFormat[row.hashFormat] ?? 0) + 1;
  }
  await deps.audit.recordMany(
    saved.map((row) => ({
      actorType: 'admin' as const,
      actorId: options.actor.userId,
      action: 'admin.user.import',
      targetType: 'user',
      targetId: idOf.get(row.email) ?? null,
      result: 'success',
      details: { via: options.actor.via, source: options.source, line: row.line, status: row.passwordHash ? 'active' : 'invited', hashFormat: row.hashFormat },
    })),
  );
  options.progress?.increment(rows.length);
  return true;
}

async function saveRow(deps: ImportDeps, options: ImportOptions, row: ValidRow, summary: ImportSummary, reject: (line: number, reason: string) => void): Promise<void> {
  const status = row.passwordHash ? 'active' : 'invited';
  try {
    if (!options.dryRun) {
      const user = await deps.users.create({ email: row.email, name: row.name, passwordHash: row.passwordHash, role: 'user', status, source: 'import' });
      await deps.audit.record({ actorType: 'admin', actorId: options.actor.userId, action: 'admin.user.import', targetType: 'user', targetId: user.id, result: 'success', details: { via: options.actor.via, source: options.source, line: row.line, status, hashFormat: row.hashFormat } });
    }
    summary.imported += 1;
    if (status === 'invited') summary.invited += 1;
    if (row.hashFormat) summary.byFormat[row.hashFormat] = (summary.byFormat[row.hashFormat] ?? 0) + 1;
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') {
      summary.skippedExisting += 1; // created meanwhile (a registration, another import)
    } else {
      summary.failed += 1;
      reject(row.line, `could not be saved: ${error instanceof Error ? error.message.split('\n').pop() : String(error)}`);
    }
  } finally {
    options.progress?.increment();
  }
}
