// The bench starts the bridge with package.json's start script, as `npm start` does (npm runs
// scripts with sh -c), so that its figures are those of the settings the service ships with
// (NODE_OPTIONS); `--bridge-env NODE_OPTIONS=...` then overrides them as an operator's would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes';

const ENTRY = 'exec node dist/src/server.js';

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The start script, read when called (a build under comparison uses this checkout's). */
export function startScript(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.start ?? '';
}

/** The start script with its node command replaced by `nodeCommand` (this Node binary, extra flags, another build). */
export function asStartScript(nodeCommand: string[], script = startScript()): string {
  if (!script.endsWith(ENTRY)) throw new Error(`package.json's start script should end with "${ENTRY}" (the bench starts the bridge the same way); it is: ${script}`);
  return `${script.slice(0, -ENTRY.length)}exec ${nodeCommand.map(quote).join(' ')}`;
}
