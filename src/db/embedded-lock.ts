import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './private-files';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../lib/config';
import type { Logger } from '../lib/logger';

// PGlite is single-process PostgreSQL: two processes on one data directory would corrupt it.
// Whoever opens the embedded database (the server or an admin script) holds DATA_DIR/server.lock
// with its PID; everyone else refuses. A lock whose process is gone is taken over.

export interface LockHolder {
  pid: number;
  hostname: string;
  owner: string;
  startedAt: string;
}

export interface EmbeddedLock {
  file: string;
  holder: LockHolder;
  release(): void;
}

export interface LockOptions {
  /**
   * A lock written on another host (another container on the same volume) cannot be checked.
   * The server takes it over with a warning (a recreated container must be able to start);
   * scripts refuse, because a server there may well be running.
   */
  foreignHost?: 'refuse' | 'take-over';
  logger?: Pick<Logger, 'warn'>;
}

export class EmbeddedDatabaseLockedError extends ConfigError {
  constructor(
    readonly file: string,
    readonly holder: LockHolder,
    verifiable: boolean,
  ) {
    super(
      `The embedded database in ${file.replace(/[\\/]server\.lock$/, '')} is in use by ${holder.owner} ` +
        `(pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}).\n` +
        'PGlite allows one process per data directory. While the server runs, use the admin API ' +
        '(/v1/admin/...), or run the server on PostgreSQL (DATABASE_URL) so that scripts can work beside it.' +
        (verifiable ? '' : `\nIf no process uses this directory any more, delete ${file} and try again.`),
    );
  }
}

export function lockFileOf(dataDir: string): string {
  return join(dataDir, 'server.lock');
}

export function readLockHolder(dataDir: string): LockHolder | undefined {
  try {
    return parseHolder(readFileSync(lockFileOf(dataDir), 'utf8'));
  } catch {
    return undefined;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, hostname: String(parsed.hostname ?? ''), owner: String(parsed.owner ?? 'unknown'), startedAt: String(parsed.startedAt ?? '') };
  } catch {
    return undefined;
  }
}

/** 'alive' or 'dead' for a process of this host; 'unknown' for another host's. */
export function holderState(holder: LockHolder): 'alive' | 'dead' | 'unknown' {
  if (holder.hostname !== hostname()) return 'unknown';
  if (holder.pid === process.pid) return 'dead'; // a previous life of this PID (PID 1 in a restarted container)
  try {
    process.kill(holder.pid, 0);
    return 'alive';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
}

/** Takes the data directory for this process; released on release() or when the process exits. */
export function acquireEmbeddedLock(dataDir: string, owner: string, options: LockOptions = {}): EmbeddedLock {
  const file = lockFileOf(dataDir);
  const holder: LockHolder = { pid: process.pid, hostname: hostname(), owner, startedAt: new Date().toISOString() };
  if (dataDir.startsWith('memory://')) return { file, holder, release: () => undefined }; // private to this process
  ensurePrivateDir(dataDir);
  const content = JSON.stringify(holder);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(file, content, { flag: 'wx', mode: PRIVATE_FILE_MODE });
      return held(file, holder, content);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = readLockHolder(dataDir);
    if (!existing && isFresh(file)) {
      // Being written right now by another process (the file is created before its content).
      throw new EmbeddedDatabaseLockedError(file, { pid: 0, hostname: '?', owner: 'another process', startedAt: 'just now' }, false);
    }
    if (existing) {
      const state = holderState(existing);
      if (state === 'alive') throw new EmbeddedDatabaseLockedError(file, existing, true);
      if (state === 'unknown' && options.foreignHost !== 'take-over') throw new EmbeddedDatabaseLockedError(file, existing, false);
      options.logger?.warn({ file, previous: existing }, 'taking over the embedded database lock: its holder is gone or ran on another host');
    }
    removeIfUnchanged(file, existing);
  }
  throw new Error(`Could not take ${file}: it keeps changing`);
}

function held(file: string, holder: LockHolder, content: string): EmbeddedLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      if (readFileSync(file, 'utf8') === content) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return { file, holder, release };
}

function isFresh(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < 10_000;
  } catch {
    return false;
  }
}

function removeIfUnchanged(file: string, seen: LockHolder | undefined): void {
  try {
    // Old garbage is removed; a lock that changed since we looked belongs to someone new.
    if (seen && JSON.stringify(parseHolder(readFileSync(file, 'utf8'))) !== JSON.stringify(seen)) return;
    unlinkSync(file);
  } catch {
    // removed by someone else in the meantime
  }
}
