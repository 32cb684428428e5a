import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sha256Hex } from '../lib/crypto';
import type { SqlRunner, TransactionOptions } from './database';

// Applies prisma/migrations/*/migration.sql in order and records each in Prisma's own
// `_prisma_migrations` table, so `prisma migrate deploy` stays usable wherever its native
// engine is available. Prisma's CLI cannot apply migrations offline, hence this runner.

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Any fixed number shared by every instance: concurrent starts wait instead of racing.
const MIGRATION_LOCK_ID = 727_311_001;

/** A migration may rewrite a large table, and another instance may wait for it: no query timeout. */
const UNTIMED: TransactionOptions = { untimed: true };

export function findMigrationsDir(from = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('prisma/migrations not found above ' + from);
    dir = parent;
  }
}

export function readMigrations(dir = findMigrationsDir()): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: sha256Hex(sql) };
    });
}

/**
 * Creates the history table under the migration lock: two instances starting at once would
 * otherwise race on CREATE TABLE IF NOT EXISTS, which PostgreSQL does not make atomic.
 */
async function ensureHistoryTable(sql: SqlRunner): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.exec(HISTORY_TABLE);
  }, UNTIMED);
}

export async function migrationStatus(sql: SqlRunner, migrations = readMigrations()): Promise<MigrationStatus> {
  await ensureHistoryTable(sql);
  const rows = await sql.query<{ migration_name: string }>(
    'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const done = new Set(rows.map((row) => row.migration_name));
  return {
    applied: migrations.filter((m) => done.has(m.name)).map((m) => m.name),
    pending: migrations.filter((m) => !done.has(m.name)).map((m) => m.name),
  };
}

/** Applies pending migrations, each in its own transaction; returns the names applied. */
export async function migrate(
  sql: SqlRunner,
  migrations = readMigrations(),
  onApplied: (name: string) => void = () => undefined,
): Promise<string[]> {
  await ensureHistoryTable(sql);
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      const existing = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL',
        [migration.name],
      );
      if (existing.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
         VALUES ($1, $2, now(), $3, 1)`,
        [randomUUID(), migration.checksum, migration.name],
      );
      return true;
    }, UNTIMED);
    if (ran) {
      applied.push(migration.name);
      onApplied(migration.name);
    }
  }
  return applied;
}
