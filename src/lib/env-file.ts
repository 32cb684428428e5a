import { resolve } from 'node:path';

// Configuration may come from a `.env` file in the working directory, read with Node's own
// env-file parser. Variables already in the environment win over the file; defaults come last.

/** Loads `file` into process.env when it exists; returns its absolute path, or undefined when there is none. */
export function loadEnvFile(file = '.env'): string | undefined {
  try {
    process.loadEnvFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return resolve(file);
}
