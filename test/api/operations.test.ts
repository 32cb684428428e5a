import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

test('when the process serves, then /healthz is 200', async () => {
  expect((await app.http.get('/healthz')).status).toBe(200);
});

test('when the database answers, then /readyz is 200 and lists its checks', async () => {
  const res = await app.http.get('/readyz');
  expect(res.status).toBe(200);
  expect(res.body.checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'database', ok: true })]));
});

test('when requests were served, then /metrics counts them by route template', async () => {
  await app.http.get('/v1/me');
  const res = await app.http.get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/text\/plain/);
  expect(res.text).toMatch(/http_requests_total\{method="GET",route="\/v1\/me",status="401"\}/);
  expect(res.text).toContain('http_request_duration_seconds_bucket');
});

test('when the OpenAPI document is fetched, then it describes the account routes with their schemas', async () => {
  const res = await app.http.get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.body.openapi).toMatch(/^3\./);
  expect(res.body.paths['/v1/auth/register'].post.requestBody).toBeDefined();
  expect(res.body.paths['/v1/me'].get.security).toEqual([{ bearer: [] }]);
  expect(res.body.components.schemas.User).toBeDefined();
  for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) expect(res.body.paths[path]?.get).toBeDefined();
});

test('when the docs page is opened, then it is HTML', async () => {
  const res = await app.http.get('/docs/').redirects(1);
  expect(res.status).toBe(200);
  expect(res.text).toContain('swagger');
});
