import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import type { Database, SqlRunner } from './database';

// PostgreSQL through two pools: Prisma's (driver adapter) and one for raw SQL.

/** How long either pool waits for a new connection before the call fails (as unavailable). */
const CONNECT_TIMEOUT_MS = 5_000;

export async function openPostgres(url: string, poolSize: number): Promise<Database> {
  // Raw SQL carries the hot paths Prisma cannot express (webhook ingest, outbox claims), so it
  // gets as many connections as Prisma does.
  const pool = new Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle connection closed by the server (a restart, a terminated backend) is reported here;
  // the pool drops it and connects anew on demand. Unhandled, the event would end the process.
  pool.on('error', () => undefined);
  // Without a connect timeout a server that accepts connections but never answers would hang
  // every Prisma query for good (node-postgres waits forever by default).
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }) });
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
