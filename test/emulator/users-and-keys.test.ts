import { createEmulator, type Emulator } from '../../src/emulator';
import { call, createHome, linkUser } from './helpers';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await createEmulator();
});

afterAll(async () => {
  await emulator.close();
});

describe('API keys', () => {
  it('when no Authorization header is sent, then 401 AUTH_REQUIRED', async () => {
    const answer = await call(emulator, 'GET', '/auth');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ reason: 'AUTH_REQUIRED' });
  });

  it('when the key is unknown, then 401 INVALID_API_KEY', async () => {
    const answer = await call(emulator, 'GET', '/auth', { key: 'not-a-key' });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ reason: 'INVALID_API_KEY' });
  });

  it('when the header uses another scheme than ModeCloud, then 401 INVALID_API_KEY', async () => {
    const answer = await call(emulator, 'GET', '/auth', { headers: { authorization: `Bearer ${emulator.projectKey}` } });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ reason: 'INVALID_API_KEY' });
  });

  it('when GET /auth is called with each kind of key, then it says which kind and whose', async () => {
    const user = await linkUser(emulator);
    const device = emulator.control.provisionDevice({ deviceClass: 'lamp' });

    const project = await call(emulator, 'GET', '/auth', { key: emulator.projectKey });
    const asUser = await call(emulator, 'GET', '/auth', { key: user.key });
    const asDevice = await call(emulator, 'GET', '/auth', { key: device.apiKey });

    expect(project.body).toEqual({ type: 'project', projectId: 1000, keyId: expect.any(String) });
    expect(asUser.body).toEqual({ type: 'user', projectId: 1000, userId: user.userId });
    expect(asDevice.body).toEqual({ type: 'device', projectId: 1000, deviceId: device.id });
  });
});

describe('POST /users', () => {
  it('when the BYOU project key creates a user, then 201 with the user and its Location', async () => {
    const answer = await call(emulator, 'POST', '/users', { key: emulator.projectKey, json: { projectId: 1000 } });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.any(Number), projectId: 1000, verified: true, name: '', creationTime: expect.any(String),
    });
    expect(answer.headers.location).toBe(`/users/${answer.body.id}`);
  });

  it('when the projectId is not the project of the key, then 403', async () => {
    const answer = await call(emulator, 'POST', '/users', { key: emulator.projectKey, json: { projectId: 999 } });
    expect(answer.status).toBe(403);
  });

  it('when the project key lacks the BYOU permission, then 403 ACCESS_DENIED', async () => {
    const plainKey = emulator.control.createProjectKey({ byou: false });
    const answer = await call(emulator, 'POST', '/users', { key: plainKey, json: { projectId: 1000 } });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ reason: 'ACCESS_DENIED' });
  });

  it('when a user key tries to create a user, then 403 ACCESS_DENIED', async () => {
    const user = await linkUser(emulator);
    const answer = await call(emulator, 'POST', '/users', { key: user.key, json: { projectId: 1000 } });
    expect(answer.status).toBe(403);
  });

  it('when the body is not JSON, then 403 INVALID_INPUT', async () => {
    const answer = await call(emulator, 'POST', '/users', { key: emulator.projectKey, form: { projectId: 1000 } });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ reason: 'INVALID_INPUT' });
  });
});

describe('POST /auth/user', () => {
  it('when sent as a Web Form with the BYOU key, then 200 with a working user key', async () => {
    const created = await call(emulator, 'POST', '/users', { key: emulator.projectKey, json: { projectId: 1000 } });
    const answer = await call(emulator, 'POST', '/auth/user', {
      key: emulator.projectKey, form: { projectId: 1000, userId: created.body.id },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ token: expect.any(String), userId: created.body.id });
    expect((await call(emulator, 'GET', `/users/${created.body.id}`, { key: answer.body.token })).status).toBe(200);
  });

  it('when sent as JSON, as MODE\'s own clients do where the reference says Web Form, then the key is issued too', async () => {
    const created = await call(emulator, 'POST', '/users', { key: emulator.projectKey, json: { projectId: 1000 } });
    const answer = await call(emulator, 'POST', '/auth/user', {
      key: emulator.projectKey, json: { projectId: 1000, userId: created.body.id },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ token: expect.any(String), userId: created.body.id });
  });

  it('when the user does not exist, then 403 USER_NOT_FOUND', async () => {
    const answer = await call(emulator, 'POST', '/auth/user', { key: emulator.projectKey, form: { projectId: 1000, userId: 987654 } });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ reason: 'USER_NOT_FOUND' });
  });

  it('when called twice, then each call issues a new key and both keep working', async () => {
    const user = await linkUser(emulator);
    const second = await call(emulator, 'POST', '/auth/user', { key: emulator.projectKey, form: { projectId: 1000, userId: user.userId } });
    expect(second.body.token).not.toBe(user.key);
    expect((await call(emulator, 'GET', '/userSession', { key: user.key })).status).toBe(200);
    expect((await call(emulator, 'GET', '/userSession', { key: second.body.token })).status).toBe(200);
  });
});

describe('users and sessions', () => {
  it('when user A asks for user B, then 404; when a project key asks, then 403', async () => {
    const a = await linkUser(emulator);
    const b = await linkUser(emulator);
    expect((await call(emulator, 'GET', `/users/${b.userId}`, { key: a.key })).status).toBe(404);
    expect((await call(emulator, 'GET', `/users/${b.userId}`, { key: emulator.projectKey })).status).toBe(403);
  });

  it('when the user ID in the path is not an integer, then 404', async () => {
    const user = await linkUser(emulator);
    const answer = await call(emulator, 'GET', '/users/abc', { key: user.key });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ reason: 'RESOURCE_NOT_FOUND' });
  });

  it('when the user renames themself, then 204 and the new name is returned', async () => {
    const user = await linkUser(emulator);
    expect((await call(emulator, 'PATCH', `/users/${user.userId}`, { key: user.key, json: { name: 'Ada' } })).status).toBe(204);
    expect((await call(emulator, 'GET', `/users/${user.userId}`, { key: user.key })).body.name).toBe('Ada');
  });

  it('when GET /userSession is called with a user key, then it describes the session', async () => {
    const user = await linkUser(emulator);
    const answer = await call(emulator, 'GET', '/userSession', { key: user.key });
    expect(answer.body).toEqual({ userId: user.userId, projectId: 1000, creationTime: expect.any(String) });
  });

  it('when the session is deleted, then 204 and its key stops working', async () => {
    const user = await linkUser(emulator);
    expect((await call(emulator, 'DELETE', '/userSession', { key: user.key })).status).toBe(204);
    expect((await call(emulator, 'GET', '/userSession', { key: user.key })).status).toBe(401);
  });

  it('when the control revokes a user\'s keys, then every key of that user answers 401 and a new one works', async () => {
    const user = await linkUser(emulator);
    const second = await call(emulator, 'POST', '/auth/user', { key: emulator.projectKey, form: { projectId: 1000, userId: user.userId } });
    emulator.control.revokeUserKeys(user.userId);
    expect((await call(emulator, 'GET', '/userSession', { key: user.key })).body).toEqual({ reason: 'INVALID_API_KEY' });
    expect((await call(emulator, 'GET', '/userSession', { key: second.body.token })).status).toBe(401);
    const fresh = await call(emulator, 'POST', '/auth/user', { key: emulator.projectKey, form: { projectId: 1000, userId: user.userId } });
    expect((await call(emulator, 'GET', '/userSession', { key: fresh.body.token })).status).toBe(200);
  });
});

describe('DELETE /users/:id', () => {
  it('when the BYOU project key deletes a user, then 204, the user leaves its homes and its keys stop working', async () => {
    const owner = await linkUser(emulator);
    const leaving = await linkUser(emulator);
    const homeId = await createHome(emulator, owner);
    await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: leaving.userId } });

    const answer = await call(emulator, 'DELETE', `/users/${leaving.userId}`, { key: emulator.projectKey });

    expect(answer.status).toBe(204);
    expect((await call(emulator, 'GET', '/auth', { key: leaving.key })).status).toBe(401);
    const members = await call(emulator, 'GET', `/homes/${homeId}/members`, { key: owner.key });
    expect(members.body.map((m: { userId: number }) => m.userId)).toEqual([owner.userId]);
    const relink = await call(emulator, 'POST', '/auth/user', { key: emulator.projectKey, form: { projectId: 1000, userId: leaving.userId } });
    expect(relink.status).toBe(403);
  });

  it('when a user deletes themself, then 204; when they delete another user, then 404', async () => {
    const a = await linkUser(emulator);
    const b = await linkUser(emulator);
    expect((await call(emulator, 'DELETE', `/users/${b.userId}`, { key: a.key })).status).toBe(404);
    expect((await call(emulator, 'DELETE', `/users/${a.userId}`, { key: a.key })).status).toBe(204);
  });

  it('when a project key without BYOU deletes a user, then 403', async () => {
    const user = await linkUser(emulator);
    const plainKey = emulator.control.createProjectKey({ byou: false });
    expect((await call(emulator, 'DELETE', `/users/${user.userId}`, { key: plainKey })).status).toBe(403);
  });
});
