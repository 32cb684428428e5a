import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

// Optional parts are loaded only when configured (PostgreSQL or PGlite, Redis, SMTP, the embedded
// emulator), so a process does not carry the code of what it does not use. This loads every module
// the server imports up front, in a fresh process, and lists which of them came along.

const ROOT = resolve(__dirname, '../..');
const OPTIONAL = ['@electric-sql/pglite', 'pglite-prisma-adapter', 'pg', '@prisma/adapter-pg', 'ioredis', 'rate-limit-redis', 'nodemailer', 'ws', 'src/emulator'];

function loadedAfterRequiring(modules: string[]): string[] {
  const script = `
    for (const module of ${JSON.stringify(modules)}) require(module);
    const files = Object.keys(require.cache);
    const optional = ${JSON.stringify(OPTIONAL)};
    process.stdout.write(JSON.stringify(optional.filter((name) => files.some((file) => file.includes(name.startsWith('src/') ? '/' + name + '/' : '/node_modules/' + name + '/')))));`;
  return JSON.parse(execFileSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
}

test('when the server starts, then no database driver, Redis, SMTP or emulator code is loaded before it is chosen', () => {
  const serverImports = ['./src/app', './src/runtime', './src/services', './src/db/database', './src/db/migrator', './src/db/embedded-lock', './src/lib/config', './src/lib/dev-secrets'];
  expect(loadedAfterRequiring(serverImports)).toEqual([]);
});

test('when a database is chosen, then only its driver is loaded', () => {
  expect(loadedAfterRequiring(['./src/db/postgres'])).toEqual(['pg', '@prisma/adapter-pg']);
  expect(loadedAfterRequiring(['./src/db/pglite'])).toEqual(['@electric-sql/pglite', 'pglite-prisma-adapter']);
});
