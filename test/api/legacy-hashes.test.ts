import { Readable } from 'node:stream';
import { AdminUsersRepository } from '../../src/modules/admin/admin-users.repository';
import { importUsers } from '../../src/modules/admin/user-import.service';
import { readImportRows } from '../../src/modules/admin/user-import.source';
import { readStoredHash } from '../../src/modules/auth/password-formats';
import { bearer, registerAccount, uniqueEmail, type Account } from '../fixtures/accounts';
import { FORMAT_OF, legacyHash, type LegacyHashKind } from '../fixtures/password-hashes';
import { startTestApp, type TestApp } from '../support/test-app';
import { registerVerifiedAdmin } from '../fixtures/mail';

// Users imported with the hashes of the systems companies move from sign in through the API with
// their old password, and leave argon2id behind after their first successful login.

let app: TestApp;
let admin: Account;
const adminEmail = uniqueEmail('admin');
const PASSWORD = 'the password they always had';

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: adminEmail } });
  admin = await registerVerifiedAdmin(app, adminEmail);
});
afterAll(() => app.close());

/** Imports one user with this hash through the import use case, on the app's own database. */
async function importUser(passwordHash: string, status?: 'disabled'): Promise<{ id: string; email: string }> {
  const email = uniqueEmail('imported');
  const prisma = app.database.db.prisma;
  const rows = readImportRows(Readable.from([JSON.stringify({ email, name: 'Imported', passwordHash })]), 'jsonl');
  const summary = await importUsers({ users: app.services.users, adminUsers: new AdminUsersRepository(prisma), audit: app.services.audit }, { rows, source: 'test.jsonl', actor: { userId: null, via: 'cli', operator: 'tester' } });
  if (summary.imported !== 1) throw new Error(`import failed: ${JSON.stringify(summary)}`);
  const user = (await app.services.users.findByEmail(email))!;
  if (status) await app.services.users.update(user.id, { status });
  return { id: user.id, email };
}

const storedHash = async (id: string) => (await app.services.users.findById(id))!.passwordHash!;
const login = (email: string, password: string) => app.http.post('/v1/auth/login').send({ email, password });

const kinds = Object.keys(legacyHash).filter((kind) => kind !== 'strongArgon2id') as LegacyHashKind[];

describe('signing in with an imported hash', () => {
  test.each(kinds)('when a user imported with a %s hash signs in, then a wrong password fails, the right one works and the hash becomes argon2id', async (kind) => {
    const original = legacyHash[kind](PASSWORD);
    const user = await importUser(original);

    const wrong = await login(user.email, `${PASSWORD}?`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(await storedHash(user.id)).toBe(original);

    const first = await login(user.email, PASSWORD);
    expect(first.status).toBe(200);
    expect(first.body.user).toMatchObject({ id: user.id, email: user.email, status: 'active' });
    const upgraded = await storedHash(user.id);
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(readStoredHash(upgraded)).toMatchObject({ ok: true, needsRehash: false });

    const again = await login(user.email, PASSWORD);
    expect(again.status).toBe(200);
    expect(await storedHash(user.id)).toBe(upgraded);
    expect((await login(user.email, `${PASSWORD}?`)).status).toBe(401);

    const entries = await app.services.audit.list({ targetId: user.id, action: 'auth.password_rehash', limit: 10 });
    expect(entries.map((entry) => entry.details)).toEqual([{ from: FORMAT_OF[kind], to: 'argon2id' }]);
  });

  test('when the argon2id hash already uses at least the current parameters, then a login keeps it', async () => {
    const original = legacyHash.strongArgon2id(PASSWORD);
    const user = await importUser(original);
    expect((await login(user.email, PASSWORD)).status).toBe(200);
    expect(await storedHash(user.id)).toBe(original);
    expect(await app.services.audit.list({ targetId: user.id, action: 'auth.password_rehash', limit: 10 })).toEqual([]);
  });

  test('when a disabled user gives the right password, then the login fails and the old hash stays', async () => {
    const original = legacyHash.bcrypt2b(PASSWORD);
    const user = await importUser(original, 'disabled');
    const res = await login(user.email, PASSWORD);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
    expect(await storedHash(user.id)).toBe(original);
  });

  test('when the e-mail is unknown, then the answer is the one a wrong password gets', async () => {
    const user = await importUser(legacyHash.djangoSha256(PASSWORD));
    const unknown = await login(uniqueEmail('nobody'), PASSWORD);
    const wrong = await login(user.email, 'not their password at all');
    expect([unknown.status, unknown.body]).toEqual([wrong.status, wrong.body]);
  });

  test('when the stored hash is no longer the one a login read, then the upgrade writes nothing', async () => {
    const user = await importUser(legacyHash.scrypt(PASSWORD));
    const read = await storedHash(user.id);
    const changed = legacyHash.strongArgon2id('a password set meanwhile');
    await app.services.users.update(user.id, { passwordHash: changed });
    expect(await app.services.users.replacePasswordHash(user.id, read, 'never written')).toBe(false);
    expect(await storedHash(user.id)).toBe(changed);
    expect((await login(user.email, PASSWORD)).status).toBe(401);
  });
});

describe('admin visibility', () => {
  test('when an admin lists users, then each one says how it came in, and can be filtered by it', async () => {
    const imported = await importUser(legacyHash.bcrypt2y(PASSWORD));
    const registered = await registerAccount(app.http);
    const all = await app.http.get('/v1/admin/users').query({ limit: 200 }).set(bearer(admin.accessToken));
    expect(all.status).toBe(200);
    const sourceOf = (id: string) => all.body.users.find((u: { id: string }) => u.id === id)?.source;
    expect([sourceOf(imported.id), sourceOf(registered.id)]).toEqual(['import', 'registration']);
    expect(JSON.stringify(all.body)).not.toMatch(/\$2y\$|argon2id\$/);

    const onlyImported = await app.http.get('/v1/admin/users').query({ source: 'import', limit: 200 }).set(bearer(admin.accessToken));
    expect(onlyImported.body.users.length).toBeGreaterThan(0);
    expect(onlyImported.body.users.every((u: { source: string }) => u.source === 'import')).toBe(true);
    expect((await app.http.get('/v1/admin/users').query({ source: 'somewhere' }).set(bearer(admin.accessToken))).status).toBe(400);
  });
});
