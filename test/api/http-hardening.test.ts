import { GOOD_PASSWORD, registerAccount } from '../fixtures/accounts';
import { startTestApp, type TestApp } from '../support/test-app';

// Answers that carry tokens are never cached, /metrics can demand a token, and the docs page's
// content security policy works over plain HTTP.

const METRICS_TOKEN = 'metrics-Zq8fK2pLw9XvB4nR7tYc';
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { METRICS_TOKEN } });
});
afterAll(() => app.close());

test('when tokens are issued (register, login, refresh), then every answer says Cache-Control: no-store', async () => {
  const account = await registerAccount(app.http);
  const login = await app.http.post('/v1/auth/login').send({ email: account.email, password: GOOD_PASSWORD });
  const refresh = await app.http.post('/v1/auth/refresh').send({ refreshToken: login.body.refreshToken });
  const failed = await app.http.post('/v1/auth/login').send({ email: account.email, password: 'not the password at all' });
  for (const res of [login, refresh, failed]) expect(res.headers['cache-control']).toBe('no-store');
  expect(refresh.status).toBe(200);
});

test('when METRICS_TOKEN is set, then /metrics answers 401 without it or with another and 200 with it', async () => {
  const none = await app.http.get('/metrics');
  const wrong = await app.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`);
  const right = await app.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
  expect(none.status).toBe(401);
  expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
  expect(none.body.error.code).toBe('unauthenticated');
  expect(none.text).not.toContain('http_requests_total');
  expect(wrong.status).toBe(401);
  expect(right.status).toBe(200);
  expect(right.text).toContain('http_requests_total');
});

test('when the docs are served, then the content security policy does not upgrade their requests to https', async () => {
  const res = await app.http.get('/docs/').redirects(1).set('Host', 'bridge.internal:8080');
  expect(res.status).toBe(200);
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('upgrade-insecure-requests');
});
