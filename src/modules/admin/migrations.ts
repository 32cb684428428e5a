import type { SqlRunner } from '../../db/database';
import { migrate, migrationStatus, readMigrations, type Migration } from '../../db/migrator';

// What the `migrate` script reports and does, on top of the migrator the server uses at start:
// besides applied/pending, it flags applied migrations whose file changed since (checksum) and
// applied migrations this build does not know (the database is newer than the code).

export interface MigrationReport {
  applied: string[];
  pending: string[];
  /** Applied, but the file's SQL is not what was applied. */
  modified: string[];
  /** Recorded in the database, missing from prisma/migrations. */
  unknown: string[];
}

export async function migrationReport(sql: SqlRunner, migrations: Migration[] = readMigrations()): Promise<MigrationReport> {
  const { applied, pending } = await migrationStatus(sql, migrations);
  const rows = await sql.query<{ migration_name: string; checksum: string }>(
    'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const files = new Map(migrations.map((migration) => [migration.name, migration.checksum]));
  return {
    applied,
    pending,
    modified: rows.filter((row) => files.has(row.migration_name) && files.get(row.migration_name) !== row.checksum).map((row) => row.migration_name).sort(),
    unknown: rows.filter((row) => !files.has(row.migration_name)).map((row) => row.migration_name).sort(),
  };
}

export interface MigrateOptions {
  dryRun?: boolean;
  migrations?: Migration[];
  onApplied?: (name: string) => void;
}

/** Applies what is pending (each migration in its own transaction; safe to re-run). */
export async function applyMigrations(sql: SqlRunner, options: MigrateOptions = {}): Promise<{ before: MigrationReport; applied: string[] }> {
  const migrations = options.migrations ?? readMigrations();
  const before = await migrationReport(sql, migrations);
  if (options.dryRun || before.pending.length === 0) return { before, applied: [] };
  const applied = await migrate(sql, migrations, options.onApplied);
  return { before, applied };
}
