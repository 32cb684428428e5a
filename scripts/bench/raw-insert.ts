// The database's own single-row INSERT rate, the ceiling for webhook ingest: the same row shape as
// the bridge's `events` table (bench_raw is created LIKE it, indexes and unique dedup key included).
import { Pool } from 'pg';

export interface RawInsertResult {
  concurrency: number;
  durationSec: number;
  inserts: number;
  perSecond: number;
}

export const RAW_TABLE_DDL = 'CREATE TABLE IF NOT EXISTS bench_raw (LIKE events INCLUDING ALL)';
export const RAW_INSERT =
  'INSERT INTO bench_raw (dedup_key, home_id, device_id, device_class, event_type, event_data, "timestamp") VALUES ($1, $2, $3, $4, $5, $6, $7)';

export function rawRow(seq: number, tag: string): unknown[] {
  return [`${tag}-${seq}`, 1, 2, 'bench-lamp', 'bench', JSON.stringify({ seq, on: true }), new Date(Date.UTC(2024, 0, 1) + seq).toISOString()];
}

/** `concurrency` loops, each inserting one row at a time, for `durationSec`. */
export async function insertLoop(
  insert: (params: unknown[]) => Promise<unknown>,
  concurrency: number,
  durationSec: number,
  tag: string,
): Promise<RawInsertResult> {
  let seq = 0;
  let inserts = 0;
  const started = performance.now();
  const until = started + durationSec * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      await insert(rawRow(seq++, tag));
      inserts += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return { concurrency, durationSec: Math.round(elapsed * 100) / 100, inserts, perSecond: Math.round(inserts / elapsed) };
}

/** PostgreSQL: a pg Pool with one connection per concurrent writer, in the bridge's database. */
export async function postgresRawInsert(url: string, concurrency: number, durationSec: number, warmUpSec: number): Promise<RawInsertResult> {
  const pool = new Pool({ connectionString: url, max: concurrency });
  try {
    await pool.query(RAW_TABLE_DDL);
    const insert = (params: unknown[]) => pool.query(RAW_INSERT, params);
    await insertLoop(insert, concurrency, warmUpSec, 'warm');
    return await insertLoop(insert, concurrency, durationSec, 'run');
  } finally {
    await pool.end();
  }
}
