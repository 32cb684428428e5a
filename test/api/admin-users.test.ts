import { bearer, registerAccount, uniqueEmail, type Account } from '../fixtures/accounts';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let admin: Account;
const adminEmail = uniqueEmail('admin');

// MODE users are removed by the real remover (DELETE /users/:id with the project key) in the emulator.
beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: adminEmail } });
  admin = await registerAccount(app.http, { email: adminEmail });
});
afterAll(() => app.close());
afterEach(() => {
  app.emulator.control.setFault(null);
});

const modeUserIds = () => (app.emulator.control.getState() as { users: { id: number }[] }).users.map((user) => user.id);
const modeDeletes = () => app.emulator.control.requests().filter((logged) => logged.method === 'DELETE' && logged.path.startsWith('/users/'));

const asAdmin = (token = admin.accessToken) => bearer(token);
const auditFor = (targetId: string, action: string) => app.services.audit.list({ targetId, action, limit: 10 });

describe('access', () => {
  test('when there is no token, then every admin route answers 401', async () => {
    const user = await registerAccount(app.http);
    for (const call of [app.http.get('/v1/admin/users'), app.http.get(`/v1/admin/users/${user.id}`), app.http.post(`/v1/admin/users/${user.id}/disable`), app.http.delete(`/v1/admin/users/${user.id}`)]) {
      const res = await call;
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
  });

  test('when a plain user calls admin routes, then 403 and nothing changes', async () => {
    const user = await registerAccount(app.http);
    const victim = await registerAccount(app.http);
    expect((await app.http.get('/v1/admin/users').set(bearer(user.accessToken))).status).toBe(403);
    const res = await app.http.post(`/v1/admin/users/${victim.id}/disable`).set(bearer(user.accessToken));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect((await app.services.users.findById(victim.id))?.status).toBe('active');
  });
});

describe('listing and reading', () => {
  test('when searching by part of the email, then matching users come newest first, page by page', async () => {
    const tag = `find${Date.now().toString(36)}`;
    const created: Account[] = [];
    for (let i = 0; i < 3; i += 1) created.push(await registerAccount(app.http, { email: uniqueEmail(tag) }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string | number> = { email: tag.toUpperCase(), limit: 2, ...(cursor ? { cursor } : {}) };
      const res = await app.http.get('/v1/admin/users').query(query).set(asAdmin());
      expect(res.status).toBe(200);
      seen.push(...res.body.users.map((u: { id: string }) => u.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    // Registration hashes a password (tens of ms), so creation times differ and order is strict.
    expect(seen).toEqual(created.map((a) => a.id).reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('when filtering by status, then only users with that status come back', async () => {
    const user = await registerAccount(app.http);
    await app.http.post(`/v1/admin/users/${user.id}/disable`).set(asAdmin());
    const res = await app.http.get('/v1/admin/users').query({ status: 'disabled', limit: 200 }).set(asAdmin());
    expect(res.body.users.length).toBeGreaterThan(0);
    expect(res.body.users.every((u: { status: string }) => u.status === 'disabled')).toBe(true);
    expect(res.body.users.map((u: { id: string }) => u.id)).toContain(user.id);
  });

  test('when the cursor or the status is not valid, then 400 names the field', async () => {
    const res = await app.http.get('/v1/admin/users').query({ cursor: 'garbage', status: 'sleeping' }).set(asAdmin());
    expect(res.status).toBe(400);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['query.status']));
    const cursor = await app.http.get('/v1/admin/users').query({ cursor: 'garbage' }).set(asAdmin());
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.details[0].field).toBe('query.cursor');
  });

  test('when reading one user, then the admin view comes back without any secret', async () => {
    const user = await registerAccount(app.http, { name: 'Grace' });
    const res = await app.http.get(`/v1/admin/users/${user.id}`).set(asAdmin());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, email: user.email, name: 'Grace', role: 'user', status: 'active', hasPassword: true, disabledAt: null });
    expect(Object.keys(res.body.link).sort()).toEqual(['lastError', 'modeUserId', 'status']);
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|passwordHash|encryptedKey/);
  });

  test('when the user does not exist, then 404; when the id is not a UUID, then 400', async () => {
    expect((await app.http.get('/v1/admin/users/00000000-0000-4000-8000-000000000000').set(asAdmin())).status).toBe(404);
    expect((await app.http.get('/v1/admin/users/not-a-uuid').set(asAdmin())).status).toBe(400);
  });
});

describe('lifecycle', () => {
  test('when an admin disables a user, then sessions end, login is refused and the audit log says who did it', async () => {
    const user = await registerAccount(app.http);
    const res = await app.http.post(`/v1/admin/users/${user.id}/disable`).set(asAdmin());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, status: 'disabled', disabledAt: expect.any(String) });
    expect((await app.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken })).status).toBe(401);
    expect((await app.http.post('/v1/auth/login').send({ email: user.email, password: user.password })).status).toBe(401);
    const tokens = await app.database.db.prisma.refreshToken.findMany({ where: { userId: user.id } });
    expect(tokens.every((t) => t.revokedAt !== null)).toBe(true);
    const [entry] = await auditFor(user.id, 'admin.user.disable');
    expect(entry).toMatchObject({ actorType: 'admin', actorId: admin.id, targetType: 'user', targetId: user.id, result: 'success' });
    expect(entry!.details).toMatchObject({ via: 'api', from: 'active', to: 'disabled', revokedTokens: 1 });
  });

  test('when a disabled user is enabled, then they can sign in again', async () => {
    const user = await registerAccount(app.http);
    await app.http.post(`/v1/admin/users/${user.id}/disable`).set(asAdmin());
    const res = await app.http.post(`/v1/admin/users/${user.id}/enable`).set(asAdmin());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'active', disabledAt: null });
    expect((await app.http.post('/v1/auth/login').send({ email: user.email, password: user.password })).status).toBe(200);
    expect(await auditFor(user.id, 'admin.user.enable')).toHaveLength(1);
  });

  test('when an action changes nothing, then 200 with the same user and the audit entry says unchanged', async () => {
    const user = await registerAccount(app.http);
    const res = await app.http.post(`/v1/admin/users/${user.id}/enable`).set(asAdmin());
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('active');
    const [entry] = await auditFor(user.id, 'admin.user.enable');
    expect(entry!.details).toMatchObject({ changed: false });
  });

  test('when a user is promoted, then admin routes open to them at once; when demoted, they close again', async () => {
    const user = await registerAccount(app.http);
    const promoted = await app.http.post(`/v1/admin/users/${user.id}/promote`).set(asAdmin());
    expect(promoted.body.role).toBe('admin');
    expect((await app.http.get('/v1/admin/users').set(bearer(user.accessToken))).status).toBe(200);
    const demoted = await app.http.post(`/v1/admin/users/${user.id}/demote`).set(asAdmin());
    expect(demoted.body.role).toBe('user');
    expect((await app.http.get('/v1/admin/users').set(bearer(user.accessToken))).status).toBe(403);
    expect((await auditFor(user.id, 'admin.user.promote'))[0]!.details).toMatchObject({ from: 'user', to: 'admin' });
    expect((await auditFor(user.id, 'admin.user.demote'))[0]!.details).toMatchObject({ from: 'admin', to: 'user' });
  });

  test.each(['disable', 'demote'])('when an admin tries to %s themself, then 409 and a denied audit entry', async (action) => {
    const res = await app.http.post(`/v1/admin/users/${admin.id}/${action}`).set(asAdmin());
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
    const me = await app.services.users.findById(admin.id);
    expect(me).toMatchObject({ role: 'admin', status: 'active' });
    expect((await auditFor(admin.id, `admin.user.${action}`))[0]).toMatchObject({ result: 'denied', actorId: admin.id });
  });

  test('when an admin tries to delete themself, then 409 and the account stays', async () => {
    const res = await app.http.delete(`/v1/admin/users/${admin.id}`).set(asAdmin());
    expect(res.status).toBe(409);
    expect(await app.services.users.findById(admin.id)).not.toBeNull();
  });

  test('when a linked user is deleted, then the MODE user is removed, the account is gone and sessions end', async () => {
    const user = await registerAccount(app.http);
    const modeUserId = (await app.services.users.findById(user.id))!.link!.modeUserId;
    expect(modeUserIds()).toContain(modeUserId);
    const res = await app.http.delete(`/v1/admin/users/${user.id}`).set(asAdmin());
    expect(res.status).toBe(204);
    expect(modeUserIds()).not.toContain(modeUserId);
    expect(modeDeletes().at(-1)).toMatchObject({ path: `/users/${modeUserId}`, authorization: `ModeCloud ${app.emulator.projectKey}` });
    expect((await app.http.get(`/v1/admin/users/${user.id}`).set(asAdmin())).status).toBe(404);
    expect((await app.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken })).status).toBe(401);
    const [entry] = await auditFor(user.id, 'admin.user.delete');
    expect(entry).toMatchObject({ actorType: 'admin', actorId: admin.id, result: 'success' });
    expect(entry!.details).toMatchObject({ email: user.email, modeUserId });
  });

  test('when MODE answers 503 to the removal, then 503, the user stays disabled, and a retry finishes the delete', async () => {
    const user = await registerAccount(app.http);
    const modeUserId = (await app.services.users.findById(user.id))!.link!.modeUserId;
    app.emulator.control.setFault({ kind: 'status', status: 503, paths: '^DELETE /users/' });
    const failed = await app.http.delete(`/v1/admin/users/${user.id}`).set(asAdmin());
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('upstream_unavailable');
    expect((await app.services.users.findById(user.id))?.status).toBe('disabled');
    expect(modeUserIds()).toContain(modeUserId);
    expect((await auditFor(user.id, 'admin.user.delete'))[0]).toMatchObject({ result: 'failure' });

    app.emulator.control.setFault(null);
    expect((await app.http.delete(`/v1/admin/users/${user.id}`).set(asAdmin())).status).toBe(204);
    expect(await app.services.users.findById(user.id)).toBeNull();
    expect(modeUserIds()).not.toContain(modeUserId);
  });

  test('when MODE no longer has the user (404), then the removal counts as done and the account is deleted', async () => {
    const user = await registerAccount(app.http);
    const gone = 900_000_000 + Math.floor(Math.random() * 1_000_000);
    await app.database.db.prisma.modeLink.update({ where: { userId: user.id }, data: { modeUserId: gone } });
    const res = await app.http.delete(`/v1/admin/users/${user.id}`).set(asAdmin());
    expect(res.status).toBe(204);
    expect(modeDeletes().at(-1)).toMatchObject({ path: `/users/${gone}` });
    expect(await app.services.users.findById(user.id)).toBeNull();
  });
});

test('when the OpenAPI document is read, then the admin routes are in it with the self-protection answer', async () => {
  const res = await app.http.get('/openapi.json');
  expect(res.status).toBe(200);
  expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/v1/admin/users', '/v1/admin/users/{id}', '/v1/admin/users/{id}/disable', '/v1/admin/audit']));
  expect(res.body.paths['/v1/admin/users/{id}/disable'].post.responses['409']).toBeDefined();
  expect(res.body.paths['/v1/admin/users/{id}'].delete.responses['204']).toBeDefined();
  expect(res.body.components.schemas.AdminUser).toBeDefined();
});
