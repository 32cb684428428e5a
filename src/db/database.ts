import type { PGlite } from '@electric-sql/pglite';
import type { PrismaClient } from '../generated/prisma/client';

export type { PrismaClient };
export type DatabaseKind = 'pglite' | 'postgresql';

/** Raw SQL access, used by the migrator and by the few queries Prisma cannot express. */
export interface SqlRunner {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `work` inside one transaction on one connection. */
  transaction<T>(work: (sql: Pick<SqlRunner, 'exec' | 'query'>) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

export interface TransactionOptions {
  /** Work that may run long by design (migrations, waiting for their lock): no query timeout. */
  untimed?: boolean;
}

export interface Database {
  kind: DatabaseKind;
  /** The embedded instance, when kind is 'pglite' (tests dump and clone it). */
  pglite?: PGlite;
  prisma: PrismaClient;
  sql: SqlRunner;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgresql:// URL; when absent the embedded PGlite database is used. */
  url?: string;
  /** Where PGlite keeps its files; `memory://` for a throwaway database. */
  dataDir?: string;
  /** A PGlite data directory dump to start from (tests clone a migrated template this way). */
  loadDataDir?: Blob;
  /** Connections of each of the two PostgreSQL pools (Prisma's and the raw SQL one). */
  poolSize?: number;
  /**
   * PostgreSQL only: the longest a statement may run (the server cancels it) and, a little
   * later, the longest the bridge waits for any answer (a server that stopped answering);
   * 0 or unset: no limit. PGlite runs in the process and needs none.
   */
  queryTimeoutMs?: number;
}

// Each driver is loaded only when chosen: a server on PostgreSQL never loads PGlite, nor the
// reverse (together about 5 MB of code a process would otherwise carry for nothing).
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return (await import('./postgres')).openPostgres(options.url, { poolSize: options.poolSize ?? 10, queryTimeoutMs: options.queryTimeoutMs ?? 0 });
  return (await import('./pglite')).openPglite(options);
}
