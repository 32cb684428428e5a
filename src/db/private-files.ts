import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Files the bridge keeps on disk (the embedded database with password hashes, sealed keys and
// roles; development secrets; the lock) are for the bridge's own OS user only. PGlite's file
// system layer gives its files mode 0666 whatever the umask, so modes are set explicitly.

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and parents) if needed and makes it private. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    // A directory owned by someone else (a mounted volume): its owner decides; the files inside are still made private.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}

/** Makes every directory under `root` 0700 and every file 0600, walked without recursion. */
export function restrictTree(root: string): void {
  const pending = [root];
  while (pending.length > 0) {
    const path = pending.pop()!;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue; // removed meanwhile (PGlite's temporary files)
    }
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) {
      if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(path, PRIVATE_DIR_MODE);
      for (const name of readdirSync(path)) pending.push(join(path, name));
    } else if ((stat.mode & 0o777) !== PRIVATE_FILE_MODE) {
      try {
        chmodSync(path, PRIVATE_FILE_MODE);
      } catch {
        // removed between lstat and chmod
      }
    }
  }
}
