import { hash } from '@node-rs/argon2';
import { AdminUsersRepository } from '../../src/modules/admin/admin-users.repository';
import { passwordHashProblem } from '../../src/modules/auth/password-formats';
import { PasswordHashChecker } from '../../src/modules/auth/password-formats/checker';
import { importUsers, type ImportSummary } from '../../src/modules/admin/user-import.service';
import { ImportFileError, readImportFile, type ImportFormat } from '../../src/modules/admin/user-import.source';
import { AuditRepository } from '../../src/modules/audit/audit.repository';
import { verifyPassword } from '../../src/modules/auth/passwords';
import { UsersRepository } from '../../src/modules/users/users.repository';
import { tempFile } from '../fixtures/admin';
import { legacyHash } from '../fixtures/password-hashes';
import { createTestDatabase, type TestDatabase } from '../support/database-template';

let database: TestDatabase;
let argon2id: string;
let argon2i: string;

beforeAll(async () => {
  database = await createTestDatabase();
  // Small parameters keep the tests fast; they are inside the accepted bounds.
  argon2id = await hash('imported password one', { algorithm: 2, memoryCost: 1024, timeCost: 1, parallelism: 1 });
  argon2i = await hash('imported password two', { algorithm: 1, memoryCost: 1024, timeCost: 2, parallelism: 1 });
});
afterAll(() => database.close());

const deps = () => ({ users: new UsersRepository(database.db.prisma, database.db.sql), adminUsers: new AdminUsersRepository(database.db.prisma), audit: new AuditRepository(database.db.prisma, database.db.sql) });
const actor = { userId: null, via: 'cli' as const, operator: 'tester' };
let run = 0;
const domain = () => `import${(run += 1)}.${Date.now().toString(36)}.example.com`;

async function runImport(path: string, format: ImportFormat, options: { dryRun?: boolean; signal?: AbortSignal; chunkSize?: number } = {}) {
  const rejected: Array<{ line: number; reason: string }> = [];
  const summary = await importUsers(deps(), { rows: readImportFile(path, format), source: 'test', actor, onRejected: (r) => rejected.push(r), ...options });
  return { summary, rejected };
}

const usersOf = (host: string) => database.db.prisma.user.findMany({ where: { email: { endsWith: `@${host}` } }, include: { link: true }, orderBy: { email: 'asc' } });

function csvFixture(host: string): string {
  return [
    'email,name,password_hash',
    `ada@${host},Ada Lovelace,"${argon2id}"`,
    `Bob@${host},"Bob, Jr.","${argon2i}"`,
    `carol@${host},Carol,`,
    `not-an-email,Nobody,`,
    `dave@${host},${'x'.repeat(201)},`,
    `erin@${host},Erin,"$scrypt$ln=20,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"`,
    `frank@${host},Frank,plaintext-password`,
    `ADA@${host},Ada again,`,
    `gina@${host},Gina`,
  ].join('\n');
}

describe('CSV', () => {
  test('when the file mixes good, bad and duplicate rows, then good rows are imported and each bad row is reported by line', async () => {
    const host = domain();
    const { summary, rejected } = await runImport(tempFile('users.csv', csvFixture(host)), 'csv');
    expect(summary).toEqual<ImportSummary>({ rows: 9, imported: 3, invited: 1, byFormat: { argon2: 2 }, skippedExisting: 0, invalid: 6, failed: 0, dryRun: false, interrupted: false });
    expect(rejected.map((r) => r.line)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(rejected[0]!.reason).toMatch(/email is not a valid address/);
    expect(rejected[1]!.reason).toMatch(/name is longer than 200/);
    expect(rejected[2]!.reason).toMatch(/password hash: ln=20,r=8 needs 1024 MiB \(at most 64 MiB\)/);
    expect(rejected[3]!.reason).toMatch(/plain text is never accepted/);
    expect(rejected[4]!.reason).toMatch(/first on line 2/);
    expect(rejected[5]!.reason).toMatch(/expected 3 fields, found 2/);

    const users = await usersOf(host);
    expect(users.map((u) => [u.email, u.name, u.status, u.role])).toEqual([
      [`ada@${host}`, 'Ada Lovelace', 'active', 'user'],
      [`bob@${host}`, 'Bob, Jr.', 'active', 'user'],
      [`carol@${host}`, 'Carol', 'invited', 'user'],
    ]);
    expect(users.every((u) => u.link?.status === 'pending')).toBe(true);
    expect(await verifyPassword(users[0]!.passwordHash!, 'imported password one')).toBe(true);
    expect(await verifyPassword(users[1]!.passwordHash!, 'imported password two')).toBe(true);
    expect(users[2]!.passwordHash).toBeNull();
  });

  test('when the same file is imported again, then nothing is created twice and existing users are counted as skipped', async () => {
    const host = domain();
    const path = tempFile('users.csv', csvFixture(host));
    await runImport(path, 'csv');
    const { summary } = await runImport(path, 'csv');
    expect(summary).toMatchObject({ imported: 0, invited: 0, skippedExisting: 3, invalid: 6 });
    expect(await usersOf(host)).toHaveLength(3);
  });

  test('when the columns come in another order without password_hash, then every user is invited', async () => {
    const host = domain();
    const { summary } = await runImport(tempFile('users.csv', `\uFEFFname,EMAIL\nZed,zed@${host}\n\nYuri,yuri@${host}\n`), 'csv');
    expect(summary).toMatchObject({ rows: 2, imported: 2, invited: 2, invalid: 0 });
  });

  test('when the header has an unknown column, then the whole file is refused before anything is written', async () => {
    const host = domain();
    const run = runImport(tempFile('users.csv', `email,name,passwordhash\nx@${host},X,abc\n`), 'csv');
    await expect(run).rejects.toBeInstanceOf(ImportFileError);
    expect(await usersOf(host)).toHaveLength(0);
  });

  test('when a hash is not quoted (PHC strings contain commas), then the row is refused with a hint', async () => {
    const host = domain();
    const { rejected } = await runImport(tempFile('users.csv', `email,name,password_hash\nq@${host},Q,${argon2id}\n`), 'csv');
    expect(rejected).toEqual([{ line: 2, reason: expect.stringMatching(/quote the password_hash field/) }]);
  });

  test('when a row has broken quoting, then it is reported and the rows after it are still imported', async () => {
    const host = domain();
    const { summary, rejected } = await runImport(tempFile('users.csv', `email,name\na@${host},A"x\nb@${host},B\n`), 'csv');
    expect(rejected).toEqual([{ line: 2, reason: expect.stringMatching(/malformed CSV/) }]);
    expect(summary).toMatchObject({ imported: 1, invalid: 1 });
  });
});

describe('JSON Lines', () => {
  test('when the file mixes good and bad lines, then good ones are imported and bad ones reported by line', async () => {
    const host = domain();
    const lines = [
      JSON.stringify({ email: `ann@${host}`, name: 'Ann', passwordHash: argon2id }),
      JSON.stringify({ email: `ben@${host}` }),
      '',
      '{"email": broken',
      JSON.stringify([`x@${host}`]),
      JSON.stringify({ email: `cat@${host}`, password: 'secret' }),
      JSON.stringify({ email: `dan@${host}`, name: 42 }),
      JSON.stringify({ email: `eve@${host}`, passwordHash: argon2id.replace('$argon2id$', '$argon2d$') }),
      JSON.stringify({ email: `ann@${host}`, name: 'Twice' }),
      JSON.stringify({ email: `fay@${host}`, name: null, passwordHash: null }),
    ];
    const { summary, rejected } = await runImport(tempFile('users.jsonl', lines.join('\n')), 'jsonl');
    expect(summary).toMatchObject({ rows: 9, imported: 3, invited: 2, invalid: 6, skippedExisting: 0 });
    expect(rejected.map((r) => r.line)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(rejected[0]!.reason).toMatch(/not valid JSON/);
    expect(rejected[1]!.reason).toMatch(/not a JSON object/);
    expect(rejected[2]!.reason).toMatch(/unknown field\(s\) "password"/);
    expect(rejected[3]!.reason).toMatch(/name must be text/);
    expect(rejected[4]!.reason).toMatch(/argon2d/);
    expect((await usersOf(host)).map((u) => [u.email, u.status])).toEqual([
      [`ann@${host}`, 'active'],
      [`ben@${host}`, 'invited'],
      [`fay@${host}`, 'invited'],
    ]);
  });

  test('when the run is interrupted, then a second run imports exactly the rest', async () => {
    const host = domain();
    const path = tempFile('users.jsonl', Array.from({ length: 30 }, (_, i) => JSON.stringify({ email: `u${i}@${host}` })).join('\n'));
    const controller = new AbortController();
    let seen = 0;
    const first = await importUsers(deps(), {
      rows: readImportFile(path, 'jsonl'),
      source: 'test',
      actor,
      chunkSize: 5,
      progress: { increment: (by = 1) => void ((seen += by) >= 10 && controller.abort()) },
      signal: controller.signal,
    });
    expect(first.interrupted).toBe(true);
    expect(first.imported).toBeGreaterThanOrEqual(10);
    expect(first.imported).toBeLessThan(30);
    const second = await runImport(path, 'jsonl');
    expect(second.summary).toMatchObject({ imported: 30 - first.imported, skippedExisting: first.imported, interrupted: false });
    expect(await usersOf(host)).toHaveLength(30);
  });
});

describe('dry run', () => {
  test('when run with --dry-run, then the counts are those of a real run and nothing is written', async () => {
    const host = domain();
    const path = tempFile('users.csv', csvFixture(host));
    const auditBefore = await database.db.prisma.auditEntry.count();
    const dry = await runImport(path, 'csv', { dryRun: true });
    expect(dry.summary).toMatchObject({ imported: 3, invited: 1, invalid: 6, dryRun: true });
    expect(await usersOf(host)).toHaveLength(0);
    expect(await database.db.prisma.auditEntry.count()).toBe(auditBefore);
    const real = await runImport(path, 'csv');
    expect({ ...real.summary, dryRun: true }).toEqual(dry.summary);
  });
});

describe('password hash formats', () => {
  test('when hashes are argon2id or argon2i PHC strings within bounds, then they are accepted', () => {
    const checker = new PasswordHashChecker();
    expect(checker.check(argon2id)).toEqual({ format: 'argon2' });
    expect(checker.check(argon2i)).toEqual({ format: 'argon2' });
    expect(checker.check(argon2id.replace('$v=19', ''))).toEqual({ format: 'argon2' });
  });

  test.each([
    ['memory too large', (h: string) => h.replace(/m=\d+/, 'm=1048576'), /m=1048576 is out of range/],
    ['salt too short', (h: string) => h.split('$').map((p, i) => (i === 4 ? 'YWJjZA' : p)).join('$'), /salt must be 8 to 64 bytes/],
    ['non-canonical base64', (h: string) => h.split('$').map((p, i) => (i === 4 ? `${p.slice(0, -1)}${p.endsWith('B') ? 'C' : 'B'}` : p)).join('$'), /salt is not canonical/],
    ['too much memory times passes', (h: string) => h.replace(/m=\d+,t=\d+/, 'm=262144,t=8'), /m\*t=2097152 is too costly/],
    ['keyid parameter', (h: string) => h.replace('p=1', 'p=1,keyid=abc'), /not a PHC/],
    ['padding', (h: string) => `${h}=`, /not canonical unpadded base64/],
  ])('when the hash has %s, then it is refused with the reason', (_name, mutate, reason) => {
    expect(passwordHashProblem(mutate(argon2id))).toMatch(reason);
  });
});

describe('hashes of the systems companies move from', () => {
  test('when a JSON Lines file holds bcrypt, PBKDF2, scrypt and argon2 hashes, then each is imported and reported by format, and malformed or over-cost ones by line', async () => {
    const host = domain();
    const password = 'their old password';
    const lines = [
      { email: `devise@${host}`, passwordHash: legacyHash.bcrypt2b(password) },
      { email: `laravel@${host}`, passwordHash: legacyHash.bcrypt2y(password) },
      { email: `django@${host}`, passwordHash: legacyHash.djangoSha256(password) },
      { email: `phc@${host}`, passwordHash: legacyHash.phcPbkdf2Sha256(password) },
      { email: `passlib@${host}`, passwordHash: legacyHash.scrypt(password) },
      { email: `argon@${host}`, passwordHash: argon2id },
      { email: `costly@${host}`, passwordHash: legacyHash.bcrypt2b(password).replace('$04$', '$15$') },
      { email: `slow@${host}`, passwordHash: legacyHash.djangoSha256(password).replace('$1000$', '$9000000$') },
      { email: `broken@${host}`, passwordHash: legacyHash.scrypt(password).replace('$scrypt$ln=10', '$scrypt$ln=x') },
    ].map((row) => JSON.stringify(row));
    const { summary, rejected } = await runImport(tempFile('users.jsonl', lines.join('\n')), 'jsonl');
    expect(summary).toMatchObject({ rows: 9, imported: 6, invited: 0, invalid: 3, byFormat: { bcrypt: 2, pbkdf2_django: 1, pbkdf2_phc: 1, scrypt: 1, argon2: 1 } });
    expect(rejected).toEqual([
      { line: 7, reason: 'password hash: cost 15 is out of range (4 to 13)' },
      { line: 8, reason: 'password hash: 9000000 iterations is out of range (1000 to 1500000 for sha256)' },
      { line: 9, reason: expect.stringMatching(/^password hash: not a PHC scrypt hash/) },
    ]);
    const users = await usersOf(host);
    expect(users.map((u) => [u.email.split('@')[0], u.source, u.status])).toEqual(
      ['argon', 'devise', 'django', 'laravel', 'passlib', 'phc'].map((name) => [name, 'import', 'active']),
    );
    for (const user of users.filter((u) => u.email !== `argon@${host}`)) expect(await verifyPassword(user.passwordHash!, password)).toBe(true);
  });

  test('when bcrypt and Django hashes come unquoted in a CSV (they have no commas), then they are imported', async () => {
    const host = domain();
    const csv = `email,password_hash\nb@${host},${legacyHash.bcrypt2a('pw one two three')}\nd@${host},${legacyHash.djangoSha1('pw one two three')}\n`;
    const { summary, rejected } = await runImport(tempFile('users.csv', csv), 'csv');
    expect(rejected).toEqual([]);
    expect(summary).toMatchObject({ imported: 2, byFormat: { bcrypt: 1, pbkdf2_django: 1 } });
  });
});
