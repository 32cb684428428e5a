import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { existsSync } from 'node:fs';
import { ensurePrivateDir, restrictTree } from './private-files';
import { join } from 'node:path';
import { PrismaClient } from '../generated/prisma/client';
import type { Database, DatabaseOptions, SqlRunner } from './database';

// The embedded database: PostgreSQL compiled to WebAssembly, inside this process.

// PGlite's WebAssembly memory never shrinks: a smaller buffer cache keeps the server's resident
// memory down (the operating system caches the files anyway). Measured on 30,000 inserts from 50
// writers: 8 MB instead of 16 MB left 177-188 MB resident instead of 195-200, in the same time.
const PGLITE_SETTINGS = ['-c', 'shared_buffers=8MB'];

/**
 * A new data directory is created by initdb in a second PGlite instance whose memory the process
 * would keep for good (about 450 MB); a short-lived child process does it instead.
 */
function initializePgliteDir(dir: string): void {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  ensurePrivateDir(dir);
  const script = `const { PGlite } = require(${JSON.stringify(require.resolve('@electric-sql/pglite'))});
    PGlite.create(process.argv[1]).then((db) => db.close()).catch((error) => { console.error(error); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * V8 compiles WebAssembly twice: quickly (Liftoff), then hot functions again with TurboFan. For
 * PostgreSQL's large module the second tier costs more than it returns to a server of this size:
 * measured on 10,000 inserted rows, 60-70 MB more resident memory and about 4x the CPU (the
 * compilation itself). Set before the module is compiled; it applies to WebAssembly compiled
 * later in this process only.
 */
function compileWasmOnce(): void {
  setFlagsFromString('--liftoff-only');
}

export async function openPglite(options: DatabaseOptions): Promise<Database> {
  compileWasmOnce();
  const inMemory = (options.dataDir ?? 'memory://').startsWith('memory://');
  const location = inMemory ? (options.dataDir ?? 'memory://') : join(options.dataDir!, 'pglite');
  if (!inMemory) ensurePrivateDir(options.dataDir!);
  if (!inMemory && !options.loadDataDir) initializePgliteDir(location);
  const pglite = new PGlite(location, {
    loadDataDir: options.loadDataDir,
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
  });
  await pglite.waitReady;
  // The directory is private from here on (nobody else can reach into it); the files PGlite wrote
  // get private modes too, now and again when it closes (files it created while running).
  if (!inMemory) restrictTree(location);
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
      if (!inMemory) restrictTree(location);
    },
  };
}
