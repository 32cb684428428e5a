import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, type PoolClient, type PoolConfig, type QueryConfig } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import type { Database, SqlRunner } from './database';
import { isDatabaseUnavailable } from './unavailable';

// PostgreSQL through two pools: Prisma's (driver adapter) and one for raw SQL.

/** How long either pool waits for a new connection before the call fails (as unavailable). */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * How much longer than the statement timeout the bridge waits for an answer. A statement that
 * runs too long is cancelled by the server, which answers with an error on a connection that
 * stays usable; only a server that answers nothing at all reaches the bridge's own timeout.
 */
const ANSWER_GRACE_MS = 2_000;

/** The largest timer Node.js keeps (about 24.8 days): an untimed transaction's read timeout. */
const NO_READ_TIMEOUT_MS = 2_147_483_647;

export interface PostgresOptions {
  poolSize: number;
  /** 0: no limit. */
  queryTimeoutMs: number;
}

/** Settings both pools share. */
function postgresPoolConfig(url: string, { poolSize, queryTimeoutMs }: PostgresOptions): PoolConfig {
  return {
    connectionString: url,
    max: poolSize,
    // Without a connect timeout a server that accepts connections but never answers would hang
    // every query for good (node-postgres waits forever by default).
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Lets the kernel notice a peer that vanished (a failed-over host) on an idle connection.
    keepAlive: true,
    ...(queryTimeoutMs > 0 ? { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + ANSWER_GRACE_MS } : {}),
  };
}

export async function openPostgres(url: string, options: PostgresOptions): Promise<Database> {
  const config = postgresPoolConfig(url, options);
  // Raw SQL carries the hot paths Prisma cannot express (webhook ingest, outbox claims), so it
  // gets as many connections as Prisma does.
  const pool = new Pool(config);
  // An idle connection closed by the server (a restart, a terminated backend) is reported here;
  // the pool drops it and connects anew on demand. Unhandled, the event would end the process.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(config) });
  const sql: SqlRunner = {
    exec: async (text) => void (await pool.query(text)),
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    transaction: async (work, { untimed = false } = {}) => {
      const client = await pool.connect();
      // Without a timeout configured there is none to lift.
      const lift = untimed && options.queryTimeoutMs > 0;
      const run = (text: string, params?: unknown[]) => client.query(lift ? untimedQuery(text, params) : { text, values: params });
      let broken = false;
      try {
        await run('BEGIN');
        if (lift) await run('SET LOCAL statement_timeout = 0');
        const result = await work({
          exec: async (text) => void (await run(text)),
          query: async <T>(text: string, params?: unknown[]) => (await run(text, params)).rows as T[],
        });
        await run('COMMIT');
        return result;
      } catch (error) {
        broken = isDatabaseUnavailable(error) || !(await rollback(client));
        throw error;
      } finally {
        // A connection whose answer never came may still get it later: it is closed, not reused.
        client.release(broken);
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

function untimedQuery(text: string, values?: unknown[]): QueryConfig & { query_timeout: number } {
  return { text, values, query_timeout: NO_READ_TIMEOUT_MS };
}

async function rollback(client: PoolClient): Promise<boolean> {
  return client.query('ROLLBACK').then(
    () => true,
    () => false,
  );
}
