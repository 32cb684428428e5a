import { bearer, registerAccount, uniqueEmail, type Account } from '../fixtures/accounts';
import { fakeModeRemover } from '../fixtures/admin';
import { registerVerifiedAdmin } from '../fixtures/mail';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let admin: Account;
const adminEmail = uniqueEmail('auditor');

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: adminEmail }, deps: { modeAccountRemover: fakeModeRemover() } });
  admin = await registerVerifiedAdmin(app, adminEmail);
});
afterAll(() => app.close());

interface Entry {
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetId: string | null;
  result: string;
  details: Record<string, unknown>;
}

const audit = (query: Record<string, string | number>, token = admin.accessToken) => app.http.get('/v1/admin/audit').query(query).set(bearer(token));

test('when there is no token, then 401; when a plain user asks, then 403', async () => {
  expect((await app.http.get('/v1/admin/audit')).status).toBe(401);
  const user = await registerAccount(app.http);
  const res = await audit({}, user.accessToken);
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('forbidden');
});

test('when an admin acts on a user, then the entries come back newest first with string IDs', async () => {
  const user = await registerAccount(app.http);
  await app.http.post(`/v1/admin/users/${user.id}/disable`).set(bearer(admin.accessToken));
  await app.http.post(`/v1/admin/users/${user.id}/enable`).set(bearer(admin.accessToken));
  const res = await audit({ targetId: user.id });
  expect(res.status).toBe(200);
  const entries: Entry[] = res.body.entries;
  expect(entries.map((e) => e.action)).toEqual(['admin.user.enable', 'admin.user.disable', 'user.register']);
  expect(entries[0]).toMatchObject({ actorType: 'admin', actorId: admin.id, action: 'admin.user.enable', targetId: user.id, result: 'success', details: { via: 'api' } });
  for (const entry of entries) {
    expect(entry.id).toMatch(/^\d+$/);
    expect(new Date(entry.at).toISOString()).toBe(entry.at);
  }
  const ids = entries.map((e) => BigInt(e.id));
  expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
});

test('when filtering by action and actor, then only those entries come back', async () => {
  const user = await registerAccount(app.http);
  await app.http.post(`/v1/admin/users/${user.id}/promote`).set(bearer(admin.accessToken));
  const res = await audit({ action: 'admin.user.promote', actorId: admin.id });
  expect(res.status).toBe(200);
  expect(res.body.entries.length).toBeGreaterThan(0);
  expect(res.body.entries.every((e: Entry) => e.action === 'admin.user.promote' && e.actorId === admin.id)).toBe(true);
  expect(res.body.entries.map((e: Entry) => e.targetId)).toContain(user.id);
});

test('when paging with the cursor, then every entry comes exactly once and the last page has no cursor', async () => {
  const user = await registerAccount(app.http);
  for (const action of ['disable', 'enable', 'disable', 'enable', 'promote']) {
    await app.http.post(`/v1/admin/users/${user.id}/${action}`).set(bearer(admin.accessToken));
  }
  const all = (await audit({ targetId: user.id, limit: 200 })).body.entries.map((e: Entry) => e.id);
  const paged: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await audit({ targetId: user.id, limit: 2, ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    expect(res.body.entries.length).toBeLessThanOrEqual(2);
    paged.push(...res.body.entries.map((e: Entry) => e.id));
    cursor = res.body.nextCursor;
    pages += 1;
  } while (cursor);
  expect(paged).toEqual(all);
  expect(pages).toBe(Math.ceil(all.length / 2));
});

test('when the cursor or the limit is not valid, then 400 names the field', async () => {
  const res = await audit({ cursor: 'abc', limit: 5000 });
  expect(res.status).toBe(400);
  expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['query.cursor', 'query.limit']));
});

test('when entries are listed, then no password, hash or token appears in them', async () => {
  const user = await registerAccount(app.http);
  await app.http.post('/v1/auth/login').send({ email: user.email, password: 'not the password at all' });
  const res = await audit({ targetId: user.id });
  expect(res.status).toBe(200);
  expect(res.body.entries.map((entry: { action: string }) => entry.action)).toEqual(['auth.login', 'user.register']);
  const text = JSON.stringify(res.body);
  expect(text).not.toContain('not the password at all');
  expect(text).not.toContain(user.refreshToken);
  expect(text).not.toMatch(/argon2/);
});

test('when entries carry quotes, backslashes, braces and non-Latin text, then the log returns them as written', async () => {
  const targetId = `target-${Date.now()}`;
  const details = { reason: 'a "quoted" \\ back\\slash, {braces}, [brackets], commas', name: 'Zoë 日本 ✓', nested: { list: ['x"y', null, 1] } };
  await app.services.audit.recordMany([
    { actorType: 'system', action: 'test.escape', targetType: 'test', targetId, result: 'success', details },
    { actorType: 'system', action: 'test.escape', targetType: 'test', targetId, result: 'success', ip: 'a,"b"' },
  ]);
  const res = await audit({ targetId });
  expect(res.status).toBe(200);
  expect(res.body.entries.map((entry: Entry & { ip: string | null }) => [entry.details, entry.ip])).toEqual([
    [{}, 'a,"b"'],
    [details, null],
  ]);
});
