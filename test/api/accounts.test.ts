import jwt from 'jsonwebtoken';
import { bearer, GOOD_PASSWORD, registerAccount, uniqueEmail } from '../fixtures/accounts';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/test-app';

let app: TestApp;
/** How far this app's clock is ahead of real time: expiry is tested by moving it, not by waiting. */
let clockAheadMs = 0;

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: 'boss@example.com' }, deps: { clock: () => Date.now() + clockAheadMs } });
});
afterAll(() => app.close());

describe('register', () => {
  test('when the input is valid, then the account is created, signed in and linked to MODE', async () => {
    const email = uniqueEmail();
    const res = await app.http.post('/v1/auth/register').send({ email, password: GOOD_PASSWORD, name: 'Ada' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      user: { id: expect.any(String), email, name: 'Ada', role: 'user', status: 'active', createdAt: expect.any(String), link: { status: 'linked', modeUserId: expect.any(Number) } },
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|passwordHash/);
  });

  test('when the email is in ADMIN_EMAILS, then the user is an admin', async () => {
    const res = await app.http.post('/v1/auth/register').send({ email: 'Boss@Example.com', password: GOOD_PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body.user.role).toBe('admin');
    expect(res.body.user.email).toBe('boss@example.com');
  });

  test('when the email is taken (in any letter case), then 409 conflict', async () => {
    const account = await registerAccount(app.http);
    const res = await app.http.post('/v1/auth/register').send({ email: account.email.toUpperCase(), password: GOOD_PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
  });

  test('when the password is weak, then 400 names the password field', async () => {
    const res = await app.http.post('/v1/auth/register').send({ email: uniqueEmail(), password: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.password' })]));
  });

  test('when fields are missing, malformed or unknown, then 400 lists each one', async () => {
    const res = await app.http.post('/v1/auth/register').send({ email: 'not-an-email', extra: 1 });
    expect(res.status).toBe(400);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.password']));
  });

  test('when the body is malformed JSON, then 400 validation_failed', async () => {
    const res = await app.http.post('/v1/auth/register').set('Content-Type', 'application/json').send('{"email": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  test('when the body is larger than the limit, then 413 payload_too_large', async () => {
    const res = await app.http.post('/v1/auth/register').send({ email: uniqueEmail(), password: GOOD_PASSWORD, name: 'x'.repeat(200_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});

describe('login', () => {
  test('when the credentials are right, then tokens and the user come back', async () => {
    const account = await registerAccount(app.http);
    const res = await app.http.post('/v1/auth/login').send({ email: account.email, password: account.password });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(account.id);
    expect(res.body.accessToken).toEqual(expect.any(String));
  });

  test('when the password is wrong or the email unknown, then the same 401 answer', async () => {
    const account = await registerAccount(app.http);
    const wrong = await app.http.post('/v1/auth/login').send({ email: account.email, password: 'wrong password here' });
    const unknown = await app.http.post('/v1/auth/login').send({ email: uniqueEmail(), password: 'wrong password here' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('invalid_credentials');
  });

  test('when the user is disabled, then login is refused and refresh stops working', async () => {
    const account = await registerAccount(app.http);
    await app.services.users.update(account.id, { status: 'disabled' });
    const login = await app.http.post('/v1/auth/login').send({ email: account.email, password: account.password });
    expect(login.status).toBe(401);
    const refresh = await app.http.post('/v1/auth/refresh').send({ refreshToken: account.refreshToken });
    expect(refresh.status).toBe(401);
    const me = await app.http.get('/v1/me').set(bearer(account.accessToken));
    expect(me.status).toBe(401);
  });

  test('when logins happen, then successes and failures are in the audit log without the password', async () => {
    const account = await registerAccount(app.http);
    await app.http.post('/v1/auth/login').send({ email: account.email, password: 'not the password' });
    await app.http.post('/v1/auth/login').send({ email: account.email, password: account.password });
    const entries = await app.services.audit.list({ targetId: account.id, limit: 10 });
    const logins = entries.filter((e) => e.action === 'auth.login').map((e) => e.result);
    expect(logins).toEqual(['success', 'failure']);
    expect(JSON.stringify(entries, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('not the password');
  });
});

describe('access tokens', () => {
  test('when the token is valid, then /v1/me answers the user', async () => {
    const account = await registerAccount(app.http);
    const res = await app.http.get('/v1/me').set(bearer(account.accessToken));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: account.id, email: account.email, link: { status: 'linked' } });
  });

  test('when there is no token, then 401 unauthenticated', async () => {
    const res = await app.http.get('/v1/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  const sign = (claims: object, options: jwt.SignOptions, secret = TEST_JWT_SECRET) =>
    jwt.sign(claims, secret, { issuer: 'mode-bridge', audience: 'mode-bridge:app', expiresIn: 60, ...options });

  test.each([
    ['expired', () => sign({ role: 'user' }, { subject: 'x', expiresIn: -10 })],
    ['signed with another secret', () => sign({ role: 'user' }, { subject: 'x' }, 'another-secret-that-is-long-enough-000000')],
    ['for another audience', () => sign({ role: 'user' }, { subject: 'x', audience: 'someone-else' })],
    ['from another issuer', () => sign({ role: 'user' }, { subject: 'x', issuer: 'evil' })],
    ['alg none', () => jwt.sign({ role: 'admin', sub: 'x', iss: 'mode-bridge', aud: 'mode-bridge:app' }, '', { algorithm: 'none' })],
  ])('when the token is %s, then 401', async (_name, make) => {
    const res = await app.http.get('/v1/me').set(bearer(make()));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  test('when the token was tampered with, then 401, even right after the genuine token was accepted', async () => {
    const account = await registerAccount(app.http);
    expect((await app.http.get('/v1/me').set(bearer(account.accessToken))).status).toBe(200);
    const [header, payload, signature] = account.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const res = await app.http.get('/v1/me').set(bearer(`${header}.${forged}.${signature}`));
    expect(res.status).toBe(401);
  });

  test('when a token that was accepted expires, then it is refused from then on', async () => {
    const account = await registerAccount(app.http);
    const shortLived = sign({ role: 'user' }, { subject: account.id, expiresIn: 60 });
    expect((await app.http.get('/v1/me').set(bearer(shortLived))).status).toBe(200);
    try {
      clockAheadMs = 50_000;
      expect((await app.http.get('/v1/me').set(bearer(shortLived))).status).toBe(200);
      clockAheadMs = 70_000;
      const res = await app.http.get('/v1/me').set(bearer(shortLived));
      expect(res.status).toBe(401);
      expect(res.body.error.message).toBe('The access token has expired');
    } finally {
      clockAheadMs = 0;
    }
  });
});

describe('refresh and logout', () => {
  test('when a refresh token is used, then a new pair comes back and the old token stops working', async () => {
    const account = await registerAccount(app.http);
    const first = await app.http.post('/v1/auth/refresh').send({ refreshToken: account.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
    expect(first.body.refreshToken).not.toBe(account.refreshToken);
    const me = await app.http.get('/v1/me').set(bearer(first.body.accessToken));
    expect(me.status).toBe(200);
  });

  test('when a rotated refresh token is reused, then every token of its family is revoked', async () => {
    const account = await registerAccount(app.http);
    const rotated = await app.http.post('/v1/auth/refresh').send({ refreshToken: account.refreshToken });
    const reuse = await app.http.post('/v1/auth/refresh').send({ refreshToken: account.refreshToken });
    expect(reuse.status).toBe(401);
    const descendant = await app.http.post('/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken });
    expect(descendant.status).toBe(401);
    const audit = await app.services.audit.list({ action: 'auth.refresh_reuse', targetId: account.id, limit: 5 });
    expect(audit).toHaveLength(1);
  });

  test('when one refresh token is used twice at once, then one use wins, the other is reuse, and the whole family is revoked', async () => {
    const account = await registerAccount(app.http);
    const uses = await Promise.all([0, 1].map(() => app.http.post('/v1/auth/refresh').send({ refreshToken: account.refreshToken })));
    expect(uses.map((use) => use.status).sort()).toEqual([200, 401]);
    const winner = uses.find((use) => use.status === 200)!;
    expect((await app.http.post('/v1/auth/refresh').send({ refreshToken: winner.body.refreshToken })).status).toBe(401);
    expect(await app.services.audit.list({ action: 'auth.refresh_reuse', targetId: account.id, limit: 5 })).toHaveLength(1);
  });

  test('when logging out, then 204 and the refresh token stops working', async () => {
    const account = await registerAccount(app.http);
    const res = await app.http.post('/v1/auth/logout').send({ refreshToken: account.refreshToken });
    expect(res.status).toBe(204);
    const refresh = await app.http.post('/v1/auth/refresh').send({ refreshToken: account.refreshToken });
    expect(refresh.status).toBe(401);
  });

  test('when the refresh token is unknown, then 401', async () => {
    const res = await app.http.post('/v1/auth/refresh').send({ refreshToken: 'x'.repeat(43) });
    expect(res.status).toBe(401);
  });
});

describe('routes and errors', () => {
  test('when a route does not exist, then 404 JSON', async () => {
    const res = await app.http.get('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  test('when answering, then helmet headers are set', async () => {
    const res = await app.http.get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
