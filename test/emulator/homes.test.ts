import { createEmulator, type Emulator } from '../../src/emulator';
import { call, createHome, linkUser, type LinkedUser } from './helpers';

let emulator: Emulator;
let owner: LinkedUser;
let stranger: LinkedUser;
let homeId: number;

beforeAll(async () => {
  emulator = await createEmulator();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(async () => {
  owner = await linkUser(emulator);
  stranger = await linkUser(emulator);
  homeId = await createHome(emulator, owner, 'Lake house');
});

describe('homes', () => {
  it('when a user creates a home, then 201 with the home and the user is its owner', async () => {
    const answer = await call(emulator, 'POST', '/homes', { key: owner.key, json: { name: 'Flat', timezone: 'Europe/Paris' } });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ id: expect.any(Number), name: 'Flat', projectId: 1000, timezone: 'Europe/Paris', creationTime: expect.any(String) });
    expect(answer.headers.location).toBe(`/homes/${answer.body.id}`);
    const members = await call(emulator, 'GET', `/homes/${answer.body.id}/members`, { key: owner.key });
    expect(members.body).toEqual([
      { userId: owner.userId, name: '', verified: true, creationTime: expect.any(String), role: 'owner' },
    ]);
  });

  it('when the home has no name or an unknown timezone, then 403 INVALID_INPUT', async () => {
    expect((await call(emulator, 'POST', '/homes', { key: owner.key, json: {} })).body).toEqual({ reason: 'INVALID_INPUT' });
    const badZone = await call(emulator, 'POST', '/homes', { key: owner.key, json: { name: 'x', timezone: 'Mars/Base' } });
    expect(badZone.status).toBe(403);
  });

  it('when a project key tries to create a home, then 403 ACCESS_DENIED', async () => {
    expect((await call(emulator, 'POST', '/homes', { key: emulator.projectKey, json: { name: 'x' } })).status).toBe(403);
  });

  it('when homes are listed for the caller or by the project key, then they are returned', async () => {
    const own = await call(emulator, 'GET', `/homes?userId=${owner.userId}`, { key: owner.key });
    const byProject = await call(emulator, 'GET', `/homes?userId=${owner.userId}`, { key: emulator.projectKey });
    expect(own.body.map((home: { id: number }) => home.id)).toEqual([homeId]);
    expect(byProject.body).toEqual(own.body);
  });

  it('when a user lists the homes of another user, then 403; without userId, then 400', async () => {
    expect((await call(emulator, 'GET', `/homes?userId=${owner.userId}`, { key: stranger.key })).status).toBe(403);
    expect((await call(emulator, 'GET', '/homes', { key: owner.key })).status).toBe(400);
  });

  it('when user B asks for user A\'s home, then 404; when the project key asks, then 200', async () => {
    expect((await call(emulator, 'GET', `/homes/${homeId}`, { key: stranger.key })).status).toBe(404);
    expect((await call(emulator, 'GET', `/homes/${homeId}`, { key: emulator.projectKey })).status).toBe(200);
  });

  it('when a member renames the home, then 204 and the name changes', async () => {
    expect((await call(emulator, 'PATCH', `/homes/${homeId}`, { key: owner.key, json: { name: 'Cabin' } })).status).toBe(204);
    expect((await call(emulator, 'GET', `/homes/${homeId}`, { key: owner.key })).body.name).toBe('Cabin');
  });

  it('when the owner deletes the home, then 204 and it is gone', async () => {
    expect((await call(emulator, 'DELETE', `/homes/${homeId}`, { key: owner.key })).status).toBe(204);
    expect((await call(emulator, 'GET', `/homes/${homeId}`, { key: owner.key })).status).toBe(404);
  });

  it('when the home ID is not an integer, then 404', async () => {
    expect((await call(emulator, 'GET', '/homes/12abc', { key: owner.key })).status).toBe(404);
  });
});

describe('members', () => {
  it('when a member is added by user ID as a Web Form, then 201 with the member', async () => {
    const answer = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: stranger.userId } });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ userId: stranger.userId, name: '', verified: true, creationTime: expect.any(String), role: 'member' });
    expect((await call(emulator, 'GET', `/homes/${homeId}`, { key: stranger.key })).status).toBe(200);
  });

  it('when a member is added with a JSON body, as MODE\'s app client sends it, then 201 too', async () => {
    const answer = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, json: { userId: stranger.userId, role: 'member' } });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ userId: stranger.userId, role: 'member' });
  });

  it('when the body is neither JSON nor a form, then 403 INVALID_INPUT', async () => {
    const answer = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, headers: { 'content-type': 'text/plain' } });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ reason: 'INVALID_INPUT' });
  });

  it('when the user does not exist, then 403 USER_NOT_FOUND; when already a member, then 403 ALREADY_MEMBER', async () => {
    const unknown = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: 999999 } });
    const again = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: owner.userId } });
    expect([unknown.status, unknown.body.reason]).toEqual([403, 'USER_NOT_FOUND']);
    expect([again.status, again.body.reason]).toEqual([403, 'ALREADY_MEMBER']);
  });

  it('when a non-member adds somebody, then 404', async () => {
    const answer = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: stranger.key, form: { userId: stranger.userId } });
    expect(answer.status).toBe(404);
  });

  it('when a plain member deletes the home or removes the owner, then 403; leaving is allowed', async () => {
    await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: stranger.userId } });
    expect((await call(emulator, 'DELETE', `/homes/${homeId}`, { key: stranger.key })).status).toBe(403);
    expect((await call(emulator, 'DELETE', `/homes/${homeId}/members/${owner.userId}`, { key: stranger.key })).status).toBe(403);
    expect((await call(emulator, 'DELETE', `/homes/${homeId}/members/${stranger.userId}`, { key: stranger.key })).status).toBe(204);
    expect((await call(emulator, 'GET', `/homes/${homeId}/members/${stranger.userId}`, { key: owner.key })).status).toBe(404);
  });

  it('when the owner removes a member, then 204 and the member loses access', async () => {
    await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: stranger.userId } });
    const fetched = await call(emulator, 'GET', `/homes/${homeId}/members/${stranger.userId}`, { key: emulator.projectKey });
    expect(fetched.body.role).toBe('member');
    expect((await call(emulator, 'DELETE', `/homes/${homeId}/members/${stranger.userId}`, { key: owner.key })).status).toBe(204);
    expect((await call(emulator, 'GET', `/homes/${homeId}`, { key: stranger.key })).status).toBe(404);
  });
});

describe('smart modules', () => {
  it('when the home\'s Smart Modules are listed, then the Webhooks module is there', async () => {
    const list = await call(emulator, 'GET', `/homes/${homeId}/smartModules`, { key: owner.key });
    expect(list.body).toEqual([{ id: 'webhooks', description: expect.any(String), moduleType: 'webhooks', suspended: false, version: 1, creationTime: expect.any(String) }]);
    expect((await call(emulator, 'GET', `/homes/${homeId}/smartModules/webhooks`, { key: emulator.projectKey })).status).toBe(200);
    expect((await call(emulator, 'GET', `/homes/${homeId}/smartModules/nope`, { key: owner.key })).status).toBe(404);
  });
});

describe('key-value store', () => {
  it('when pairs are stored, then they can be read, listed by prefix and deleted', async () => {
    const put = await call(emulator, 'PUT', `/homes/${homeId}/kv/schedule.morning`, { key: owner.key, json: { key: 'schedule.morning', value: { at: '07:00' } } });
    await call(emulator, 'PUT', `/homes/${homeId}/kv/schedule.night`, { key: emulator.projectKey, json: { value: 22 } });
    await call(emulator, 'PUT', `/homes/${homeId}/kv/other`, { key: owner.key, json: { value: 'x' } });
    expect(put.status).toBe(204);

    const one = await call(emulator, 'GET', `/homes/${homeId}/kv/schedule.morning`, { key: owner.key });
    expect(one.body).toEqual({ key: 'schedule.morning', value: { at: '07:00' }, modificationTime: expect.any(String) });
    const listed = await call(emulator, 'GET', `/homes/${homeId}/kv?keyPrefix=schedule.`, { key: owner.key });
    expect(listed.body.map((pair: { key: string }) => pair.key)).toEqual(['schedule.morning', 'schedule.night']);

    expect((await call(emulator, 'DELETE', `/homes/${homeId}/kv/other`, { key: owner.key })).status).toBe(204);
    expect((await call(emulator, 'GET', `/homes/${homeId}/kv/other`, { key: owner.key })).status).toBe(404);
    expect((await call(emulator, 'DELETE', `/homes/${homeId}/kv/other`, { key: owner.key })).status).toBe(404);
  });

  it('when the body names another key or has no value, then 403 INVALID_INPUT', async () => {
    const otherKey = await call(emulator, 'PUT', `/homes/${homeId}/kv/a`, { key: owner.key, json: { key: 'b', value: 1 } });
    const noValue = await call(emulator, 'PUT', `/homes/${homeId}/kv/a`, { key: owner.key, json: { key: 'a' } });
    expect([otherKey.status, noValue.status]).toEqual([403, 403]);
  });

  it('when a non-member touches the home\'s pairs, then 404', async () => {
    expect((await call(emulator, 'GET', `/homes/${homeId}/kv`, { key: stranger.key })).status).toBe(404);
    expect((await call(emulator, 'PUT', `/homes/${homeId}/kv/a`, { key: stranger.key, json: { value: 1 } })).status).toBe(404);
  });
});
