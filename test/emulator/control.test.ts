import { createEmulator, type Emulator } from '../../src/emulator';
import { call, createHome, linkUser } from './helpers';

let emulator: Emulator;

beforeEach(async () => {
  emulator = await createEmulator({ projectId: 4242, projectKey: 'fixed-project-key' });
});

afterEach(async () => {
  await emulator.close();
});

describe('createEmulator', () => {
  it('when given a project ID and key, then it uses them and listens on loopback', async () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect([emulator.projectId, emulator.projectKey]).toEqual([4242, 'fixed-project-key']);
    const auth = await call(emulator, 'GET', '/auth', { key: 'fixed-project-key' });
    expect(auth.body).toMatchObject({ type: 'project', projectId: 4242 });
  });

  it('when closed twice, then the second close is harmless', async () => {
    await emulator.close();
    await expect(emulator.close()).resolves.toBeUndefined();
  });
});

describe('request log', () => {
  it('when a client calls MODE, then the log has method, path, query, authorization, content type and body', async () => {
    await call(emulator, 'POST', '/users', { key: 'fixed-project-key', json: { projectId: 4242 } });
    await call(emulator, 'POST', '/auth/user', { key: 'fixed-project-key', form: { projectId: 4242, userId: 1 } });
    await call(emulator, 'GET', '/homes?userId=1', { key: 'fixed-project-key' });
    await call(emulator, 'GET', '/_emulator/state');

    expect(emulator.control.requests()).toEqual([
      { method: 'POST', path: '/users', authorization: 'ModeCloud fixed-project-key', contentType: 'application/json', body: { projectId: 4242 } },
      {
        method: 'POST', path: '/auth/user', authorization: 'ModeCloud fixed-project-key',
        contentType: 'application/x-www-form-urlencoded', body: { projectId: '4242', userId: '1' },
      },
      { method: 'GET', path: '/homes', query: { userId: '1' }, authorization: 'ModeCloud fixed-project-key', body: undefined },
    ]);
  });
});

describe('control API over HTTP', () => {
  it('when a device is provisioned and made claimable over HTTP, then a member can claim it', async () => {
    const provisioned = await call(emulator, 'POST', '/_emulator/devices', { json: { deviceClass: 'lock', name: 'Front door' } });
    expect(provisioned.status).toBe(201);
    expect(provisioned.body).toEqual({ id: expect.any(Number), claimCode: expect.any(String), apiKey: expect.any(String) });
    expect((await call(emulator, 'POST', `/_emulator/devices/${provisioned.body.id}/claimable`, { json: { claimable: true } })).status).toBe(204);

    const user = await linkUser(emulator);
    const homeId = await createHome(emulator, user);
    const claim = await call(emulator, 'POST', '/devices', { key: user.key, form: { homeId, claimCode: provisioned.body.claimCode } });
    expect(claim.status).toBe(201);
  });

  it('when a project key is created over HTTP, then it has the requested permissions', async () => {
    const created = await call(emulator, 'POST', '/_emulator/project-keys', { json: { byou: false } });
    expect(created.status).toBe(201);
    expect((await call(emulator, 'POST', '/users', { key: created.body.key, json: { projectId: 4242 } })).status).toBe(403);
  });

  it('when user keys are revoked over HTTP, then the user\'s key answers 401', async () => {
    const user = await linkUser(emulator);
    expect((await call(emulator, 'POST', `/_emulator/users/${user.userId}/revoke-keys`)).status).toBe(204);
    expect((await call(emulator, 'GET', '/userSession', { key: user.key })).status).toBe(401);
  });

  it('when webhooks are set over HTTP, then the state lists them; a bad URL gets 400', async () => {
    const hooks = [{ url: 'http://127.0.0.1:9/hook', key: 'k' }];
    expect((await call(emulator, 'POST', '/_emulator/webhooks', { json: { webhooks: hooks } })).status).toBe(204);
    expect((await call(emulator, 'GET', '/_emulator/state')).body.webhooks).toEqual(hooks);
    expect((await call(emulator, 'POST', '/_emulator/webhooks', { json: [{ url: 'not a url', key: 'k' }] })).status).toBe(400);
  });

  it('when an event is emitted for an unknown device, then 404', async () => {
    expect((await call(emulator, 'POST', '/_emulator/devices/999999/events', { json: { eventType: 'x' } })).status).toBe(404);
  });

  it('when the emulator is reset, then data and the log are gone but the project key still works', async () => {
    const user = await linkUser(emulator);
    await createHome(emulator, user);
    expect((await call(emulator, 'POST', '/_emulator/reset')).status).toBe(204);

    const state = (await call(emulator, 'GET', '/_emulator/state')).body;
    expect([state.users, state.homes, state.members, state.devices, state.requests]).toEqual([[], [], [], [], []]);
    expect((await call(emulator, 'GET', '/auth', { key: user.key })).status).toBe(401);
    expect((await call(emulator, 'GET', '/auth', { key: 'fixed-project-key' })).status).toBe(200);
  });

  it('when an unknown route is called, then 404 RESOURCE_NOT_FOUND in MODE\'s shape', async () => {
    expect((await call(emulator, 'GET', '/nowhere', { key: 'fixed-project-key' })).body).toEqual({ reason: 'RESOURCE_NOT_FOUND' });
    expect((await call(emulator, 'GET', '/_emulator/nowhere')).status).toBe(404);
  });

  it('when a JSON body is malformed, then 400 INVALID_INPUT, not 500', async () => {
    const { request } = await import('undici');
    const broken = await request(`${emulator.url}/users`, {
      method: 'POST', headers: { authorization: 'ModeCloud fixed-project-key', 'content-type': 'application/json' }, body: '{"projectId":',
    });
    expect(broken.statusCode).toBe(400);
    expect(await broken.body.json()).toEqual({ reason: 'INVALID_INPUT' });
  });
});
