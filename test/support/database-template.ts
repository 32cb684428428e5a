import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { withPostgresClient } from '../../scripts/lib/postgres-client';

// Tests run on PGlite by default, or on PostgreSQL when TEST_DATABASE_URL is set. Either
// way the schema is migrated once (global setup) and each test file gets its own copy.

export const TEMPLATE_DB = 'mode_bridge_test_template';

export function testDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function prepareTemplate(): Promise<void> {
  const url = testDatabaseUrl();
  if (url) {
    await withPostgresClient(url, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
      await client.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    });
    const db = await openDatabase({ url: withDatabase(url, TEMPLATE_DB) });
    await migrate(db.sql);
    await db.close();
    return;
  }
  const db = await openDatabase({ dataDir: 'memory://' });
  await migrate(db.sql);
  const dump = await pgliteDump(db);
  await db.close();
  const file = join(mkdtempSync(join(tmpdir(), 'mode-bridge-test-')), 'template.tar.gz');
  writeFileSync(file, dump);
  process.env.TEST_PGLITE_TEMPLATE = file;
}

async function pgliteDump(db: Database): Promise<Buffer> {
  if (!db.pglite) throw new Error('expected a PGlite database');
  return Buffer.from(await (await db.pglite.dumpDataDir('gzip')).arrayBuffer());
}

export interface TestDatabase {
  db: Database;
  url?: string;
  close(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = testDatabaseUrl();
  if (url) {
    const name = `mode_bridge_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    await withPostgresClient(url, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
    const dbUrl = withDatabase(url, name);
    const db = await openDatabase({ url: dbUrl });
    return {
      db,
      url: dbUrl,
      close: async () => {
        await db.close();
        await withPostgresClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      },
    };
  }
  const template = process.env.TEST_PGLITE_TEMPLATE;
  if (!template) throw new Error('global setup did not prepare a PGlite template');
  const db = await openDatabase({ dataDir: 'memory://', loadDataDir: new Blob([readFileSync(template)]) });
  return { db, close: () => db.close() };
}
