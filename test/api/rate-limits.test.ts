import { GOOD_PASSWORD, registerAccount, uniqueEmail } from '../fixtures/accounts';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { AUTH_RATE_LIMIT_PER_MIN: '6', LOGIN_FAILURES_PER_ACCOUNT: '3' } });
});
afterAll(() => app.close());

test('when one account keeps failing to log in, then 429 with Retry-After, even with the right password', async () => {
  const account = await registerAccount(app.http);
  for (let i = 0; i < 3; i += 1) {
    const res = await app.http.post('/v1/auth/login').send({ email: account.email, password: 'wrong password!!' });
    expect(res.status).toBe(401);
  }
  const blocked = await app.http.post('/v1/auth/login').send({ email: account.email, password: GOOD_PASSWORD });
  expect(blocked.status).toBe(429);
  expect(blocked.body.error.code).toBe('rate_limited');
  expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
});

test('when one address sends too many refreshes, then 429', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 8; i += 1) {
    statuses.push((await app.http.post('/v1/auth/refresh').send({ refreshToken: 'y'.repeat(43) })).status);
  }
  expect(statuses.slice(0, 6)).toEqual(Array(6).fill(401));
  expect(statuses.slice(6)).toEqual([429, 429]);
});

test('when register is hammered from one address, then 429', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    statuses.push((await app.http.post('/v1/auth/register').send({ email: uniqueEmail(), password: 'short' })).status);
  }
  expect(statuses).toContain(429);
});
