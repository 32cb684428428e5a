import { connectRedis, redisRateLimitStores } from '../../src/lib/redis';
import { createLogger } from '../../src/lib/logger';
import { bearer, GOOD_PASSWORD, registerAccount, uniqueEmail } from '../fixtures/accounts';
import { describeNeeding, needs, redisUrl } from '../support/requirements';
import { startTestApp, type TestApp } from '../support/test-app';

// Limits count per client address (X-Forwarded-For from loopback is trusted in tests), so each
// test uses addresses of its own and no test depends on what another one spent.

let app: TestApp;
let addresses = 0;
const newAddress = () => `203.0.113.${(addresses += 1)}`;

beforeAll(async () => {
  app = await startTestApp({ env: { AUTH_RATE_LIMIT_PER_MIN: '6', LOGIN_FAILURES_PER_ACCOUNT: '3', API_RATE_LIMIT_PER_MIN: '4' } });
});
afterAll(() => app.close());

test('when one account keeps failing to log in, then 429 with Retry-After from the fourth try, even with the right password', async () => {
  const account = await registerAccount(app.http);
  for (let i = 0; i < 3; i += 1) {
    const res = await app.http.post('/v1/auth/login').set('x-forwarded-for', newAddress()).send({ email: account.email, password: 'wrong password!!' });
    expect(res.status).toBe(401);
  }
  const blocked = await app.http.post('/v1/auth/login').set('x-forwarded-for', newAddress()).send({ email: account.email, password: GOOD_PASSWORD });
  expect(blocked.status).toBe(429);
  expect(blocked.body.error.code).toBe('rate_limited');
  expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
});

test('when one address sends too many refreshes, then the seventh is 429', async () => {
  const address = newAddress();
  const statuses: number[] = [];
  for (let i = 0; i < 8; i += 1) {
    statuses.push((await app.http.post('/v1/auth/refresh').set('x-forwarded-for', address).send({ refreshToken: 'y'.repeat(43) })).status);
  }
  expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
  const elsewhere = await app.http.post('/v1/auth/refresh').set('x-forwarded-for', newAddress()).send({ refreshToken: 'y'.repeat(43) });
  expect(elsewhere.status).toBe(401);
});

test('when register is hammered from one address, then the seventh is 429', async () => {
  const address = newAddress();
  const statuses: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    statuses.push((await app.http.post('/v1/auth/register').set('x-forwarded-for', address).send({ email: uniqueEmail(), password: 'short' })).status);
  }
  expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 429]);
});

test('when a user exceeds API_RATE_LIMIT_PER_MIN, then 429 for them only', async () => {
  const busy = await registerAccount(app.http);
  const other = await registerAccount(app.http);
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) statuses.push((await app.http.get('/v1/homes').set(bearer(busy.accessToken))).status);
  expect(statuses).toEqual([200, 200, 200, 200, 429]);
  expect((await app.http.get('/v1/homes').set(bearer(other.accessToken))).status).toBe(200);
});

describeNeeding([needs.redis], 'when Redis, which holds the shared counters, goes away', () => {
  let down: TestApp;
  let connections: Awaited<ReturnType<typeof connectRedis>>;
  const warnings: string[] = [];

  beforeAll(async () => {
    connections = await connectRedis(redisUrl!, createLogger('silent'));
    const logger = createLogger('silent');
    logger.warn = ((_fields: unknown, message: string) => void warnings.push(message)) as typeof logger.warn;
    down = await startTestApp({ env: { AUTH_RATE_LIMIT_PER_MIN: '3' }, deps: { rateLimitStores: redisRateLimitStores(connections.client, logger) } });
  });
  afterAll(async () => {
    await down.close();
    await connections.close();
  });

  test('then each instance still enforces the limits with its own counters, and says so once per limiter', async () => {
    const address = newAddress();
    const login = () => down.http.post('/v1/auth/login').set('x-forwarded-for', address).send({ email: uniqueEmail(), password: 'whatever password' });
    expect((await login()).status).toBe(401); // counted in Redis
    connections.client.disconnect();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await login()).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(warnings.filter((message) => message.startsWith('rate limits fall back'))).toHaveLength(2); // per address and per account
  });
});

describeNeeding([needs.redis], 'when the counters are shared through Redis', () => {
  let first: TestApp;
  let second: TestApp;
  let connections: Awaited<ReturnType<typeof connectRedis>>;

  beforeAll(async () => {
    connections = await connectRedis(redisUrl!, createLogger('silent'));
    const stores = redisRateLimitStores(connections.client, createLogger('silent'));
    const env = { AUTH_RATE_LIMIT_PER_MIN: '4' };
    [first, second] = await Promise.all([startTestApp({ env, deps: { rateLimitStores: stores } }), startTestApp({ env, deps: { rateLimitStores: stores } })]);
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    await connections.close();
  });

  test('then requests to two instances count against one limit', async () => {
    const address = `198.51.100.${process.pid % 250}`;
    await connections.client.del(`rl:refresh:${address}`);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const app = i % 2 === 0 ? first : second;
      statuses.push((await app.http.post('/v1/auth/refresh').set('x-forwarded-for', address).send({ refreshToken: 'z'.repeat(43) })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });
});
