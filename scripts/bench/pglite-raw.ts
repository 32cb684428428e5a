/**
 * Child process: PGlite's raw single-row INSERT rate, measured the way the bridge uses PGlite (one
 * embedded instance on a data directory, migrated by the bridge's migrator). Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { insertLoop, RAW_INSERT, RAW_TABLE_DDL } from './raw-insert';

async function main(): Promise<void> {
  const concurrency = Number(process.env.RAW_CONCURRENCY ?? 50);
  const durationSec = Number(process.env.RAW_DURATION_SEC ?? 10);
  const warmUpSec = Number(process.env.RAW_WARM_UP_SEC ?? 1);
  const dir = mkdtempSync(join(tmpdir(), 'mode-bridge-bench-pglite-'));
  const db = await openDatabase({ dataDir: dir });
  try {
    await migrate(db.sql);
    const pglite = db.pglite;
    if (!pglite) throw new Error('expected PGlite');
    await pglite.exec(RAW_TABLE_DDL);
    const insert = (params: unknown[]) => pglite.query(RAW_INSERT, params);
    await insertLoop(insert, concurrency, warmUpSec, 'warm');
    const result = await insertLoop(insert, concurrency, durationSec, 'run');
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
