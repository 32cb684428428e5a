import { bearer, registerAccount } from '../fixtures/accounts';
import { ConfigError, loadConfig } from '../../src/lib/config';
import { PREFLIGHT_MAX_AGE_SECONDS } from '../../src/http/cors';
import { startTestApp, type TestApp } from '../support/test-app';
import { productionEnv } from '../fixtures/production-env';

// CORS from CORS_ORIGINS: the listed origins get answers a browser lets the app read, preflights
// included; any other origin gets no CORS header at all; unset, nothing changes.

const APP_ORIGIN = 'https://app.example.com';
const OTHER_ORIGIN = 'https://evil.example.net';

const corsHeaders = (headers: Record<string, string>) => Object.keys(headers).filter((name) => name.startsWith('access-control-'));

describe('with CORS_ORIGINS listing origins', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { CORS_ORIGINS: `${APP_ORIGIN}, https://admin.example.com:8443` } });
  });
  afterAll(() => app.close());

  test('when an allowed origin preflights a call with the API’s headers, then 204 with its origin, the methods, the headers and a max age', async () => {
    const res = await app.http
      .options('/v1/me/sessions/0b7c5a8e-1d2f-4c3b-9a8e-7f6d5c4b3a21')
      .set('Origin', APP_ORIGIN)
      .set('Access-Control-Request-Method', 'DELETE')
      .set('Access-Control-Request-Headers', 'authorization, content-type, x-on-behalf-of, last-event-id');

    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(res.headers['access-control-allow-methods']!.split(',')).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
    expect(res.headers['access-control-allow-headers']!.split(',').map((name) => name.toLowerCase())).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-on-behalf-of', 'last-event-id']),
    );
    expect(res.headers['access-control-max-age']).toBe(String(PREFLIGHT_MAX_AGE_SECONDS));
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
  });

  test('when an allowed origin calls the API, then the answer carries its origin and exposes Retry-After', async () => {
    const account = await registerAccount(app.http);
    const res = await app.http.get('/v1/me').set('Origin', 'https://admin.example.com:8443').set(bearer(account.accessToken));

    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://admin.example.com:8443');
    expect(res.headers['access-control-expose-headers']).toMatch(/Retry-After/);
    expect(res.headers.vary).toMatch(/Origin/);
  });

  test('when an allowed origin gets an error, then the error carries the CORS headers too, so the app can read it', async () => {
    const res = await app.http.get('/v1/me').set('Origin', APP_ORIGIN);
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
  });

  test('when another origin preflights or calls, then no CORS header at all', async () => {
    const preflight = await app.http.options('/v1/me').set('Origin', OTHER_ORIGIN).set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization');
    const call = await app.http.get('/healthz').set('Origin', OTHER_ORIGIN);
    // Only the scheme, host and port together make an origin: a look-alike is another origin.
    const lookalike = await app.http.get('/healthz').set('Origin', 'http://app.example.com');

    for (const res of [preflight, call, lookalike]) expect(corsHeaders(res.headers)).toEqual([]);
    expect(call.headers.vary).toMatch(/Origin/);
  });

  test('when there is no Origin (not a browser on another origin), then no CORS header', async () => {
    expect(corsHeaders((await app.http.get('/healthz')).headers)).toEqual([]);
  });
});

describe('with CORS_ORIGINS=* outside production', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { CORS_ORIGINS: '*' } });
  });
  afterAll(() => app.close());

  test('when any origin preflights, then every origin is allowed, without credentials', async () => {
    const res = await app.http.options('/v1/auth/login').set('Origin', OTHER_ORIGIN).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('without CORS_ORIGINS', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  test('when a browser on another origin calls or preflights, then no CORS header', async () => {
    const preflight = await app.http.options('/v1/me').set('Origin', APP_ORIGIN).set('Access-Control-Request-Method', 'GET');
    const call = await app.http.get('/healthz').set('Origin', APP_ORIGIN);
    expect(corsHeaders(preflight.headers)).toEqual([]);
    expect(corsHeaders(call.headers)).toEqual([]);
  });
});

describe('CORS_ORIGINS configuration', () => {
  const production = productionEnv();

  test('when production is started with *, then the start is refused naming CORS_ORIGINS', () => {
    expect(() => loadConfig({ ...production, CORS_ORIGINS: '*' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...production, CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ ...production, CORS_ORIGINS: APP_ORIGIN }).http.corsOrigins).toEqual([APP_ORIGIN]);
  });

  test('when an entry is not an origin (a path, no scheme, a trailing slash) or * is mixed with origins, then the start is refused', () => {
    for (const value of ['https://app.example.com/path', 'app.example.com', 'https://app.example.com/', `*,${APP_ORIGIN}`]) {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    }
  });

  test('when unset or empty, then CORS is off', () => {
    expect(loadConfig({}).http.corsOrigins).toBeUndefined();
    expect(loadConfig({ CORS_ORIGINS: ' , ' }).http.corsOrigins).toBeUndefined();
  });
});
