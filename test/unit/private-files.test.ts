import { mkdtempSync, readdirSync, lstatSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/database';
import { acquireEmbeddedLock } from '../../src/db/embedded-lock';
import { resolveSecrets } from '../../src/lib/dev-secrets';
import { loadConfig } from '../../src/lib/config';
import { createLogger } from '../../src/lib/logger';

// What the bridge writes under DATA_DIR is readable by its own OS user only: PGlite's files
// (which PGlite itself makes 0666), the development secrets and the lock.

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'bridge-modes-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function modes(root: string): { files: Set<string>; dirs: Set<string> } {
  const files = new Set<string>();
  const dirs = new Set<string>();
  const pending = [root];
  while (pending.length > 0) {
    const path = pending.pop()!;
    const stat = lstatSync(path);
    if (stat.isDirectory()) {
      dirs.add((stat.mode & 0o777).toString(8));
      for (const name of readdirSync(path)) pending.push(join(path, name));
    } else if (!stat.isSymbolicLink()) files.add((stat.mode & 0o777).toString(8));
  }
  return { files, dirs };
}

test('when the embedded database is created, written and closed, then every file is 0600 and every directory 0700', async () => {
  const db = await openDatabase({ dataDir });
  try {
    expect(modes(dataDir)).toEqual({ files: new Set(['600']), dirs: new Set(['700']) });
    await db.sql.exec('CREATE TABLE written_while_running (x int); INSERT INTO written_while_running VALUES (1);');
  } finally {
    await db.close();
  }
  const after = modes(dataDir);
  expect(after).toEqual({ files: new Set(['600']), dirs: new Set(['700']) });
  expect(readdirSync(join(dataDir, 'pglite')).length).toBeGreaterThan(5);
}, 60_000);

test('when development secrets are generated and the lock is taken, then both files are 0600 in a 0700 directory', () => {
  const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: join(dataDir, 'nested') });
  resolveSecrets(config, createLogger('silent'));
  const lock = acquireEmbeddedLock(join(dataDir, 'nested'), 'a test');
  try {
    expect((statSync(join(dataDir, 'nested', 'dev-secrets.json')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(lock.file).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(dataDir, 'nested')).mode & 0o777).toString(8)).toBe('700');
  } finally {
    lock.release();
  }
});
