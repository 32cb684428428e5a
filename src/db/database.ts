import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { Pool } from 'pg';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PrismaClient } from '../generated/prisma/client';

export type { PrismaClient };
export type DatabaseKind = 'pglite' | 'postgresql';

/** Raw SQL access, used by the migrator and by the few queries Prisma cannot express. */
export interface SqlRunner {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `work` inside one transaction on one connection. */
  transaction<T>(work: (sql: Pick<SqlRunner, 'exec' | 'query'>) => Promise<T>): Promise<T>;
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
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10) : openPglite(options);
}

// PGlite's WebAssembly memory never shrinks: a smaller buffer cache keeps the server's resident
// memory down (the operating system caches the files anyway).
const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB'];

/**
 * A new data directory is created by initdb in a second PGlite instance whose memory the process
 * would keep for good (about 450 MB); a short-lived child process does it instead.
 */
function initializePgliteDir(dir: string): void {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  mkdirSync(dir, { recursive: true });
  const script = `const { PGlite } = require(${JSON.stringify(require.resolve('@electric-sql/pglite'))});
    PGlite.create(process.argv[1]).then((db) => db.close()).catch((error) => { console.error(error); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const inMemory = (options.dataDir ?? 'memory://').startsWith('memory://');
  const location = inMemory ? (options.dataDir ?? 'memory://') : join(options.dataDir!, 'pglite');
  if (!inMemory && !options.loadDataDir) initializePgliteDir(location);
  const pglite = new PGlite(location, {
    loadDataDir: options.loadDataDir,
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
  });
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const sql: SqlRunner = {
    exec: async (text) => void (await pglite.exec(text)),
    query: async <T>(text: string, params?: unknown[]) => (await pglite.query<T>(text, params)).rows,
    transaction: (work) =>
      pglite.transaction((tx) =>
        work({
          exec: async (text) => void (await tx.exec(text)),
          query: async <T>(text: string, params?: unknown[]) => (await tx.query<T>(text, params)).rows,
        }),
      ),
  };
  return {
    kind: 'pglite',
    pglite,
    prisma,
    sql,
    ping: async () => void (await pglite.query('SELECT 1')),
    close: async () => {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  // Raw SQL carries the hot paths Prisma cannot express (webhook ingest, outbox claims), so it
  // gets as many connections as Prisma does.
  const pool = new Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle connection closed by the server (a restart, a terminated backend) is reported here;
  // the pool drops it and connects anew on demand. Unhandled, the event would end the process.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) });
  const sql: SqlRunner = {
    exec: async (text) => void (await pool.query(text)),
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    transaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          exec: async (text) => void (await client.query(text)),
          query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
  return {
    kind: 'postgresql',
    prisma,
    sql,
    ping: async () => void (await pool.query('SELECT 1')),
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
