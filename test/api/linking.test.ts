import { bearer, GOOD_PASSWORD, registerAccount, uniqueEmail } from '../fixtures/accounts';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ mode: { breaker: { volumeThreshold: 4, resetTimeoutMs: 60_000, rollingCountTimeoutMs: 10_000, errorThresholdPercentage: 50 } } });
});
afterAll(() => app.close());
afterEach(() => app.emulator.control.setFault(null));

const modeCalls = (path: string) => app.emulator.control.requests().filter((r) => `${r.method} ${r.path}` === path);
const linkRow = (userId: string) => app.database.db.prisma.modeLink.findUniqueOrThrow({ where: { userId } });
const makeDue = (userId: string) => app.database.db.prisma.modeLink.update({ where: { userId }, data: { nextAttemptAt: new Date(0) } });

test('when MODE is up, then registration links the user: a MODE user, then its key, both with the project key', async () => {
  const before = modeCalls('POST /users').length;
  const account = await registerAccount(app.http);
  expect(account.user.link).toEqual({ status: 'linked', modeUserId: expect.any(Number) });

  const createUser = modeCalls('POST /users').slice(before)[0]!;
  expect(createUser.authorization).toBe(`ModeCloud ${app.emulator.projectKey}`);
  expect(createUser.contentType).toMatch(/application\/json/);
  expect(createUser.body).toEqual({ projectId: app.emulator.projectId });
  const issueKey = modeCalls('POST /auth/user').at(-1)!;
  expect(issueKey.contentType).toMatch(/application\/x-www-form-urlencoded/);
  expect(issueKey.authorization).toBe(`ModeCloud ${app.emulator.projectKey}`);

  const row = await linkRow(account.id);
  expect(row.encryptedKey).toEqual(expect.any(String));
  expect(row.keyId).toBe(app.services.secretBox.currentKeyId);
  const emulatorState = JSON.stringify(app.emulator.control.getState());
  expect(emulatorState).not.toContain(row.encryptedKey!);
});

test('when MODE is down during registration, then the account is created pending and linked by the background retry', async () => {
  app.emulator.control.setFault({ kind: 'status', status: 503 });
  const account = await registerAccount(app.http);
  expect(account.user.link).toEqual({ status: 'pending', modeUserId: null });
  const pending = await linkRow(account.id);
  expect(pending.attempts).toBe(1);
  expect(pending.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());

  app.emulator.control.setFault(null);
  await makeDue(account.id);
  await app.services.linking.linkDue(10);
  const me = await app.http.get('/v1/me').set(bearer(account.accessToken));
  expect(me.body.link).toEqual({ status: 'linked', modeUserId: expect.any(Number) });
});

test('when MODE fails between creating the user and issuing its key, then the MODE user is reused, never duplicated', async () => {
  app.emulator.control.setFault({ kind: 'status', status: 503, paths: '^POST /auth/user' });
  const before = modeCalls('POST /users').length;
  const account = await registerAccount(app.http);
  const half = await linkRow(account.id);
  expect(half.status).toBe('pending');
  expect(half.modeUserId).toEqual(expect.any(Number));

  app.emulator.control.setFault(null);
  const linked = await app.services.linking.ensureLinked(account.id);
  expect(linked.modeUserId).toBe(half.modeUserId);
  expect(modeCalls('POST /users').length - before).toBe(1);
});

test('when the connection drops while creating the user, then the call is not retried and the link stays pending', async () => {
  app.emulator.control.setFault({ kind: 'drop', paths: '^POST /users', count: 1 });
  const before = modeCalls('POST /users').length;
  const account = await registerAccount(app.http);
  expect(account.user.link.status).toBe('pending');
  expect(modeCalls('POST /users').length - before).toBe(1);
});

test('when MODE revoked the stored user key, then a new key is issued, stored and the call retried once', async () => {
  const account = await registerAccount(app.http);
  const oldRow = await linkRow(account.id);
  app.emulator.control.revokeUserKeys(account.user.link.modeUserId!);

  const session = await app.services.linking.withUserKey(account.id, (key) => app.services.mode.getUserSession(key));
  expect(session.userId).toBe(account.user.link.modeUserId);
  const newRow = await linkRow(account.id);
  expect(newRow.encryptedKey).not.toBe(oldRow.encryptedKey);
});

test('when two links of one user are requested at once, then one MODE user is created', async () => {
  app.emulator.control.setFault({ kind: 'status', status: 503 });
  const account = await registerAccount(app.http);
  app.emulator.control.setFault(null);
  const before = modeCalls('POST /users').length;
  const [a, b] = await Promise.all([app.services.linking.ensureLinked(account.id), app.services.linking.ensureLinked(account.id)]);
  expect(a.modeUserId).toBe(b.modeUserId);
  expect(modeCalls('POST /users').length - before).toBe(1);
});

test('when a MODE outage trips the breaker, then registrations still succeed and stop reaching MODE', async () => {
  // An app of its own: the breaker it opens stays open for its reset time, which other tests must not inherit.
  const own = await startTestApp({ mode: { breaker: { volumeThreshold: 4, resetTimeoutMs: 60_000, rollingCountTimeoutMs: 10_000, errorThresholdPercentage: 50 } } });
  try {
    own.emulator.control.setFault({ kind: 'status', status: 503 });
    // Earlier successes in the rolling window dilute the error rate, so keep going until it opens.
    for (let i = 0; i < 40 && !own.services.mode.isOpen(); i += 1) {
      const res = await own.http.post('/v1/auth/register').send({ email: uniqueEmail('outage'), password: GOOD_PASSWORD });
      expect(res.status).toBe(201);
    }
    expect(own.services.mode.isOpen()).toBe(true);
    const before = own.emulator.control.requests().length;
    const res = await own.http.post('/v1/auth/register').send({ email: uniqueEmail('outage'), password: GOOD_PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body.user.link.status).toBe('pending');
    expect(own.emulator.control.requests().length).toBe(before);
    expect((await own.http.get('/metrics')).text).toMatch(/mode_requests_total\{method="POST",route="\/users",outcome="circuit_open"\}/);
  } finally {
    await own.close();
  }
});
