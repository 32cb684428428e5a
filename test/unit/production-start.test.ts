import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { asStartScript } from '../../scripts/bench/start-command';

// `npm start`, the container and the bench start the server with the same Node.js settings (a
// heap sized for the service); an operator's NODE_OPTIONS come after them, so they win.

const ROOT = resolve(__dirname, '../..');
const START = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start as string;

/** What `expression` prints in a node started by the start script (with `node -p` in place of the server). */
function underStartScript(expression: string, env: Record<string, string> = {}): string {
  const command = asStartScript([process.execPath, '-p', expression], START);
  return execFileSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } }).trim();
}

/** The heap limit, in MB, of a node started by the start script. */
const heapLimitMb = (env: Record<string, string> = {}) => Number(underStartScript("Math.round(require('v8').getHeapStatistics().heap_size_limit / 1048576)", env));

test('when the container starts, then it runs the command npm start runs', () => {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8'));
  expect(JSON.parse(cmd?.[1] ?? '[]')).toEqual(['sh', '-c', START]);
});

test('when the server is started as npm start starts it, then its heap is capped', () => {
  const limit = heapLimitMb();
  expect(limit).toBeGreaterThanOrEqual(384);
  expect(limit).toBeLessThan(512);
});

test('when the server runs on PostgreSQL, then its young generation is V8\'s default; on PGlite, which holds its database in the same process, half of it', () => {
  // The heap limit counts the young generation as three semi-spaces: 8 MB each on PGlite, 16 MB on PostgreSQL.
  const onPglite = heapLimitMb();
  const onPostgres = heapLimitMb({ DATABASE_URL: 'postgresql://bridge@db.example/bridge' });
  expect(onPostgres - onPglite).toBe(24);
  expect(heapLimitMb({ DATABASE_URL: 'postgresql://bridge@db.example/bridge', NODE_OPTIONS: '--max-semi-space-size=8' })).toBe(onPglite);
});

test('when an operator sets NODE_OPTIONS, then those settings win over the defaults', () => {
  expect(heapLimitMb({ NODE_OPTIONS: '--max-old-space-size=1024' })).toBeGreaterThanOrEqual(1024);
});

test('when the server is started as npm start starts it, then glibc malloc hands large blocks back (fixed mmap threshold), unless the operator sets it', () => {
  expect(underStartScript('process.env.MALLOC_MMAP_THRESHOLD_')).toBe('131072');
  expect(underStartScript('process.env.MALLOC_MMAP_THRESHOLD_', { MALLOC_MMAP_THRESHOLD_: '1048576' })).toBe('1048576');
});

test('when the bench starts the bridge, then it uses the start script with its own node command', () => {
  const command = asStartScript(['/usr/bin/node', '--cpu-prof', "/tmp/it's/server.js"], START);
  expect(command.startsWith(START.slice(0, START.indexOf('exec node')))).toBe(true);
  expect(command.endsWith(`exec '/usr/bin/node' '--cpu-prof' '/tmp/it'\\''s/server.js'`)).toBe(true);
});
