import jwt from 'jsonwebtoken';
import type { Account } from '../fixtures/accounts';
import { bearer } from '../fixtures/accounts';
import { ADMIN_EMAIL, basicAuth, createClient, registerAdmin, type CreatedClient } from '../fixtures/service-clients';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/test-app';

let app: TestApp;
let admin: Account;
let client: CreatedClient;

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL } });
  admin = await registerAdmin(app);
  client = await createClient(app.http, admin, { name: 'Customer backend', scopes: ['homes:read', 'devices:command'] });
});
afterAll(() => app.close());

const token = (form: Record<string, string>) => app.http.post('/v1/oauth/token').type('form').send(form);
const credentials = () => ({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });

describe('issuing tokens', () => {
  test('when a form carries valid client credentials, then a Bearer service token with every client scope comes back, not cached', async () => {
    const res = await token(credentials());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900, scope: 'homes:read devices:command' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    const claims = jwt.verify(res.body.access_token, TEST_JWT_SECRET, { audience: 'mode-bridge:service', issuer: 'mode-bridge' }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: client.clientId, scope: 'homes:read devices:command' });
  });

  test('when the body is JSON, then it is accepted too', async () => {
    const res = await app.http.post('/v1/oauth/token').send(credentials());
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
  });

  test('when the credentials come with HTTP Basic, then a token comes back', async () => {
    const res = await app.http.post('/v1/oauth/token').set(basicAuth(client.clientId, client.clientSecret)).type('form').send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('homes:read devices:command');
  });

  test('when a subset of the scopes is requested, then only it is granted', async () => {
    const res = await token({ ...credentials(), scope: 'devices:command' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('devices:command');
  });

  test('when a token is issued or refused, then the audit log says so without the secret', async () => {
    await token({ ...credentials(), client_secret: 'not-the-secret' });
    await token(credentials());
    const entries = await app.services.audit.list({ action: 'oauth.token', targetId: client.id, limit: 2 });
    expect(entries.map((e) => e.result)).toEqual(['success', 'failure']);
    expect(entries[1]!.details).toEqual({ reason: 'wrong_secret' });
    expect(JSON.stringify(entries, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(client.clientSecret);
  });
});

describe('errors, in the RFC 6749 shape', () => {
  test.each([
    ['the secret is wrong', () => ({ ...credentials(), client_secret: 'wrong-secret' })],
    ['the client ID is unknown', () => ({ ...credentials(), client_id: 'svc_unknown' })],
    ['no client authentication is sent', () => ({ grant_type: 'client_credentials' })],
  ])('when %s, then 401 invalid_client without WWW-Authenticate', async (_name, form) => {
    const res = await token(form());
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('when HTTP Basic carries a wrong secret, then 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const res = await app.http.post('/v1/oauth/token').set(basicAuth(client.clientId, 'wrong')).type('form').send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
  });

  test('when the client was revoked, then 401 invalid_client', async () => {
    const revoked = await createClient(app.http, admin, { scopes: ['homes:read'] });
    expect((await app.http.delete(`/v1/admin/service-clients/${revoked.id}`).set(bearer(admin.accessToken))).status).toBe(204);
    const res = await token({ grant_type: 'client_credentials', client_id: revoked.clientId, client_secret: revoked.clientSecret });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  test.each([
    ['a scope the client does not have', 'homes:read homes:write'],
    ['a scope that does not exist', 'everything'],
  ])('when %s is requested, then 400 invalid_scope', async (_name, scope) => {
    const res = await token({ ...credentials(), scope });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_scope', error_description: expect.any(String) });
  });

  test.each(['password', 'authorization_code', 'refresh_token'])('when grant_type is %s, then 400 unsupported_grant_type', async (grantType) => {
    const res = await token({ ...credentials(), grant_type: grantType });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unsupported_grant_type');
  });

  test.each([
    ['grant_type is missing', () => ({ client_id: client.clientId, client_secret: client.clientSecret })],
    ['client_secret is missing', () => ({ grant_type: 'client_credentials', client_id: client.clientId })],
    ['client_id is missing', () => ({ grant_type: 'client_credentials', client_secret: client.clientSecret })],
  ])('when %s, then 400 invalid_request', async (_name, form) => {
    const res = await token(form());
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });

  test('when a parameter is repeated, then 400 invalid_request', async () => {
    const body = `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}&scope=homes:read&scope=devices:command`;
    const res = await app.http.post('/v1/oauth/token').type('form').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  test('when both HTTP Basic and a body secret are sent, then 400 invalid_request', async () => {
    const res = await app.http.post('/v1/oauth/token').set(basicAuth(client.clientId, client.clientSecret)).type('form').send(credentials());
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  test('when the JSON body is malformed, then 400 invalid_request', async () => {
    const res = await app.http.post('/v1/oauth/token').set('Content-Type', 'application/json').send('{"grant_type": ');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });
});

describe('user and service tokens are not interchangeable', () => {
  test('when a user token is sent as client authentication, then 401 invalid_client', async () => {
    const res = await app.http.post('/v1/oauth/token').set(bearer(admin.accessToken)).type('form').send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  test('when a service token is used on /v1/me, with or without X-On-Behalf-Of, then 401', async () => {
    const serviceToken = (await token(credentials())).body.access_token as string;
    const bare = await app.http.get('/v1/me').set(bearer(serviceToken));
    const acting = await app.http.get('/v1/me').set({ ...bearer(serviceToken), 'X-On-Behalf-Of': admin.id });
    expect(bare.status).toBe(401);
    expect(acting.status).toBe(401);
    expect(acting.body.error.code).toBe('unauthenticated');
  });

  test('when a service token is used on an admin route, then 401', async () => {
    const serviceToken = (await token(credentials())).body.access_token as string;
    const res = await app.http.get('/v1/admin/service-clients').set({ ...bearer(serviceToken), 'X-On-Behalf-Of': admin.id });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });
});

describe('documentation', () => {
  test('when the OpenAPI document is fetched, then the token endpoint takes forms and JSON and documents the OAuth error shape', async () => {
    const res = await app.http.get('/openapi.json');
    const operation = res.body.paths['/v1/oauth/token'].post;
    expect(Object.keys(operation.requestBody.content)).toEqual(['application/x-www-form-urlencoded', 'application/json']);
    expect(operation.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/OAuthError' });
    expect(res.body.components.schemas.OAuthError.properties).toHaveProperty('error_description');
    expect(res.body.paths['/v1/admin/service-clients'].post).toBeDefined();
  });
});
