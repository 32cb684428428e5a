import { bearer, GOOD_PASSWORD, registerAccount, uniqueEmail } from '../fixtures/accounts';
import { createHome, homeWithPeople, modeKeyOf, patientBreaker, watchMode } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ mode: patientBreaker });
});
afterAll(() => app.close());
afterEach(() => app.emulator.control.setFault(null));

const BAD_IDS = ['abc', '1.5', '-1', '0', '1e3', '99999999999'];

describe('create and read', () => {
  test('when a user creates a home, then MODE creates it with the user\'s own key and the user is its owner', async () => {
    const owner = await registerAccount(app.http);
    const sent = watchMode(app);
    const res = await app.http.post('/v1/homes').set(bearer(owner.accessToken)).send({ name: 'Beach house', timezone: 'Europe/Paris' });

    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), name: 'Beach house', projectId: app.emulator.projectId, timezone: 'Europe/Paris', creationTime: expect.any(String), role: 'owner' });
    const create = sent().find((r) => r.method === 'POST' && r.path === '/homes')!;
    expect(create.authorization).toBe(`ModeCloud ${await modeKeyOf(app, owner)}`);
    expect(create.authorization).not.toContain(app.emulator.projectKey);
    const row = await app.database.db.prisma.homeMembership.findFirst({ where: { homeId: res.body.id } });
    expect(row).toMatchObject({ modeUserId: owner.user.link.modeUserId, role: 'owner' });
  });

  test('when a user lists homes, then every home of theirs comes back with their role in it', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const ownHome = await createHome(app, member, 'Flat');

    const res = await app.http.get('/v1/homes').set(bearer(member.accessToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: homeId, name: 'Beach house', role: 'member' }),
      expect.objectContaining({ id: ownHome, name: 'Flat', role: 'owner' }),
    ]));
    expect(res.body).toHaveLength(2);
    const ownerHomes = await app.http.get('/v1/homes').set(bearer(owner.accessToken));
    expect(ownerHomes.body.map((home: { id: number }) => home.id)).toEqual([homeId]);
  });

  test('when MODE has a home the bridge never saw, then listing homes learns it and the home can be used', async () => {
    const user = await registerAccount(app.http);
    const key = await modeKeyOf(app, user);
    const made = await app.services.mode.createHome(key, { name: 'Made elsewhere' });

    const list = await app.http.get('/v1/homes').set(bearer(user.accessToken));
    expect(list.body).toEqual([expect.objectContaining({ id: made.id, role: 'owner' })]);
    const one = await app.http.get(`/v1/homes/${made.id}`).set(bearer(user.accessToken));
    expect(one.status).toBe(200);
    expect(one.body.role).toBe('owner');
  });

  test('when a member reads a home, then MODE\'s home is returned with the member role', async () => {
    const { member, homeId } = await homeWithPeople(app);
    const res = await app.http.get(`/v1/homes/${homeId}`).set(bearer(member.accessToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: homeId, name: 'Beach house', projectId: app.emulator.projectId, timezone: 'UTC', creationTime: expect.any(String), role: 'member' });
  });

  test('when the body is not valid, then 400 names each bad field', async () => {
    const user = await registerAccount(app.http);
    const missing = await app.http.post('/v1/homes').set(bearer(user.accessToken)).send({});
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('validation_failed');
    expect(missing.body.error.details).toEqual([expect.objectContaining({ field: 'body.name' })]);
    const badZone = await app.http.post('/v1/homes').set(bearer(user.accessToken)).send({ name: 'x', timezone: 'Mars/Olympus' });
    expect(badZone.body.error.details).toEqual([expect.objectContaining({ field: 'body.timezone' })]);
    const extra = await app.http.post('/v1/homes').set(bearer(user.accessToken)).send({ name: 'x', owner: 1 });
    expect(extra.status).toBe(400);
  });

  test.each(BAD_IDS)('when the home ID is %s, then 400 and MODE is not called', async (id) => {
    const user = await registerAccount(app.http);
    const sent = watchMode(app);
    const res = await app.http.get(`/v1/homes/${id}`).set(bearer(user.accessToken));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'params.homeId' })]);
    expect(sent()).toEqual([]);
  });

  test('when there is no access token, then 401', async () => {
    expect((await app.http.get('/v1/homes')).status).toBe(401);
    expect((await app.http.post('/v1/homes').send({ name: 'x' })).status).toBe(401);
  });
});

describe('change and delete', () => {
  test('when a member renames the home, then MODE has the new name', async () => {
    const { member, owner, homeId } = await homeWithPeople(app);
    const res = await app.http.patch(`/v1/homes/${homeId}`).set(bearer(member.accessToken)).send({ name: 'Lake house' });
    expect(res.status).toBe(204);
    const home = await app.http.get(`/v1/homes/${homeId}`).set(bearer(owner.accessToken));
    expect(home.body.name).toBe('Lake house');
  });

  test('when the change is empty, then 400', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const res = await app.http.patch(`/v1/homes/${homeId}`).set(bearer(owner.accessToken)).send({});
    expect(res.status).toBe(400);
  });

  test('when a member (not an owner) deletes the home, then 403 and MODE is not asked', async () => {
    const { member, homeId } = await homeWithPeople(app);
    const sent = watchMode(app);
    const res = await app.http.delete(`/v1/homes/${homeId}`).set(bearer(member.accessToken));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(sent().filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  test('when the owner deletes the home, then it is gone for every member and forgotten by the bridge', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const res = await app.http.delete(`/v1/homes/${homeId}`).set(bearer(owner.accessToken));
    expect(res.status).toBe(204);
    expect(await app.database.db.prisma.homeMembership.count({ where: { homeId } })).toBe(0);
    expect((await app.http.get(`/v1/homes/${homeId}`).set(bearer(member.accessToken))).status).toBe(404);
    expect((await app.http.get('/v1/homes').set(bearer(owner.accessToken))).body).toEqual([]);
  });
});

describe('a user who is not a member', () => {
  test('when they read, change or delete the home, then 404 and MODE is never called for them', async () => {
    const { owner, stranger, homeId } = await homeWithPeople(app);
    const sent = watchMode(app);
    const auth = bearer(stranger.accessToken);
    const answers = [
      await app.http.get(`/v1/homes/${homeId}`).set(auth),
      await app.http.patch(`/v1/homes/${homeId}`).set(auth).send({ name: 'Mine now' }),
      await app.http.delete(`/v1/homes/${homeId}`).set(auth),
    ];
    expect(answers.map((res) => res.status)).toEqual([404, 404, 404]);
    expect(answers.every((res) => res.body.error.code === 'not_found')).toBe(true);
    expect(sent()).toEqual([]);
    const home = await app.http.get(`/v1/homes/${homeId}`).set(bearer(owner.accessToken));
    expect(home.body.name).toBe('Beach house');
  });

  test('when they ask for a home that does not exist, then 404 like any other home not theirs', async () => {
    const user = await registerAccount(app.http);
    const res = await app.http.get('/v1/homes/2000000000').set(bearer(user.accessToken));
    expect(res.status).toBe(404);
  });
});

describe('MODE failures', () => {
  test.each([
    [404, 404, 'not_found'],
    [403, 403, 'forbidden'],
    [503, 503, 'upstream_unavailable'],
    [500, 502, 'upstream_error'],
  ])('when MODE answers %i, then the bridge answers %i %s', async (modeStatus, status, code) => {
    const { owner, homeId } = await homeWithPeople(app);
    app.emulator.control.setFault({ kind: 'status', status: modeStatus, paths: '^GET /homes/\\d+$' });
    const res = await app.http.get(`/v1/homes/${homeId}`).set(bearer(owner.accessToken));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(JSON.stringify(res.body)).not.toMatch(/RESOURCE_NOT_FOUND|ACCESS_DENIED|SERVICE_UNAVAILABLE|INTERNAL_ERROR/);
  });

  test('when MODE revoked the user\'s key, then a new key is issued and the call succeeds', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const oldKey = await modeKeyOf(app, owner);
    app.emulator.control.revokeUserKeys(owner.user.link.modeUserId!);
    const sent = watchMode(app);

    const res = await app.http.get(`/v1/homes/${homeId}`).set(bearer(owner.accessToken));
    expect(res.status).toBe(200);
    const newKey = await modeKeyOf(app, owner);
    expect(newKey).not.toBe(oldKey);
    const calls = sent().map((r) => `${r.method} ${r.path} ${r.authorization}`);
    expect(calls).toEqual([
      `GET /homes/${homeId} ModeCloud ${oldKey}`,
      `POST /auth/user ModeCloud ${app.emulator.projectKey}`,
      `GET /homes/${homeId} ModeCloud ${newKey}`,
    ]);
  });

  test('when the user\'s link is still pending, then it is completed on the spot', async () => {
    app.emulator.control.setFault({ kind: 'status', status: 503 });
    const res = await app.http.post('/v1/auth/register').send({ email: uniqueEmail(), password: GOOD_PASSWORD });
    expect(res.body.user.link.status).toBe('pending');
    app.emulator.control.setFault(null);

    const homes = await app.http.get('/v1/homes').set(bearer(res.body.accessToken));
    expect(homes.status).toBe(200);
    const me = await app.http.get('/v1/me').set(bearer(res.body.accessToken));
    expect(me.body.link).toEqual({ status: 'linked', modeUserId: expect.any(Number) });
  });

  test('when the link is pending and MODE is down, then 503 upstream_unavailable', async () => {
    app.emulator.control.setFault({ kind: 'status', status: 503 });
    const res = await app.http.post('/v1/auth/register').send({ email: uniqueEmail(), password: GOOD_PASSWORD });
    const homes = await app.http.post('/v1/homes').set(bearer(res.body.accessToken)).send({ name: 'x' });
    expect(homes.status).toBe(503);
    expect(homes.body.error.code).toBe('upstream_unavailable');
  });
});
