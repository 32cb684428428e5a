import jwt from 'jsonwebtoken';
import { bearer, registerAccount, type Account } from '../fixtures/accounts';
import { startTestApp, type TestApp } from '../support/test-app';

// Sessions are refresh-token families: listed with where they came from, ended one by one or
// all at once, and the current one is the session of the caller's access token.

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

interface SignedIn {
  accessToken: string;
  refreshToken: string;
}

async function login(account: Account, userAgent: string): Promise<SignedIn> {
  const res = await app.http.post('/v1/auth/login').set('User-Agent', userAgent).send({ email: account.email, password: account.password });
  expect(res.status).toBe(200);
  return res.body;
}

const listSessions = (accessToken: string) => app.http.get('/v1/me/sessions').set(bearer(accessToken));
const refresh = (refreshToken: string, userAgent = 'test-agent') => app.http.post('/v1/auth/refresh').set('User-Agent', userAgent).send({ refreshToken });
const sessionIdOf = (accessToken: string) => (jwt.decode(accessToken) as { sid?: string }).sid;

describe('listing sessions', () => {
  test('when a user signed in from two apps, then both sessions are listed with their user agent and address, and the caller’s is current', async () => {
    const account = await registerAccount(app.http);
    const phone = await login(account, 'PhoneApp/1.0');
    const laptop = await login(account, 'Mozilla/5.0 (Laptop)');

    const res = await listSessions(phone.accessToken);

    expect(res.status).toBe(200);
    const byAgent = new Map(res.body.map((session: { userAgent: string }) => [session.userAgent, session]));
    expect(byAgent.get('PhoneApp/1.0')).toEqual({ id: sessionIdOf(phone.accessToken), createdAt: expect.any(String), lastUsedAt: expect.any(String), userAgent: 'PhoneApp/1.0', ip: expect.stringContaining('127.0.0.1'), current: true });
    expect(byAgent.get('Mozilla/5.0 (Laptop)')).toMatchObject({ id: sessionIdOf(laptop.accessToken), current: false });
    // The registration signed in too: three sessions, one current.
    expect(res.body).toHaveLength(3);
    expect(res.body.filter((session: { current: boolean }) => session.current)).toHaveLength(1);
    expect(JSON.stringify(res.body)).not.toContain(phone.refreshToken);
  });

  test('when a session refreshes, then it stays one session with the same ID, and its lastUsedAt moves to the refresh', async () => {
    const account = await registerAccount(app.http);
    const first = await login(account, 'Refresher/1');
    const sessionId = sessionIdOf(first.accessToken)!;
    const longAgo = new Date('2020-01-01T00:00:00.000Z');
    await app.database.db.prisma.session.update({ where: { id: sessionId }, data: { lastUsedAt: longAgo } });

    const refreshed = await refresh(first.refreshToken, 'Refresher/1');

    expect(refreshed.status).toBe(200);
    expect(sessionIdOf(refreshed.body.accessToken)).toBe(sessionId);
    const sessions = (await listSessions(refreshed.body.accessToken)).body as Array<{ id: string; lastUsedAt: string; createdAt: string; current: boolean }>;
    const session = sessions.find((one) => one.id === sessionId)!;
    expect(session.current).toBe(true);
    expect(Date.parse(session.lastUsedAt)).toBeGreaterThan(longAgo.getTime());
    expect(Date.parse(session.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
    expect(sessions.filter((one) => one.id === sessionId)).toHaveLength(1);
  });

  test('when a session was logged out, then it is no longer listed', async () => {
    const account = await registerAccount(app.http);
    const other = await login(account, 'LeavingApp/2');
    expect((await app.http.post('/v1/auth/logout').send({ refreshToken: other.refreshToken })).status).toBe(204);

    const res = await listSessions(account.accessToken);

    expect(res.body.map((session: { id: string }) => session.id)).not.toContain(sessionIdOf(other.accessToken));
    expect(res.body).toHaveLength(1);
  });

  test('when no access token is given, then 401', async () => {
    expect((await app.http.get('/v1/me/sessions')).status).toBe(401);
  });
});

describe('ending one session', () => {
  test('when the user ends another session, then 204, that session’s refresh token stops at once and the others keep working', async () => {
    const account = await registerAccount(app.http);
    const stolen = await login(account, 'LostPhone/1');
    const kept = await login(account, 'Laptop/1');

    const res = await app.http.delete(`/v1/me/sessions/${sessionIdOf(stolen.accessToken)}`).set(bearer(kept.accessToken));

    expect(res.status).toBe(204);
    const refused = await refresh(stolen.refreshToken);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthenticated');
    expect((await refresh(kept.refreshToken)).status).toBe(200);
    const listed = (await listSessions(kept.accessToken)).body.map((session: { id: string }) => session.id);
    expect(listed).not.toContain(sessionIdOf(stolen.accessToken));
    const audit = await app.database.db.prisma.auditEntry.findFirst({ where: { action: 'auth.session_end', targetId: sessionIdOf(stolen.accessToken) } });
    expect(audit).toMatchObject({ actorId: account.id, result: 'success' });
  });

  test('when the user ends another user’s session, then 404 and that session keeps working', async () => {
    const owner = await registerAccount(app.http);
    const intruder = await registerAccount(app.http);

    const res = await app.http.delete(`/v1/me/sessions/${sessionIdOf(owner.accessToken)}`).set(bearer(intruder.accessToken));

    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await refresh(owner.refreshToken)).status).toBe(200);
  });

  test('when the session ID is unknown, then 404; when it is not a UUID, then 400 naming the parameter', async () => {
    const account = await registerAccount(app.http);
    expect((await app.http.delete('/v1/me/sessions/7b0f1f0e-8f7c-4a44-9d55-0d2b1c8f3a11').set(bearer(account.accessToken))).status).toBe(404);
    const malformed = await app.http.delete('/v1/me/sessions/not-a-session').set(bearer(account.accessToken));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details).toEqual([expect.objectContaining({ field: 'params.id' })]);
  });
});

describe('logout everywhere', () => {
  test('when the user logs out everywhere, then 204 and every refresh token of every session stops', async () => {
    const account = await registerAccount(app.http);
    const other = await login(account, 'Tablet/3');
    const bystander = await registerAccount(app.http);

    const res = await app.http.post('/v1/auth/logout-all').set(bearer(account.accessToken));

    expect(res.status).toBe(204);
    expect((await refresh(account.refreshToken)).status).toBe(401);
    expect((await refresh(other.refreshToken)).status).toBe(401);
    expect((await listSessions(account.accessToken)).body).toEqual([]);
    expect((await refresh(bystander.refreshToken)).status).toBe(200);
    const audit = await app.database.db.prisma.auditEntry.findFirst({ where: { action: 'auth.logout_all', actorId: account.id } });
    expect(audit?.details).toEqual({ sessions: 2 });
  });

  test('when no access token is given, then 401', async () => {
    expect((await app.http.post('/v1/auth/logout-all')).status).toBe(401);
  });
});

describe('revoking all sessions but one (for password changes)', () => {
  test('when every session but one is revoked, then only that one can still refresh', async () => {
    const account = await registerAccount(app.http);
    const keep = await login(account, 'Keep/1');
    const drop = await login(account, 'Drop/1');

    const ended = await app.services.sessions.revokeAllSessions(account.id, { except: sessionIdOf(keep.accessToken) });

    expect(ended).toBe(2);
    expect((await refresh(keep.refreshToken)).status).toBe(200);
    expect((await refresh(drop.refreshToken)).status).toBe(401);
    expect((await refresh(account.refreshToken)).status).toBe(401);
  });
});

test('when a refresh token is reused, then its session ends and is no longer listed', async () => {
  const account = await registerAccount(app.http);
  const other = await login(account, 'Replayed/1');
  expect((await refresh(other.refreshToken)).status).toBe(200);

  expect((await refresh(other.refreshToken)).status).toBe(401);

  const listed = (await listSessions(account.accessToken)).body.map((session: { id: string }) => session.id);
  expect(listed).not.toContain(sessionIdOf(other.accessToken));
});

test('when the OpenAPI document is read, then the session and account routes are in it with their schemas', async () => {
  const doc = (await app.http.get('/openapi.json')).body;

  expect(Object.keys(doc.paths['/v1/me/sessions'])).toEqual(['get']);
  expect(Object.keys(doc.paths['/v1/me/sessions/{id}'])).toEqual(['delete']);
  expect(Object.keys(doc.paths['/v1/auth/logout-all'])).toEqual(['post']);
  expect(Object.keys(doc.paths['/v1/me']).sort()).toEqual(['delete', 'get', 'patch']);
  expect(doc.paths['/v1/me/sessions'].get.responses['200'].content['application/json'].schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/SessionInfo' } });
  expect(Object.keys(doc.components.schemas.SessionInfo.properties).sort()).toEqual(['createdAt', 'current', 'id', 'ip', 'lastUsedAt', 'userAgent']);
  expect(Object.keys(doc.components.schemas.Session.properties).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken']);
  expect(doc.paths['/v1/me'].delete.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AccountDeletion' });
  expect(doc.paths['/v1/me'].patch.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ProfileChange' });
});
