import type TestAgent from 'supertest/lib/agent';
import jwt from 'jsonwebtoken';
import type { Scope } from '../../src/http/principal';
import { sha256Hex } from '../../src/lib/crypto';
import { bearer, registerAccount, type Account } from '../fixtures/accounts';
import { claimDevice, homeWithPeople, watchMode } from '../fixtures/homes';
import { ADMIN_EMAIL, createClient, eventually, onBehalfOf, registerAdmin, serviceToken, type CreatedClient } from '../fixtures/service-clients';
import { startTestApp, testConfig, type TestApp } from '../support/test-app';

let app: TestApp;
let admin: Account;

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL, COMMAND_POLICY_FILE: 'config/command-policy.example.json' } });
  admin = await registerAdmin(app);
});
afterAll(() => app.close());

function auditEntries(target: TestApp, clientId: string) {
  return target.services.audit.list({ action: 'service.call', actorId: clientId, limit: 50 });
}

describe('managing service clients', () => {
  test('when an admin creates a client, then 201 shows its secret once, and the list never does', async () => {
    const res = await app.http.post('/v1/admin/service-clients').set(bearer(admin.accessToken)).send({ name: 'Acme backend', scopes: ['homes:read', 'devices:command', 'homes:read'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'Acme backend',
      scopes: ['homes:read', 'devices:command'],
      clientId: expect.stringMatching(/^svc_[A-Za-z0-9_-]{16}$/),
      clientSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      allowedUserIds: null,
      createdAt: expect.any(String),
    });
    const list = await app.http.get('/v1/admin/service-clients').set(bearer(admin.accessToken));
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual({ id: res.body.id, name: 'Acme backend', scopes: ['homes:read', 'devices:command'], clientId: res.body.clientId, allowedUserIds: null, createdAt: res.body.createdAt, revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(res.body.clientSecret);
    expect(JSON.stringify(list.body)).not.toMatch(/secret/i);
  });

  test('when a client is created, then only a SHA-256 hash of its secret is stored', async () => {
    const client = await createClient(app.http, admin, { scopes: ['homes:read'] });
    const [row] = await app.database.db.sql.query<{ secret_hash: string }>('SELECT secret_hash FROM service_clients WHERE id = $1', [client.id]);
    expect(row!.secret_hash).toBe(sha256Hex(client.clientSecret));
  });

  test('when a client is limited to users, then they are listed, and unknown users are refused', async () => {
    const user = await registerAccount(app.http);
    const limited = await createClient(app.http, admin, { scopes: ['homes:read'], allowedUserIds: [user.id] });
    expect(limited.allowedUserIds).toEqual([user.id]);
    const unknown = await app.http.post('/v1/admin/service-clients').set(bearer(admin.accessToken)).send({ name: 'x', scopes: ['homes:read'], allowedUserIds: [user.id, '00000000-0000-4000-8000-000000000000'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ field: 'body.allowedUserIds.1' })]);
  });

  test.each([
    ['an unknown scope', { name: 'x', scopes: ['homes:read', 'root'] }, 'body.scopes.1'],
    ['no scope', { name: 'x', scopes: [] }, 'body.scopes'],
    ['no name', { scopes: ['homes:read'] }, 'body.name'],
    ['a malformed user ID', { name: 'x', scopes: ['homes:read'], allowedUserIds: ['nope'] }, 'body.allowedUserIds.0'],
  ])('when the body has %s, then 400 names the field', async (_name, body, field) => {
    const res = await app.http.post('/v1/admin/service-clients').set(bearer(admin.accessToken)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  test('when a client is revoked, then 204, the list shows when, and revoking again keeps that date', async () => {
    const client = await createClient(app.http, admin, { scopes: ['homes:read'] });
    expect((await app.http.delete(`/v1/admin/service-clients/${client.id}`).set(bearer(admin.accessToken))).status).toBe(204);
    const first = (await app.http.get('/v1/admin/service-clients').set(bearer(admin.accessToken))).body.find((c: { id: string }) => c.id === client.id);
    expect(first.revokedAt).toEqual(expect.any(String));
    expect((await app.http.delete(`/v1/admin/service-clients/${client.id}`).set(bearer(admin.accessToken))).status).toBe(204);
    const second = (await app.http.get('/v1/admin/service-clients').set(bearer(admin.accessToken))).body.find((c: { id: string }) => c.id === client.id);
    expect(second.revokedAt).toBe(first.revokedAt);
    const audit = await app.services.audit.list({ targetId: client.id, limit: 10 });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['service_client.create', 'service_client.revoke']));
  });

  test('when the client to revoke does not exist or its ID is malformed, then 404 or 400', async () => {
    expect((await app.http.delete('/v1/admin/service-clients/00000000-0000-4000-8000-000000000000').set(bearer(admin.accessToken))).status).toBe(404);
    expect((await app.http.delete('/v1/admin/service-clients/not-an-id').set(bearer(admin.accessToken))).status).toBe(400);
  });

  test('when a non-admin calls the admin routes, then 403; without a token, 401', async () => {
    const user = await registerAccount(app.http);
    const create = await app.http.post('/v1/admin/service-clients').set(bearer(user.accessToken)).send({ name: 'x', scopes: ['homes:read'] });
    const list = await app.http.get('/v1/admin/service-clients').set(bearer(user.accessToken));
    const revoke = await app.http.delete('/v1/admin/service-clients/00000000-0000-4000-8000-000000000000').set(bearer(user.accessToken));
    expect([create.status, list.status, revoke.status]).toEqual([403, 403, 403]);
    expect((await app.http.get('/v1/admin/service-clients')).status).toBe(401);
  });

  test('when a service token acting for an admin calls an admin route, then 401', async () => {
    const client = await createClient(app.http, admin, { scopes: ['homes:read'] });
    const token = await serviceToken(app.http, client);
    const res = await app.http.post('/v1/admin/service-clients').set(onBehalfOf(token, admin.id)).send({ name: 'x', scopes: ['homes:read'] });
    expect(res.status).toBe(401);
  });
});

describe('acting on behalf of a user', () => {
  let people: Awaited<ReturnType<typeof homeWithPeople>>;
  let lamp: { id: number };
  let client: CreatedClient;
  let token: string;

  // One request of each route family a service client may use, and the status it gets when allowed.
  const FAMILIES: Array<{ family: string; scope: Scope; route: string; ok: number; call: (http: TestAgent) => ReturnType<TestAgent['get']> }> = [
    { family: 'homes', scope: 'homes:read', route: 'GET /v1/homes', ok: 200, call: (http) => http.get('/v1/homes') },
    { family: 'device commands', scope: 'devices:command', route: 'PUT /v1/devices/:deviceId/command', ok: 204, call: (http) => http.put(`/v1/devices/${lamp.id}/command`).send({ action: 'brightness', parameters: { level: 40 } }) },
    { family: 'events', scope: 'events:read', route: 'GET /v1/homes/:homeId/events', ok: 200, call: (http) => http.get(`/v1/homes/${people.homeId}/events`) },
    { family: 'notifications', scope: 'notifications:read', route: 'GET /v1/notifications', ok: 200, call: (http) => http.get('/v1/notifications') },
  ];

  beforeAll(async () => {
    people = await homeWithPeople(app);
    lamp = await claimDevice(app, people.owner, people.homeId, 'lamp');
    client = await createClient(app.http, admin, { name: 'All-scopes backend', scopes: ['homes:read', 'devices:command', 'events:read', 'notifications:read'] });
    token = await serviceToken(app.http, client);
  });

  test('when the token has the scope and names an active user, then the call runs as that user', async () => {
    const member = await app.http.get('/v1/homes').set(onBehalfOf(token, people.member.id));
    const stranger = await app.http.get('/v1/homes').set(onBehalfOf(token, people.stranger.id));
    expect(member.status).toBe(200);
    expect(member.body.map((home: { id: number }) => home.id)).toContain(people.homeId);
    expect(stranger.status).toBe(200);
    expect(stranger.body.map((home: { id: number }) => home.id)).not.toContain(people.homeId);
  });

  test.each(FAMILIES.map((f) => [f.family, f] as const))('when a token lacks the scope of the %s routes, then 403 insufficient_scope; with it, the call goes through', async (_family, { scope, ok, call }) => {
    const others = FAMILIES.map((f) => f.scope).filter((s) => s !== scope).join(' ');
    const narrow = await call(app.http).set(onBehalfOf(await serviceToken(app.http, client, others), people.member.id));
    expect(narrow.status).toBe(403);
    expect(narrow.body.error.code).toBe('insufficient_scope');
    const allowed = await call(app.http).set(onBehalfOf(await serviceToken(app.http, client, scope), people.member.id));
    expect(allowed.status).toBe(ok);
  });

  test('when a call of each family is made, then each one is in the audit log with client, user, route and result', async () => {
    const auditor = await createClient(app.http, admin, { scopes: FAMILIES.map((f) => f.scope) });
    const auditorToken = await serviceToken(app.http, auditor);
    for (const { call } of FAMILIES) await call(app.http).set(onBehalfOf(auditorToken, people.member.id));
    const entries = await eventually(() => auditEntries(app, auditor.clientId), (list) => list.length >= FAMILIES.length);
    const calls = entries.map((e) => ({ actorType: e.actorType, actorId: e.actorId, onBehalfOf: e.onBehalfOf, action: e.action, targetType: e.targetType, targetId: e.targetId, result: e.result }));
    expect(calls).toEqual(
      expect.arrayContaining(FAMILIES.map(({ route, ok }) => ({ actorType: 'service', actorId: auditor.clientId, onBehalfOf: people.member.id, action: 'service.call', targetType: 'route', targetId: route, result: String(ok) }))),
    );
    const command = entries.find((e) => e.targetId === 'PUT /v1/devices/:deviceId/command');
    expect(command!.details).toEqual({ path: `/v1/devices/${lamp.id}/command` });
  });

  test('when a command is sent for a user who is not a member of the home, then it is refused and MODE is not asked to run it', async () => {
    const sent = watchMode(app);
    const res = await app.http.put(`/v1/devices/${lamp.id}/command`).set(onBehalfOf(token, people.stranger.id)).send({ action: 'brightness', parameters: { level: 40 } });
    expect(res.status).toBe(404);
    expect(sent().filter((r) => r.method === 'PUT' && r.path.endsWith('/command'))).toEqual([]);
    const entries = await eventually(() => auditEntries(app, client.clientId), (list) => list.some((e) => e.onBehalfOf === people.stranger.id && e.result === '404'));
    expect(entries.find((e) => e.onBehalfOf === people.stranger.id && e.targetId === 'PUT /v1/devices/:deviceId/command')?.result).toBe('404');
  });

  test('when the command policy refuses an action, then it refuses it for a service client too', async () => {
    const res = await app.http.put(`/v1/devices/${lamp.id}/command`).set(onBehalfOf(token, people.member.id)).send({ action: 'firmwareUpdate', parameters: {} });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('command_not_allowed');
  });

  test.each([
    ['missing', undefined],
    ['not a user ID', 'bob'],
  ])('when X-On-Behalf-Of is %s, then 400 validation_failed names the header', async (_name, header) => {
    const headers: Record<string, string> = header === undefined ? bearer(token) : onBehalfOf(token, header);
    const res = await app.http.get('/v1/notifications').set(headers);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'headers.x-on-behalf-of', message: expect.any(String) }] });
  });

  test('when X-On-Behalf-Of names no user, then 404', async () => {
    const res = await app.http.get('/v1/notifications').set(onBehalfOf(token, '00000000-0000-4000-8000-000000000000'));
    expect(res.status).toBe(404);
  });

  test('when the user is disabled, then 403 forbidden', async () => {
    const disabled = await registerAccount(app.http);
    await app.services.users.update(disabled.id, { status: 'disabled' });
    const res = await app.http.get('/v1/notifications').set(onBehalfOf(token, disabled.id));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  test('when the client is limited to other users, then 403 forbidden; for its own users, 200', async () => {
    const limited = await createClient(app.http, admin, { scopes: ['notifications:read'], allowedUserIds: [people.member.id] });
    const limitedToken = await serviceToken(app.http, limited);
    expect((await app.http.get('/v1/notifications').set(onBehalfOf(limitedToken, people.member.id))).status).toBe(200);
    const res = await app.http.get('/v1/notifications').set(onBehalfOf(limitedToken, people.owner.id));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  test('when the client is revoked, then its unexpired token stops working at once, and the attempt is audited', async () => {
    const doomed = await createClient(app.http, admin, { scopes: ['notifications:read'] });
    const doomedToken = await serviceToken(app.http, doomed);
    expect((await app.http.get('/v1/notifications').set(onBehalfOf(doomedToken, people.member.id))).status).toBe(200);
    await app.http.delete(`/v1/admin/service-clients/${doomed.id}`).set(bearer(admin.accessToken));
    const res = await app.http.get('/v1/notifications').set(onBehalfOf(doomedToken, people.member.id));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
    const entries = await eventually(() => auditEntries(app, doomed.clientId), (list) => list.some((e) => e.result === '401'));
    expect(entries.map((e) => e.result).sort()).toEqual(['200', '401']);
  });

  test('when a user token is used on a scoped route, then it is the user, without scope limits', async () => {
    const res = await app.http.get('/v1/homes').set(bearer(people.owner.accessToken));
    expect(res.status).toBe(200);
    expect(res.body.map((home: { id: number }) => home.id)).toContain(people.homeId);
  });

  test('when a user token comes with X-On-Behalf-Of, then 400: only service tokens act for others', async () => {
    const onHomes = await app.http.get('/v1/homes').set(onBehalfOf(people.stranger.accessToken, people.owner.id));
    const onMe = await app.http.get('/v1/me').set(onBehalfOf(people.stranger.accessToken, people.owner.id));
    expect([onHomes.status, onMe.status]).toEqual([400, 400]);
    expect(onMe.body.error.details).toEqual([expect.objectContaining({ field: 'headers.x-on-behalf-of' })]);
  });

  test('when a service token is forged with another secret, then 401', async () => {
    const forged = jwt.sign({ scope: 'homes:read' }, 'another-secret-that-is-long-enough-000000', { issuer: 'mode-bridge', audience: 'mode-bridge:service', subject: client.clientId, expiresIn: 60 });
    const res = await app.http.get('/v1/homes').set(onBehalfOf(forged, people.member.id));
    expect(res.status).toBe(401);
  });

  test('when a client calls, then /metrics counts its calls by client, route and status', async () => {
    const counted = await createClient(app.http, admin, { scopes: ['notifications:read'] });
    await app.http.get('/v1/notifications').set(onBehalfOf(await serviceToken(app.http, counted), people.member.id));
    const res = await app.http.get('/metrics');
    expect(res.text).toContain(`service_client_requests_total{client_id="${counted.clientId}",route="GET /v1/notifications",status="200"} 1`);
  });
});

describe('per-client rate limit', () => {
  let limitedApp: TestApp;

  beforeAll(async () => {
    limitedApp = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL, SERVICE_RATE_LIMIT_PER_MIN: '3' } });
  });
  afterAll(() => limitedApp.close());

  test('when one client goes over SERVICE_RATE_LIMIT_PER_MIN, then it gets 429 while another client does not', async () => {
    const boss = await registerAdmin(limitedApp);
    const user = await registerAccount(limitedApp.http);
    const busy = await createClient(limitedApp.http, boss, { scopes: ['notifications:read'] });
    const calm = await createClient(limitedApp.http, boss, { scopes: ['notifications:read'] });
    const busyToken = await serviceToken(limitedApp.http, busy);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await limitedApp.http.get('/v1/notifications').set(onBehalfOf(busyToken, user.id))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const calmRes = await limitedApp.http.get('/v1/notifications').set(onBehalfOf(await serviceToken(limitedApp.http, calm), user.id));
    expect(calmRes.status).toBe(200);
    const own = await limitedApp.http.get('/v1/notifications').set(bearer(user.accessToken));
    expect(own.status).toBe(200);
    const entries = await eventually(() => auditEntries(limitedApp, busy.clientId), (list) => list.some((e) => e.result === '429'));
    expect(entries.map((e) => e.result)).toContain('429');
  });

  test('when SERVICE_RATE_LIMIT_PER_MIN is unset, then the limit is 1200 a minute', () => {
    expect(testConfig().rateLimits.servicePerMinute).toBe(1200);
  });
});
