import { request as httpRequest } from 'node:http';
import { bearer, GOOD_PASSWORD, registerAccount, uniqueEmail, type Account } from '../fixtures/accounts';
import { modeEvent, postWebhook } from '../fixtures/events';
import { claimDevice, createHome } from '../fixtures/homes';
import { ADMIN_EMAIL, registerAdmin } from '../fixtures/service-clients';
import { startTestApp, type TestApp } from '../support/test-app';

// Hostile input a caller chose is refused with 400 before it reaches the database or MODE;
// hostile content a device sent is kept (escaped, recoverable), so MODE's delivery succeeds.

let app: TestApp;
let owner: Account;
let admin: Account;
let homeId: number;
let deviceId: number;

beforeAll(async () => {
  app = await startTestApp({ webhooks: true, env: { ADMIN_EMAILS: ADMIN_EMAIL } });
  owner = await registerAccount(app.http);
  admin = await registerAdmin(app);
  homeId = await createHome(app, owner);
  deviceId = (await claimDevice(app, owner, homeId)).id;
});
afterAll(() => app.close());

const NUL = 'a\u0000b';
const deepJson = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

function expect400(res: { status: number; body: any }, field?: string) {
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('validation_failed');
  if (field) expect(JSON.stringify(res.body.error.details)).toContain(field);
}

/** Raw HTTP, so the path and headers reach the server exactly as written. */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: any }> {
  const url = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('NUL characters a caller chose', () => {
  test('when a name holds NUL (register, home, device), then 400 names the field', async () => {
    expect400(await app.http.post('/v1/auth/register').send({ email: uniqueEmail(), password: GOOD_PASSWORD, name: NUL }), 'body.name');
    expect400(await app.http.post('/v1/homes').set(bearer(owner.accessToken)).send({ name: NUL }), 'body.name');
    expect400(await app.http.patch(`/v1/devices/${deviceId}`).set(bearer(owner.accessToken)).send({ name: NUL }), 'body.name');
  });

  test('when a command action, an event filter, preferences or an audit filter holds NUL, then 400', async () => {
    expect400(await app.http.put(`/v1/devices/${deviceId}/command`).set(bearer(owner.accessToken)).send({ action: NUL }), 'body.action');
    expect400(await app.http.get(`/v1/homes/${homeId}/events`).query({ eventType: NUL }).set(bearer(owner.accessToken)), 'query.eventType');
    expect400(await app.http.put('/v1/notifications/preferences').set(bearer(owner.accessToken)).send({ preferences: [{ eventType: NUL, inbox: true }] }));
    expect400(await app.http.get('/v1/admin/audit').query({ action: NUL }).set(bearer(admin.accessToken)), 'query.action');
  });

  test('when a key-value value holds NUL or an unpaired surrogate, then 400', async () => {
    expect400(await app.http.put(`/v1/homes/${homeId}/kv/settings`).set(bearer(owner.accessToken)).send({ value: { note: NUL } }));
    expect400(await raw('PUT', `/v1/homes/${homeId}/kv/settings`, { ...bearer(owner.accessToken), 'Content-Type': 'application/json' }, '{"value":"\\ud800"}'));
  });
});

describe('names that would reach e-mails', () => {
  test('when a name holds CR/LF or markup, then 400', async () => {
    expect400(await app.http.post('/v1/auth/register').send({ email: uniqueEmail(), password: GOOD_PASSWORD, name: 'Eve\r\nBcc: all@example.com' }), 'body.name');
    expect400(await app.http.post('/v1/auth/register').send({ email: uniqueEmail(), password: GOOD_PASSWORD, name: '<a href="https://evil.example">Eve</a>' }), 'body.name');
  });
});

describe('nesting and size', () => {
  test('when a key-value value is nested 5,000 deep, then 400, and MODE is not asked', async () => {
    const res = await raw('PUT', `/v1/homes/${homeId}/kv/settings`, { ...bearer(owner.accessToken), 'Content-Type': 'application/json' }, `{"value":${deepJson(5_000)}}`);
    expect400(res, 'nested deeper');
  });

  test('when any JSON body is nested beyond the limit, then 400 (public routes too)', async () => {
    expect400(await raw('POST', '/v1/auth/login', { 'Content-Type': 'application/json' }, deepJson(40)));
  });

  test('when a body is larger than JSON_BODY_LIMIT, then 413', async () => {
    const res = await app.http.put(`/v1/homes/${homeId}/kv/settings`).set(bearer(owner.accessToken)).send({ value: 'x'.repeat(200_000) });
    expect(res.status).toBe(413);
  });
});

describe('paths, encodings, dates and IDs', () => {
  test('when a path parameter is not valid percent-encoding (%ff), then 400', async () => {
    expect400(await raw('GET', '/v1/homes/%ff', bearer(owner.accessToken)));
    expect400(await raw('GET', `/v1/homes/${homeId}/kv/%ff`, bearer(owner.accessToken)));
    expect400(await raw('GET', '/v1/invitations/%ff', {}));
  });

  test('when a key-value key is . or .., then 400 and MODE is not asked', async () => {
    expect400(await raw('GET', `/v1/homes/${homeId}/kv/..`, bearer(owner.accessToken)), 'params.key');
    expect400(await raw('PUT', `/v1/homes/${homeId}/kv/%2e`, { ...bearer(owner.accessToken), 'Content-Type': 'application/json' }, '{"value":1}'), 'params.key');
  });

  test('when Content-Encoding says gzip but the body is not compressed, then 400', async () => {
    const body = JSON.stringify({ email: uniqueEmail(), password: GOOD_PASSWORD });
    const res = await raw('POST', '/v1/auth/login', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': String(body.length) }, body);
    expect400(res);
  });

  test('when since or until is year 0000 or +275760, then 400', async () => {
    for (const since of ['0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z']) {
      expect400(await app.http.get(`/v1/homes/${homeId}/events`).query({ since }).set(bearer(owner.accessToken)), 'query.since');
    }
    expect400(await app.http.get(`/v1/homes/${homeId}/events`).query({ until: '0000-01-01T00:00:00Z' }).set(bearer(owner.accessToken)), 'query.until');
  });

  test('when a cursor holds year 0000, +275760 or an ID past 2^63, then 400', async () => {
    const cursor = (timestamp: string, id: string) => Buffer.from(JSON.stringify([timestamp, id])).toString('base64url');
    const cursors = [cursor('0000-01-01T00:00:00.000Z', '1'), cursor('+275760-09-13T00:00:00.000Z', '1'), cursor('2026-01-01T00:00:00.000Z', '9223372036854775808')];
    for (const value of cursors) {
      expect400(await app.http.get(`/v1/homes/${homeId}/events`).query({ cursor: value }).set(bearer(owner.accessToken)), 'query.cursor');
      expect400(await app.http.get('/v1/notifications').query({ cursor: value }).set(bearer(owner.accessToken)));
    }
    expect400(await app.http.get('/v1/admin/audit').query({ cursor: '9223372036854775808' }).set(bearer(admin.accessToken)), 'query.cursor');
    expect400(await app.http.get('/v1/admin/users').query({ cursor: cursor('0000-01-01T00:00:00.000Z', '00000000-0000-0000-0000-000000000000') }).set(bearer(admin.accessToken)));
  });
});

describe('content a device sent', () => {
  async function storedEvent(id: string) {
    const res = await app.http.get(`/v1/homes/${homeId}/events`).query({ limit: 200 }).set(bearer(owner.accessToken));
    return res.body.events.find((event: { id: string }) => event.id === id);
  }

  test('when a device event holds NUL characters, then it is stored escaped and the original is recoverable', async () => {
    const event = modeEvent({ homeId, eventType: 'note\u0000x', eventData: { text: 'a\u0000b', list: ['\ud800'] } });
    const answer = await postWebhook(app, JSON.stringify(event));
    expect(answer.status).toBe(200);
    const stored = await storedEvent(answer.body.id);
    expect(stored.eventType).toBe('note\ufffdx');
    expect(JSON.parse(stored.eventData.$unstorable.eventType)).toBe('note\u0000x');
    expect(JSON.parse(stored.eventData.$unstorable.eventData)).toEqual({ text: 'a\u0000b', list: ['\ud800'] });
    const again = await postWebhook(app, JSON.stringify(event));
    expect(again.body).toEqual({ id: answer.body.id, duplicate: true });
  });

  test('when a device event is nested 4,000 deep, then it is stored as its JSON text', async () => {
    const rawEvent = JSON.stringify(modeEvent({ homeId, eventData: '__deep__' })).replace('"__deep__"', deepJson(4_000));
    const answer = await postWebhook(app, rawEvent);
    expect(answer.status).toBe(200);
    const stored = await storedEvent(answer.body.id);
    expect(stored.eventData.$unstorable.eventData).toBe(deepJson(4_000));
  });
});
