import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp as createExpressApp } from '../../src/app';
import { sha256Hex } from '../../src/lib/crypto';
import { createMetrics } from '../../src/http/metrics';
import { buildServices } from '../../src/services';
import { bearer, registerAccount, type Account } from '../fixtures/accounts';
import { createApp, linkAccount, openid, relyingParty, UserAgent, type CreatedApp } from '../fixtures/oauth-apps';
import { ADMIN_EMAIL, eventually, registerAdmin } from '../fixtures/service-clients';
import { startTestApp, type TestApp } from '../support/test-app';

// Account linking as Alexa or Google Home do it, with openid-client as the third party, over
// real HTTP against the app on a real database.

let app: TestApp;
let admin: Account;
const CALLBACK = 'http://127.0.0.1:9/callback';
const OTHER_CALLBACK = 'http://127.0.0.1:9/other';

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL, LOGIN_FAILURES_PER_ACCOUNT: '3' } });
  admin = await registerAdmin(app.http);
});
afterAll(() => app.close());

interface Linked {
  user: Account;
  thirdParty: CreatedApp;
  tokens: { access_token: string; refresh_token?: string; scope?: string; token_type: string; expires_in?: number };
}

/** A new user links a new app (or `thirdParty`) with `scope`, and the app redeems the code. */
async function linked(scope = 'homes:read', options: { thirdParty?: CreatedApp; user?: Account; pkce?: boolean } = {}): Promise<Linked> {
  const client = await openid();
  const user = options.user ?? (await registerAccount(app.http));
  const thirdParty = options.thirdParty ?? (await createApp(app.http, admin, { scopes: ['homes:read', 'homes:write', 'devices:read'], redirectUris: [CALLBACK, OTHER_CALLBACK] }));
  const rp = await relyingParty(app.url, thirdParty);
  const result = await linkAccount(app.url, rp, user, { scope, redirectUri: CALLBACK, pkce: options.pkce });
  const tokens = await client.authorizationCodeGrant(rp, result.callback, { expectedState: result.state, pkceCodeVerifier: result.codeVerifier }, { redirect_uri: CALLBACK });
  return { user, thirdParty, tokens: tokens as Linked['tokens'] };
}

async function tokenError(promise: Promise<unknown>): Promise<{ error: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    // openid-client reports a 401 with WWW-Authenticate as a challenge whose parameters carry the error.
    const failure = error as { error?: string; code?: string; status?: number; cause?: unknown };
    const challenge = Array.isArray(failure.cause) ? (failure.cause[0] as { parameters?: { error?: string } }).parameters?.error : undefined;
    return { error: failure.error ?? challenge ?? failure.code ?? 'unknown', status: failure.status ?? 0 };
  }
  throw new Error('the token request succeeded');
}

async function redeem(thirdParty: CreatedApp, params: Record<string, string>, secret = thirdParty.clientSecret ?? '') {
  const basic = Buffer.from(`${encodeURIComponent(thirdParty.clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  const response = await fetch(`${app.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('authorization server metadata', () => {
  test('when the RFC 8414 metadata is read, then it names the issuer, the endpoints, the grants, PKCE and the scopes', async () => {
    const res = await app.http.get('/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      issuer: app.url,
      authorization_endpoint: `${app.url}/oauth/authorize`,
      token_endpoint: `${app.url}/oauth/token`,
      revocation_endpoint: `${app.url}/oauth/revoke`,
      grant_types_supported: expect.arrayContaining(['authorization_code', 'refresh_token']),
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
      scopes_supported: expect.arrayContaining(['homes:read', 'devices:command', 'events:read', 'notifications:read']),
    });
    expect(res.body.scopes_supported).not.toContain('users:link');
    const openidDiscovery = await app.http.get('/.well-known/openid-configuration');
    expect(openidDiscovery.body.issuer).toBe(app.url);
  });

  test('when a request comes with another Host or forwarded headers, then every endpoint is still the issuer\'s', async () => {
    const res = await app.http.get('/.well-known/oauth-authorization-server').set({ Host: 'evil.example', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' });
    expect(res.body.token_endpoint).toBe(`${app.url}/oauth/token`);
    expect(res.body.authorization_endpoint).toBe(`${app.url}/oauth/authorize`);
  });

  test('when the client-credentials endpoint is used, then it still answers as before', async () => {
    const res = await app.http.post('/v1/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'svc_nobody', client_secret: 'x' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });
});

describe('registering apps', () => {
  test('when an admin registers an app, then 201 shows its secret once, only its hash is stored, and the list never shows it', async () => {
    const res = await app.http.post('/v1/admin/oauth-apps').set(bearer(admin.accessToken)).send({ name: 'Alexa', redirectUris: ['https://pitangui.amazon.com/api/skill/link/M2X'], scopes: ['homes:read', 'devices:command'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'Alexa',
      clientId: expect.stringMatching(/^app_[A-Za-z0-9_-]{16}$/),
      clientSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      redirectUris: ['https://pitangui.amazon.com/api/skill/link/M2X'],
      scopes: ['homes:read', 'devices:command'],
      confidential: true,
      createdAt: expect.any(String),
    });
    const [row] = await app.database.db.sql.query<{ secret_hash: string }>('SELECT secret_hash FROM oauth_apps WHERE id = $1', [res.body.id]);
    expect(row!.secret_hash).toBe(sha256Hex(res.body.clientSecret));
    const list = await app.http.get('/v1/admin/oauth-apps').set(bearer(admin.accessToken));
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual(expect.objectContaining({ id: res.body.id, clientId: res.body.clientId }));
    expect(JSON.stringify(list.body)).not.toContain(res.body.clientSecret);
  });

  test.each([
    ['a plain http redirect URI off loopback', { name: 'x', redirectUris: ['http://example.com/cb'], scopes: ['homes:read'] }, 'body.redirectUris.0'],
    ['a redirect URI with a fragment', { name: 'x', redirectUris: ['https://example.com/cb#x'], scopes: ['homes:read'] }, 'body.redirectUris.0'],
    ['no redirect URI', { name: 'x', redirectUris: [], scopes: ['homes:read'] }, 'body.redirectUris'],
    ['the service-only users:link scope', { name: 'x', redirectUris: ['https://example.com/cb'], scopes: ['users:link'] }, 'body.scopes.0'],
  ])('when the body has %s, then 400 names the field', async (_name, body, field) => {
    const res = await app.http.post('/v1/admin/oauth-apps').set(bearer(admin.accessToken)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  test('when the OpenAPI document is read, then it describes the app routes', async () => {
    const { body } = await app.http.get('/openapi.json');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/admin/oauth-apps', '/v1/admin/oauth-apps/{id}', '/v1/me/apps', '/v1/me/apps/{clientId}']));
    expect(body.paths['/v1/admin/oauth-apps'].post.responses['201']).toBeDefined();
  });

  test('when a user who is not an admin registers an app, then 403', async () => {
    const user = await registerAccount(app.http);
    const res = await app.http.post('/v1/admin/oauth-apps').set(bearer(user.accessToken)).send({ name: 'x', redirectUris: ['https://example.com/cb'], scopes: ['homes:read'] });
    expect(res.status).toBe(403);
  });
});

describe('the authorization code grant', () => {
  test('when a user links an app without PKCE (client_secret_basic), then the app gets tokens that work as that user, and it is all audited', async () => {
    const { user, thirdParty, tokens } = await linked('homes:read');
    expect(tokens).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), scope: 'homes:read', access_token: expect.any(String), refresh_token: expect.any(String) });
    const homes = await app.http.get('/v1/homes').set(bearer(tokens.access_token));
    expect(homes.status).toBe(200);
    const entries = await eventually(
      () => app.services.audit.list({ targetId: thirdParty.clientId, limit: 20 }),
      (list) => list.some((e) => e.action === 'oauth_app.token' && e.result === 'success'),
    );
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['oauth_app.sign_in', 'oauth_app.grant', 'oauth_app.token']));
    expect(entries.find((e) => e.action === 'oauth_app.token')?.onBehalfOf).toBe(user.id);
  });

  test('when the app uses PKCE and client_secret_post, then the code is redeemed', async () => {
    const client = await openid();
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['devices:read'], redirectUris: [CALLBACK] });
    const rp = await relyingParty(app.url, thirdParty, 'post');
    const result = await linkAccount(app.url, rp, user, { scope: 'devices:read', redirectUri: CALLBACK, pkce: true });
    const tokens = await client.authorizationCodeGrant(rp, result.callback, { expectedState: result.state, pkceCodeVerifier: result.codeVerifier }, { redirect_uri: CALLBACK });
    expect(tokens.scope).toBe('devices:read');
  });

  test('when the verifier is wrong or missing, then the code is refused with invalid_grant', async () => {
    const client = await openid();
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
    const rp = await relyingParty(app.url, thirdParty);
    const first = await linkAccount(app.url, rp, user, { scope: 'homes:read', redirectUri: CALLBACK, pkce: true });
    const wrong = await tokenError(client.authorizationCodeGrant(rp, first.callback, { expectedState: first.state, pkceCodeVerifier: client.randomPKCECodeVerifier() }, { redirect_uri: CALLBACK }));
    expect(wrong.error).toBe('invalid_grant');
    const second = await linkAccount(app.url, rp, user, { scope: 'homes:read', redirectUri: CALLBACK, pkce: true, agent: first.agent });
    const missing = await redeem(thirdParty, { grant_type: 'authorization_code', code: second.callback.searchParams.get('code')!, redirect_uri: CALLBACK });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_grant');
  });

  test('when a public app leaves out PKCE, then it is sent back with an error; with S256 it links', async () => {
    const client = await openid();
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK], confidential: false });
    expect(thirdParty.clientSecret).toBeNull();
    const rp = await relyingParty(app.url, thirdParty, 'none');
    const refused = await new UserAgent().get(client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'homes:read', response_type: 'code', state: 's1' }).href);
    const location = new URL(refused.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(CALLBACK);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    const result = await linkAccount(app.url, rp, user, { scope: 'homes:read', redirectUri: CALLBACK, pkce: true });
    const tokens = await client.authorizationCodeGrant(rp, result.callback, { expectedState: result.state, pkceCodeVerifier: result.codeVerifier }, { redirect_uri: CALLBACK });
    expect((await app.http.get('/v1/homes').set(bearer(tokens.access_token))).status).toBe(200);
  });

  test('when a code is used twice, then the second use fails and the tokens of the first stop working', async () => {
    const client = await openid();
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
    const rp = await relyingParty(app.url, thirdParty);
    const result = await linkAccount(app.url, rp, user, { scope: 'homes:read', redirectUri: CALLBACK });
    const tokens = await client.authorizationCodeGrant(rp, result.callback, { expectedState: result.state }, { redirect_uri: CALLBACK });
    const again = await redeem(thirdParty, { grant_type: 'authorization_code', code: result.callback.searchParams.get('code')!, redirect_uri: CALLBACK });
    expect(again).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_grant' }) });
    expect((await app.http.get('/v1/homes').set(bearer(tokens.access_token))).status).toBe(401);
  });

  test('when a code has expired, then it is refused', async () => {
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
    const rp = await relyingParty(app.url, thirdParty);
    const result = await linkAccount(app.url, rp, user, { scope: 'homes:read', redirectUri: CALLBACK });
    const code = result.callback.searchParams.get('code')!;
    // As if its 60 seconds had passed: the stored row and the payload's own expiry.
    await app.database.db.sql.query(
      `UPDATE oauth_payloads SET expires_at = now() - interval '1 second', payload = jsonb_set(payload, '{exp}', to_jsonb(extract(epoch from now())::int - 1)) WHERE model = 'AuthorizationCode' AND id = $1`,
      [code],
    );
    const res = await redeem(thirdParty, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK });
    expect(res).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_grant' }) });
  });

  test('when the authorization request names an unregistered redirect_uri, then the user is never sent there', async () => {
    const client = await openid();
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
    const rp = await relyingParty(app.url, thirdParty);
    const res = await new UserAgent().get(client.buildAuthorizationUrl(rp, { redirect_uri: 'https://evil.example/cb', scope: 'homes:read', response_type: 'code', state: 'x' }).href);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('has not registered');
  });

  test('when the code is redeemed with another registered redirect_uri than it was issued for, then invalid_grant', async () => {
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK, OTHER_CALLBACK] });
    const rp = await relyingParty(app.url, thirdParty);
    const result = await linkAccount(app.url, rp, user, { scope: 'homes:read', redirectUri: CALLBACK });
    const res = await redeem(thirdParty, { grant_type: 'authorization_code', code: result.callback.searchParams.get('code')!, redirect_uri: OTHER_CALLBACK });
    expect(res).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_grant' }) });
  });

  test('when the client secret is wrong, then invalid_client and no token', async () => {
    const client = await openid();
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
    const result = await linkAccount(app.url, await relyingParty(app.url, thirdParty), user, { scope: 'homes:read', redirectUri: CALLBACK });
    const wrong = await relyingParty(app.url, thirdParty, 'basic', 'not-the-secret');
    const failure = await tokenError(client.authorizationCodeGrant(wrong, result.callback, { expectedState: result.state }, { redirect_uri: CALLBACK }));
    expect(failure).toEqual({ error: 'invalid_client', status: 401 });
  });

  test('when the app asks for a scope it was not registered with, then the user is sent back with invalid_scope', async () => {
    const client = await openid();
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
    const rp = await relyingParty(app.url, thirdParty);
    const res = await new UserAgent().get(client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'homes:read devices:command', response_type: 'code', state: 'x' }).href);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
  });

  test('when the user denies, then the app gets access_denied and no grant exists', async () => {
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
    const result = await linkAccount(app.url, await relyingParty(app.url, thirdParty), user, { scope: 'homes:read', redirectUri: CALLBACK, deny: true });
    expect(result.callback.searchParams.get('error')).toBe('access_denied');
    expect(result.callback.searchParams.get('state')).toBe(result.state);
    expect((await app.http.get('/v1/me/apps').set(bearer(user.accessToken))).body).toEqual([]);
  });
});

describe('refresh tokens', () => {
  test('when a refresh token is used, then it rotates; asking for more scope is refused', async () => {
    const client = await openid();
    const { thirdParty, tokens } = await linked('homes:read');
    const rp = await relyingParty(app.url, thirdParty);
    const escalated = await tokenError(client.refreshTokenGrant(rp, tokens.refresh_token!, { scope: 'homes:read homes:write' }));
    expect(escalated.error).toBe('invalid_scope');
    const next = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(next.refresh_token).toEqual(expect.any(String));
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.scope).toBe('homes:read');
    expect((await app.http.get('/v1/homes').set(bearer(next.access_token))).status).toBe(200);
    const entries = await eventually(() => app.services.audit.list({ action: 'oauth_app.refresh', actorId: thirdParty.clientId, limit: 10 }), (list) => list.some((e) => e.result === 'success'));
    expect(entries.map((e) => e.result)).toEqual(expect.arrayContaining(['success', 'failure']));
  });

  test('when a rotated refresh token is used again, then the whole grant is revoked', async () => {
    const client = await openid();
    const { user, thirdParty, tokens } = await linked('homes:read');
    const rp = await relyingParty(app.url, thirdParty);
    const next = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    const reuse = await tokenError(client.refreshTokenGrant(rp, tokens.refresh_token!));
    expect(reuse.error).toBe('invalid_grant');
    expect((await tokenError(client.refreshTokenGrant(rp, next.refresh_token!))).error).toBe('invalid_grant');
    expect((await app.http.get('/v1/homes').set(bearer(next.access_token))).status).toBe(401);
    expect((await app.http.get('/v1/me/apps').set(bearer(user.accessToken))).body).toEqual([]);
    await eventually(() => app.services.audit.list({ action: 'oauth_app.grant_revoked', actorId: thirdParty.clientId, limit: 5 }), (list) => list.length > 0).then((list) => expect(list.length).toBeGreaterThan(0));
  });

  test('when the app revokes its refresh token (RFC 7009), then its tokens stop working', async () => {
    const client = await openid();
    const { thirdParty, tokens } = await linked('homes:read');
    const rp = await relyingParty(app.url, thirdParty);
    await client.tokenRevocation(rp, tokens.refresh_token!);
    expect((await app.http.get('/v1/homes').set(bearer(tokens.access_token))).status).toBe(401);
    expect((await tokenError(client.refreshTokenGrant(rp, tokens.refresh_token!))).error).toBe('invalid_grant');
    const entries = await eventually(() => app.services.audit.list({ action: 'oauth_app.revoke', actorId: thirdParty.clientId, limit: 5 }), (list) => list.length > 0);
    expect(entries[0]?.result).toBe('success');
  });
});

describe('app tokens on the API', () => {
  test('when an app token is used, then it has only its scopes, never account or admin routes, and takes no X-On-Behalf-Of', async () => {
    const { tokens } = await linked('homes:read');
    const write = await app.http.post('/v1/homes').set(bearer(tokens.access_token)).send({ name: 'Nope' });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('insufficient_scope');
    expect((await app.http.get('/v1/me').set(bearer(tokens.access_token))).status).toBe(401);
    expect((await app.http.get('/v1/me/apps').set(bearer(tokens.access_token))).status).toBe(401);
    expect((await app.http.get('/v1/admin/oauth-apps').set(bearer(tokens.access_token))).status).toBe(401);
    const acting = await app.http.get('/v1/homes').set({ ...bearer(tokens.access_token), 'X-On-Behalf-Of': admin.id });
    expect(acting.status).toBe(400);
    expect((await app.http.get('/v1/homes').set(bearer('madeUpOpaqueToken'))).status).toBe(401);
  });
});

describe('linked apps', () => {
  test('when a user has linked an app, then it is listed; linking again with the same scopes skips consent, more scopes ask again', async () => {
    const { user, thirdParty } = await linked('homes:read');
    const list = await app.http.get('/v1/me/apps').set(bearer(user.accessToken));
    expect(list.body).toEqual([{ clientId: thirdParty.clientId, name: 'Voice Assistant', scopes: ['homes:read'], grantedAt: expect.any(String) }]);
    const rp = await relyingParty(app.url, thirdParty);
    const same = await linkAccount(app.url, rp, user, { scope: 'homes:read', redirectUri: CALLBACK });
    expect(same.pages).toEqual(['login']);
    expect(same.callback.searchParams.get('code')).toEqual(expect.any(String));
    const more = await linkAccount(app.url, rp, user, { scope: 'homes:read devices:read', redirectUri: CALLBACK, agent: same.agent });
    expect(more.pages).toEqual(['consent']);
    const after = await app.http.get('/v1/me/apps').set(bearer(user.accessToken));
    expect(after.body).toEqual([expect.objectContaining({ clientId: thirdParty.clientId, scopes: ['homes:read', 'devices:read'] })]);
  });

  test('when the user unlinks the app, then its tokens stop at once and it is audited', async () => {
    const client = await openid();
    const { user, thirdParty, tokens } = await linked('homes:read');
    expect((await app.http.delete(`/v1/me/apps/${thirdParty.clientId}`).set(bearer(user.accessToken))).status).toBe(204);
    expect((await app.http.get('/v1/homes').set(bearer(tokens.access_token))).status).toBe(401);
    expect((await tokenError(client.refreshTokenGrant(await relyingParty(app.url, thirdParty), tokens.refresh_token!))).error).toBe('invalid_grant');
    expect((await app.http.get('/v1/me/apps').set(bearer(user.accessToken))).body).toEqual([]);
    expect((await app.http.delete(`/v1/me/apps/${thirdParty.clientId}`).set(bearer(user.accessToken))).status).toBe(404);
    const audit = await app.services.audit.list({ action: 'oauth_app.unlink', actorId: user.id, limit: 5 });
    expect(audit).toHaveLength(1);
  });

  test('when an admin deletes the app, then every token of it stops at once', async () => {
    const client = await openid();
    const { thirdParty, tokens } = await linked('homes:read');
    const rp = await relyingParty(app.url, thirdParty);
    expect((await app.http.delete(`/v1/admin/oauth-apps/${thirdParty.id}`).set(bearer(admin.accessToken))).status).toBe(204);
    expect((await app.http.get('/v1/homes').set(bearer(tokens.access_token))).status).toBe(401);
    expect((await tokenError(client.refreshTokenGrant(rp, tokens.refresh_token!))).error).toBe('invalid_client');
    expect((await app.http.delete(`/v1/admin/oauth-apps/${thirdParty.id}`).set(bearer(admin.accessToken))).status).toBe(404);
    const [{ count }] = (await app.database.db.sql.query<{ count: string }>('SELECT count(*) FROM oauth_payloads WHERE client_id = $1', [thirdParty.clientId])) as [{ count: string }];
    expect(Number(count)).toBe(0);
  });

  test('when the user is disabled, then the tokens stop, refresh fails and signing in is refused', async () => {
    const client = await openid();
    const { user, thirdParty, tokens } = await linked('homes:read');
    expect((await app.http.post(`/v1/admin/users/${user.id}/disable`).set(bearer(admin.accessToken))).status).toBe(200);
    expect((await app.http.get('/v1/homes').set(bearer(tokens.access_token))).status).toBe(401);
    const rp = await relyingParty(app.url, thirdParty);
    expect((await tokenError(client.refreshTokenGrant(rp, tokens.refresh_token!))).error).toBe('invalid_grant');
    await expect(linkAccount(app.url, rp, user, { scope: 'homes:read', redirectUri: CALLBACK })).rejects.toThrow(/answered 401/);
  });

  test('when the revocation hook runs for a user (a password reset), then every app token of theirs stops', async () => {
    const { user, tokens } = await linked('homes:read');
    expect(await app.services.oauthApps.service.revokeUser(user.id, 'password_reset')).toBe(1);
    expect((await app.http.get('/v1/homes').set(bearer(tokens.access_token))).status).toBe(401);
  });
});

describe('behind a TLS-terminating proxy', () => {
  test('when PUBLIC_URL is https and requests arrive over plain HTTP, then the flow starts with Secure cookies', async () => {
    const behind = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL, PUBLIC_URL: 'https://bridge.example.com' } });
    try {
      const owner = await registerAdmin(behind.http);
      const thirdParty = await createApp(behind.http, owner, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
      const query = new URLSearchParams({ client_id: thirdParty.clientId, response_type: 'code', redirect_uri: CALLBACK, scope: 'homes:read', state: 's' });
      const res = await fetch(`${behind.url}/oauth/authorize?${query}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/oauth\/interaction\//);
      const cookies = res.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie).toMatch(/;\s*secure/i);
    } finally {
      await behind.close();
    }
  });
});

describe('several instances', () => {
  let second: Server;
  let secondUrl: string;
  beforeAll(async () => {
    // Another instance on the same database, behind the same PUBLIC_URL: nothing held in memory is shared.
    const services = buildServices({ config: app.config, logger: app.services.logger, db: app.database.db, mode: app.services.mode, modeProject: app.services.modeProject, metrics: createMetrics() });
    second = createServer(createExpressApp({ services, readiness: [] }));
    await new Promise<void>((resolve) => second.listen(0, '127.0.0.1', resolve));
    secondUrl = `http://127.0.0.1:${(second.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    second.closeAllConnections();
    await new Promise((resolve) => second.close(resolve));
  });

  test('when a code from one instance is redeemed on another, then its tokens work on both, and reuse is detected across them', async () => {
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
    const result = await linkAccount(app.url, await relyingParty(app.url, thirdParty), user, { scope: 'homes:read', redirectUri: CALLBACK });
    const basic = `Basic ${Buffer.from(`${thirdParty.clientId}:${thirdParty.clientSecret}`).toString('base64')}`;
    const token = (url: string, params: Record<string, string>) =>
      fetch(`${url}/oauth/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));
    const issued = await token(secondUrl, { grant_type: 'authorization_code', code: result.callback.searchParams.get('code')!, redirect_uri: CALLBACK });
    expect(issued.status).toBe(200);
    for (const url of [app.url, secondUrl]) {
      expect((await fetch(`${url}/v1/homes`, { headers: bearer(issued.body.access_token!) })).status).toBe(200);
    }
    const rotated = await token(app.url, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token! });
    expect(rotated.status).toBe(200);
    const reused = await token(secondUrl, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token! });
    expect(reused).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_grant' }) });
    expect((await fetch(`${secondUrl}/v1/homes`, { headers: bearer(rotated.body.access_token!) })).status).toBe(401);
  });
});

describe('signing in', () => {
  test('when the password is wrong too often on the sign-in page, then the API login of that account is locked too', async () => {
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [CALLBACK] });
    const rp = await relyingParty(app.url, thirdParty);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(linkAccount(app.url, rp, { email: user.email, password: 'wrong password, surely' }, { scope: 'homes:read', redirectUri: CALLBACK })).rejects.toThrow(/answered 401/);
    }
    const login = await app.http.post('/v1/auth/login').send({ email: user.email, password: user.password });
    expect(login.status).toBe(429);
  });
});
