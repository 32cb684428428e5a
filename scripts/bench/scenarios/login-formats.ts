// Logins per stored password format: users imported (with `npm run import-users`, as an operator
// would) with bcrypt, PBKDF2 and scrypt hashes at the parameters their home systems use by
// default, each logging in exactly once, so that every measured login verifies the old hash and
// stores its argon2id replacement; beside them argon2id users, whose hash is kept, as the baseline.
import { hashSync as argon2Hash } from '@node-rs/argon2';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { spawnSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from '../context';
import { runLoad, type LoadResult } from '../load';
import { compiled, ROOT } from '../processes';
import { BENCH_PASSWORD } from '../setup';

export interface StoredFormat {
  name: string;
  /** Where these parameters come from. */
  params: string;
  hash: () => string;
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export const STORED_FORMATS: StoredFormat[] = [
  { name: 'argon2id (kept)', params: 'm=19456,t=2,p=1: the bridge\'s own', hash: () => argon2Hash(BENCH_PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }) },
  { name: 'bcrypt', params: 'cost 10: Auth0, Node bcrypt\'s default', hash: () => bcryptHash(BENCH_PASSWORD, 10) },
  { name: 'bcrypt', params: 'cost 12: Devise, Laravel', hash: () => bcryptHash(BENCH_PASSWORD, 12) },
  {
    name: 'pbkdf2_sha256 (Django)',
    params: '870000 iterations: Django 5.1',
    hash: () => {
      const salt = randomBytes(11).toString('hex');
      return `pbkdf2_sha256$870000$${salt}$${pbkdf2Sync(BENCH_PASSWORD, salt, 870_000, 32, 'sha256').toString('base64')}`;
    },
  },
  {
    name: 'pbkdf2-sha512 (PHC)',
    params: '210000 iterations: OWASP',
    hash: () => {
      const salt = randomBytes(16);
      return `$pbkdf2-sha512$i=210000,l=64$${b64(salt)}$${b64(pbkdf2Sync(BENCH_PASSWORD, salt, 210_000, 64, 'sha512'))}`;
    },
  },
  {
    name: 'scrypt (PHC)',
    params: 'ln=16,r=8,p=1: passlib',
    hash: () => {
      const salt = randomBytes(16);
      return `$scrypt$ln=16,r=8,p=1$${b64(salt)}$${b64(scryptSync(BENCH_PASSWORD, salt, 32, { N: 2 ** 16, r: 8, p: 1, maxmem: 2 ** 27 }))}`;
    },
  },
];

export interface FormatRun {
  format: string;
  params: string;
  logins: LoadResult;
}

export interface LoginFormatFigures {
  loginsPerFormat: number;
  connections: number;
  runs: FormatRun[];
}

/** Imports the users through the admin script, on the bridge's PostgreSQL database (the server keeps running). */
function importUsers(databaseUrl: string, rows: Array<{ email: string; passwordHash: string }>): void {
  const dir = mkdtempSync(join(tmpdir(), 'mode-bridge-bench-import-'));
  try {
    const file = join(dir, 'users.jsonl');
    writeFileSync(file, rows.map((row) => JSON.stringify({ ...row, name: 'Bench Legacy User' })).join('\n'));
    const result = spawnSync(process.execPath, [compiled('scripts/import-users.ts'), file, '--json', '--concurrency', '8'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: databaseUrl, DATA_DIR: dir, LOG_LEVEL: 'error' },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`import-users failed (exit ${result.status}): ${result.stderr.slice(0, 500)}`);
    const summary = JSON.parse(result.stdout) as { imported: number };
    if (summary.imported !== rows.length) throw new Error(`import-users imported ${summary.imported} of ${rows.length} users`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function loginFormatsScenario(ctx: BenchContext, options: { databaseUrl: string; loginsPerFormat: number }): Promise<LoginFormatFigures> {
  const { bridge, settings } = ctx;
  const stamp = Date.now().toString(36);
  const perFormat = options.loginsPerFormat;
  const groups = STORED_FORMATS.map((format, index) => {
    const hash = format.hash();
    return { format, emails: Array.from({ length: perFormat }, (_, i) => `formats-${stamp}-${index}-${i}@bench.example`), hash };
  });
  ctx.log(`  importing ${groups.length} x ${perFormat} users with stored hashes (npm run import-users)`);
  importUsers(options.databaseUrl, groups.flatMap((group) => group.emails.map((email) => ({ email, passwordHash: group.hash }))));

  // A few connections: enough to keep every hashing thread busy, few enough that a slow format's
  // logins do not queue past the timeout (and spill into the next format's run).
  const connections = Math.min(settings.connections, perFormat, 4);
  const loginsOf = (emails: string[], title: string, amount?: number) => {
    let next = 0;
    return runLoad({
      title,
      url: bridge.url,
      connections,
      durationSec: settings.warmUpSec,
      amount,
      timeoutSec: 60,
      cpuOf: { bridge: bridge.pid },
      setupRequest: (request) => ({
        ...request,
        method: 'POST',
        path: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: emails[next++ % emails.length], password: BENCH_PASSWORD }),
      }),
    });
  };
  // The argon2id users keep their hash, so they can warm the bridge up without being used up.
  await loginsOf(groups[0]!.emails, 'login warm-up (argon2id)');

  const runs: FormatRun[] = [];
  for (const { format, emails } of groups) {
    // Exactly one login per user: each one of a legacy format verifies the old hash and rehashes.
    const logins = await loginsOf(emails, `POST /v1/auth/login, stored ${format.name} (${format.params})`, emails.length);
    ctx.log(`  ${format.name} (${format.params}): ${logins.rps} logins/s, p50 ${logins.latencyMs.p50} ms, p99 ${logins.latencyMs.p99} ms`);
    runs.push({ format: format.name, params: format.params, logins });
  }
  return { loginsPerFormat: perFormat, connections, runs };
}
