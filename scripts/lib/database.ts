import pino from 'pino';
import { openDatabase, type Database } from '../../src/db/database';
import { acquireEmbeddedLock, type EmbeddedLock } from '../../src/db/embedded-lock';
import { migrationStatus } from '../../src/db/migrator';
import { ConfigError, loadConfig, type ResolvedConfig } from '../../src/lib/config';
import { resolveSecrets } from '../../src/lib/dev-secrets';
import type { Logger } from '../../src/lib/logger';

// Scripts open the database exactly as the server does (same variables, same development
// secrets under DATA_DIR). On embedded PGlite they hold the data directory's lock, so they
// refuse while the server runs, and a server start refuses while a script works.

export interface ScriptEnvironment {
  config: ResolvedConfig;
  db: Database;
  logger: Logger;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Refuse when migrations are pending (every script but `migrate`). */
  requireMigrated?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** A logger for scripts: plain "warning: ..." lines on stderr, so stdout carries just the summary. */
export function scriptLogger(script: string, level: string, stderr: { write(text: string): unknown } = process.stderr): Logger {
  const write = (line: string) => {
    const { level: number, time: _time, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
    const extra = Object.entries(fields).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    const label = pino.levels.labels[Number(number)] ?? 'log';
    stderr.write(`${label === 'warn' ? 'warning' : label}: ${String(msg ?? '')}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}\n`);
  };
  return pino({ level, base: undefined }, { write });
}

export async function openScriptDatabase(script: string, options: OpenOptions = {}): Promise<ScriptEnvironment> {
  const base = loadConfig(options.env ?? process.env);
  const logger = scriptLogger(script, base.logLevel === 'info' ? 'warn' : base.logLevel);
  const config = resolveSecrets(base, logger);
  let lock: EmbeddedLock | undefined;
  if (!config.databaseUrl) lock = acquireEmbeddedLock(config.dataDir, `the ${script} script`, { foreignHost: 'refuse' });
  let db: Database | undefined;
  try {
    db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 4, queryTimeoutMs: config.databaseQueryTimeoutMs });
    if (options.requireMigrated ?? true) await assertMigrated(db);
  } catch (error) {
    await db?.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
  const opened = db;
  return {
    config,
    db: opened,
    logger,
    close: async () => {
      await opened.close();
      lock?.release();
    },
  };
}

async function assertMigrated(db: Database): Promise<void> {
  const { pending } = await migrationStatus(db.sql);
  if (pending.length > 0) {
    throw new ConfigError(`The database needs ${pending.length} migration(s) first (${pending.join(', ')}): run "npm run migrate".`);
  }
}

/** Opens, runs `work`, and always closes (PGlite keeps the process alive until closed). */
export async function withScriptDatabase<T>(script: string, options: OpenOptions, work: (env: ScriptEnvironment) => Promise<T>): Promise<T> {
  const env = await openScriptDatabase(script, options);
  try {
    return await work(env);
  } finally {
    await env.close();
  }
}
