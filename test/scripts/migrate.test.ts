import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { readMigrations, type Migration } from '../../src/db/migrator';
import { sha256Hex } from '../../src/lib/crypto';
import { applyMigrations, migrationReport } from '../../src/modules/admin/migrations';
import { tempDir } from '../fixtures/admin';
import { createTestDatabase, type TestDatabase } from '../support/database-template';

const probeTable = `admin_probe_${process.pid}_${Date.now().toString(36)}`;
const extra = (sql = `CREATE TABLE ${probeTable} (id int)`): Migration => ({ name: '29991231000000_probe', sql, checksum: sha256Hex(sql) });

describe('migrate', () => {
  // Each test gets a freshly migrated database of its own, so none sees another's probe migration.
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(() => database.close());

  test('when the database is migrated, then the status lists every migration as applied and none pending', async () => {
    const report = await migrationReport(database.db.sql);
    expect(report).toEqual({ applied: readMigrations().map((m) => m.name), pending: [], modified: [], unknown: [] });
  });

  test('when a migration is new, then a dry run lists it without applying, and a real run applies it once', async () => {
    const migrations = [...readMigrations(), extra()];
    const dry = await applyMigrations(database.db.sql, { migrations, dryRun: true });
    expect(dry).toEqual({ before: expect.objectContaining({ pending: ['29991231000000_probe'] }), applied: [] });
    expect((await migrationReport(database.db.sql, migrations)).pending).toEqual(['29991231000000_probe']);

    const real = await applyMigrations(database.db.sql, { migrations });
    expect(real.applied).toEqual(['29991231000000_probe']);
    expect(await database.db.sql.query(`SELECT count(*) FROM ${probeTable}`)).toHaveLength(1);
    expect((await applyMigrations(database.db.sql, { migrations })).applied).toEqual([]);
  });

  test('when an applied migration file changed or is missing from this version, then the status says so', async () => {
    expect((await applyMigrations(database.db.sql, { migrations: [...readMigrations(), extra()] })).applied).toEqual(['29991231000000_probe']);
    const withChangedProbe = [...readMigrations(), extra('CREATE TABLE something_else (id int)')];
    expect((await migrationReport(database.db.sql, withChangedProbe)).modified).toEqual(['29991231000000_probe']);
    expect((await migrationReport(database.db.sql, readMigrations())).unknown).toEqual(['29991231000000_probe']);
  });
});

describe('command line', () => {
  // tsx runs the TypeScript entry points directly, so these tests need no build. Runs are started
  // together: each spends a second or two loading TypeScript and the Prisma client.
  const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  const script = (name: string, args: string[], env: Record<string, string> = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        tsx,
        [join(__dirname, '..', '..', 'scripts', `${name}.ts`), ...args],
        { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: '', DATA_DIR: tempDir(), LOG_LEVEL: 'warn', ...env } },
        (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });

  test('when asked for --help, then each script prints its usage and exits 0', async () => {
    const names = ['migrate', 'import-users', 'rotate-encryption-key', 'user'];
    const runs = await Promise.all(names.map((name) => script(name, ['--help'])));
    runs.forEach((run, index) => {
      const name = names[index]!;
      expect({ name, status: run.status }).toEqual({ name, status: 0 });
      expect(run.stdout).toContain(`Usage: npm run ${name} --`);
      expect(run.stdout).toContain('Exit codes:');
    });
    expect(runs[1]!.stdout).toContain('$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>');
  }, 120_000);

  test('when a flag is unknown or an argument missing, then exit 2 and a pointer to --help', async () => {
    const [unknown, noYes, noFile] = await Promise.all([
      script('migrate', ['--frobnicate']),
      script('user', ['delete', 'someone@example.com']),
      script('import-users', ['/no/such/file.csv']),
    ]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('npm run migrate -- --help');
    expect(noYes.status).toBe(2);
    expect(noYes.stderr).toContain('--yes');
    expect(noFile.status).toBe(2);
  }, 120_000);

  test('when the server holds the embedded database, then a script refuses with exit 4 and says what to do', async () => {
    const dataDir = tempDir();
    // This test process stands in for a running server: alive, on this host.
    writeFileSync(join(dataDir, 'server.lock'), JSON.stringify({ pid: process.pid, hostname: hostname(), owner: 'the mode-bridge server', startedAt: new Date().toISOString() }));
    const run = await script('migrate', ['--status'], { DATA_DIR: dataDir });
    expect(run.status).toBe(4);
    expect(run.stderr).toMatch(/in use by the mode-bridge server/);
    expect(run.stderr).toMatch(/admin API/);
  }, 120_000);

  test('when the embedded database is free, then migrate --status opens it, reports, and leaves no lock behind', async () => {
    const dataDir = tempDir();
    const run = await script('migrate', ['--status', '--json'], { DATA_DIR: dataDir });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ applied: [], pending: readMigrations().map((m) => m.name) });
    expect(existsSync(join(dataDir, 'server.lock'))).toBe(false);
  }, 120_000);
});
