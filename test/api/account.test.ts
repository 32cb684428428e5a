import { bearer, GOOD_PASSWORD, registerAccount, uniqueEmail, type Account } from '../fixtures/accounts';
import { eventually, openStream } from '../fixtures/events';
import { MODE_USER_DELETE_TOPIC } from '../../src/modules/linking/mode-user-deletion';
import { startTestApp, type TestApp } from '../support/test-app';

// The signed-in user's own account: renaming it, and deleting it with everything that refers to it.

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const prisma = () => app.database.db.prisma;
interface EmulatorState {
  users: Array<{ id: number }>;
  userKeys: Array<{ userId: number; key: string }>;
}
const emulatorState = () => app.emulator.control.getState() as EmulatorState;
const modeUserExists = (modeUserId: number) => emulatorState().users.some((user) => user.id === modeUserId);

describe('PATCH /v1/me', () => {
  test('when the name is valid, then 200 with the user, trimmed, and /v1/me shows it', async () => {
    const account = await registerAccount(app.http);

    const res = await app.http.patch('/v1/me').set(bearer(account.accessToken)).send({ name: '  Ada Lovelace  ' });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...account.user, name: 'Ada Lovelace' });
    expect((await app.http.get('/v1/me').set(bearer(account.accessToken))).body.name).toBe('Ada Lovelace');
  });

  test('when the name is empty, blank, too long, holds control characters or unknown fields come along, then 400 naming each', async () => {
    const account = await registerAccount(app.http);
    for (const body of [{ name: '' }, { name: '   ' }, { name: 'x'.repeat(201) }, { name: 'Ada\u0000' }, { name: 'Ada\nLovelace' }, { name: 'Ada\u2028Lovelace' }, { name: 'Ada\u007fLovelace' }, { name: 42 }, {}]) {
      const res = await app.http.patch('/v1/me').set(bearer(account.accessToken)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.name' })]));
    }
    const extra = await app.http.patch('/v1/me').set(bearer(account.accessToken)).send({ name: 'Ada', role: 'admin' });
    expect(extra.status).toBe(400);
    expect((await app.http.get('/v1/me').set(bearer(account.accessToken))).body).toMatchObject({ name: 'Test User', role: 'user' });
  });

  test('when a name of 200 characters in another script is sent, then it is kept as is', async () => {
    const account = await registerAccount(app.http);
    const name = 'Łódź 東京 '.repeat(20).trim().slice(0, 200);
    const res = await app.http.patch('/v1/me').set(bearer(account.accessToken)).send({ name });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe(name);
  });

  test('when no access token is given, then 401', async () => {
    expect((await app.http.patch('/v1/me').send({ name: 'Nobody' })).status).toBe(401);
  });
});

describe('DELETE /v1/me', () => {
  async function accountWithTraces(): Promise<Account & { modeUserId: number }> {
    const account = await registerAccount(app.http);
    await app.http.post('/v1/auth/login').send({ email: account.email, password: account.password }).expect(200);
    await app.services.notifications.notifyUser({ userId: account.id, kind: 'test', title: 'Hello' });
    await app.http.put('/v1/notifications/preferences').set(bearer(account.accessToken)).send({ preferences: [{ eventType: '*', inbox: true, email: true, webhook: false }] }).expect(200);
    const modeUserId = account.user.link.modeUserId!;
    expect(modeUserExists(modeUserId)).toBe(true);
    return { ...account, modeUserId };
  }

  test('when the password is right, then 204, the account and what refers to it are gone, and the MODE user is deleted by the job', async () => {
    const account = await accountWithTraces();
    const stranger = await registerAccount(app.http);

    const res = await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: account.password });

    expect(res.status).toBe(204);
    const userId = account.id;
    expect(await prisma().user.findUnique({ where: { id: userId } })).toBeNull();
    expect(await prisma().modeLink.count({ where: { userId } })).toBe(0);
    expect(await prisma().session.count({ where: { userId } })).toBe(0);
    expect(await prisma().refreshToken.count({ where: { userId } })).toBe(0);
    expect(await prisma().notification.count({ where: { userId } })).toBe(0);
    expect(await prisma().notificationPreference.count({ where: { userId } })).toBe(0);
    expect(await prisma().outboxMessage.count({ where: { status: 'pending', payload: { path: ['to'], equals: account.email } } })).toBe(0);
    expect(await prisma().auditEntry.findFirst({ where: { action: 'user.delete', targetId: userId, result: 'success' } })).toMatchObject({ actorId: userId, details: { modeUserId: account.modeUserId } });
    const job = await prisma().outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: `mode-user-delete:${account.modeUserId}` } });
    expect(job.topic).toBe(MODE_USER_DELETE_TOPIC);
    // The user's key is in the job only sealed.
    expect(JSON.stringify(job.payload)).toMatch(/"ciphertext"/);

    await app.services.outbox.dispatcher.drain();

    expect(modeUserExists(account.modeUserId)).toBe(false);
    expect((await prisma().outboxMessage.findUniqueOrThrow({ where: { id: job.id } })).status).toBe('sent');
    const deleteCall = app.emulator.control.requests().find((call) => call.method === 'DELETE' && call.path === `/users/${account.modeUserId}`);
    // With the user's own key, as MODE's reference asks, not the project key.
    expect(deleteCall?.authorization).toMatch(/^ModeCloud \S+$/);
    expect(deleteCall?.authorization).not.toContain(app.emulator.projectKey);
    expect(await prisma().auditEntry.findFirst({ where: { action: 'mode.user_delete', targetId: String(account.modeUserId) } })).toMatchObject({ result: 'success', details: expect.objectContaining({ userId, how: 'deleted' }) });
    // Nobody else was touched.
    expect((await app.http.get('/v1/me').set(bearer(stranger.accessToken))).status).toBe(200);
    expect(modeUserExists(stranger.user.link.modeUserId!)).toBe(true);
  });

  test('when the account is deleted, then its access token answers 401 on every authenticated route and its refresh token and password no longer work', async () => {
    const account = await registerAccount(app.http);
    await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: account.password }).expect(204);

    const document = (await app.http.get('/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        // Operations that ask for a user's token (public ones declare `security: []`; /metrics asks for METRICS_TOKEN).
        .filter(([, operation]) => operation.security !== undefined && operation.security.length > 0 && !path.startsWith('/metrics'))
        .map(([method, _operation]) => ({ method, path: path.replace(/\{[^}]+\}/g, '1') })),
    );
    expect(operations.length).toBeGreaterThan(20);
    for (const { method, path } of operations) {
      const res = await (app.http as unknown as Record<string, (url: string) => ReturnType<typeof app.http.get>>)[method]!(path).set(bearer(account.accessToken));
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
    }
    expect((await app.http.post('/v1/auth/refresh').send({ refreshToken: account.refreshToken })).status).toBe(401);
    const login = await app.http.post('/v1/auth/login').send({ email: account.email, password: account.password });
    expect(login.status).toBe(401);
    expect(login.body.error.code).toBe('invalid_credentials');
  });

  test('when the account is deleted while its event stream is open, then the stream ends', async () => {
    const account = await registerAccount(app.http);
    const stream = await openStream(app, account.accessToken);
    try {
      expect(stream.status).toBe(200);
      expect(app.services.stream.connectionCount(account.id)).toBe(1);

      await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: account.password }).expect(204);

      // The account change reaches every instance's streams through the change bus, so it ends soon after, not within the answer.
      await eventually(() => (app.services.stream.connectionCount(account.id) === 0 ? true : undefined));
      expect(app.services.stream.connectionCount(account.id)).toBe(0);
    } finally {
      stream.close();
    }
  });

  test('when the account is deleted, then its e-mail address can register again as a new account', async () => {
    const account = await registerAccount(app.http);
    await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: account.password }).expect(204);

    const again = await registerAccount(app.http, { email: account.email });

    expect(again.id).not.toBe(account.id);
  });

  test('when the password is wrong, then 401 invalid_credentials and nothing is deleted', async () => {
    const account = await accountWithTraces();

    const res = await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: 'not the right password' });

    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
    expect(await prisma().user.count({ where: { id: account.id } })).toBe(1);
    expect(await prisma().notification.count({ where: { userId: account.id } })).toBe(1);
    expect(await prisma().outboxMessage.count({ where: { topic: MODE_USER_DELETE_TOPIC, payload: { path: ['userId'], equals: account.id } } })).toBe(0);
    expect(modeUserExists(account.modeUserId)).toBe(true);
    expect((await app.http.get('/v1/me').set(bearer(account.accessToken))).status).toBe(200);
    expect(await prisma().auditEntry.findFirst({ where: { action: 'user.delete', targetId: account.id, result: 'failure' } })).toMatchObject({ details: { reason: 'wrong_password' } });
  });

  test('when the body is missing the password or carries more, then 400 and nothing is deleted', async () => {
    const account = await registerAccount(app.http);
    for (const body of [{}, { password: '' }, { password: account.password, force: true }]) {
      const res = await app.http.delete('/v1/me').set(bearer(account.accessToken)).send(body);
      expect(res.status).toBe(400);
    }
    expect(await prisma().user.count({ where: { id: account.id } })).toBe(1);
  });

  test('when no access token is given, then 401', async () => {
    expect((await app.http.delete('/v1/me').send({ password: GOOD_PASSWORD })).status).toBe(401);
  });

  test('when the account has never reached MODE, then it is deleted and no MODE job is queued', async () => {
    app.emulator.control.setFault({ kind: 'status', status: 503, paths: '^POST /users$' });
    let account: Account;
    try {
      account = await registerAccount(app.http, { email: uniqueEmail('unlinked') });
    } finally {
      app.emulator.control.setFault(null);
    }
    expect(account.user.link).toEqual({ status: 'pending', modeUserId: null });

    expect((await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: account.password })).status).toBe(204);

    expect(await prisma().user.count({ where: { id: account.id } })).toBe(0);
    expect(await prisma().outboxMessage.count({ where: { topic: MODE_USER_DELETE_TOPIC, payload: { path: ['userId'], equals: account.id } } })).toBe(0);
  });

  test('when the account is being connected to MODE at this moment, then 503 and nothing is deleted', async () => {
    app.emulator.control.setFault({ kind: 'status', status: 503, paths: '^POST /users$' });
    let account: Account;
    try {
      account = await registerAccount(app.http, { email: uniqueEmail('linking') });
    } finally {
      app.emulator.control.setFault(null);
    }
    // What a linking attempt in flight holds: the lease, before MODE has answered with a user.
    await prisma().modeLink.update({ where: { userId: account.id }, data: { leaseUntil: new Date(Date.now() + 60_000) } });

    const res = await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: account.password });

    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('upstream_unavailable');
    expect(await prisma().user.count({ where: { id: account.id } })).toBe(1);
  });
});

describe('DELETE /v1/me rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ env: { LOGIN_FAILURES_PER_ACCOUNT: '2' } });
  });
  afterAll(() => limited.close());

  test('when the password is wrong more often than login allows, then 429 with Retry-After, even with the right password', async () => {
    const account = await registerAccount(limited.http);
    const attempt = (password: string) => limited.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password });
    expect((await attempt('wrong password one')).status).toBe(401);
    expect((await attempt('wrong password two')).status).toBe(401);

    const res = await attempt(account.password);

    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await limited.database.db.prisma.user.count({ where: { id: account.id } })).toBe(1);
  });
});
