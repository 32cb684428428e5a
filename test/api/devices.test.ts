import { bearer, registerAccount } from '../fixtures/accounts';
import { claimDevice, homeWithPeople, modeKeyOf, patientBreaker, watchMode } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ mode: patientBreaker });
});
afterAll(() => app.close());
afterEach(() => app.emulator.control.setFault(null));

const publicDevice = (id: number, homeId: number, extra: object = {}) => ({
  id, projectId: app.emulator.projectId, homeId, name: 'Kitchen lamp', tag: '', deviceClass: 'lamp', isConnected: false, lastConnectTime: null, firmwareVersion: '', ...extra,
});

describe('claim and list', () => {
  test('when a member claims a device with its claim code, then MODE adds it with their key and the answer has no secrets', async () => {
    const { member, homeId } = await homeWithPeople(app);
    const provisioned = app.emulator.control.provisionDevice({ deviceClass: 'lamp', name: 'Kitchen lamp' });
    app.emulator.control.setClaimable(provisioned.id, true);
    const sent = watchMode(app);

    const res = await app.http.post(`/v1/homes/${homeId}/devices`).set(bearer(member.accessToken)).send({ claimCode: provisioned.claimCode });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(publicDevice(provisioned.id, homeId));
    expect(JSON.stringify(res.body)).not.toContain(provisioned.apiKey);
    expect(JSON.stringify(res.body)).not.toContain(provisioned.claimCode);
    const claim = sent().find((r) => r.method === 'POST' && r.path === '/devices')!;
    expect(claim.authorization).toBe(`ModeCloud ${await modeKeyOf(app, member)}`);
    expect(claim.body).toEqual({ homeId: String(homeId), claimCode: provisioned.claimCode });
    expect(await app.database.db.prisma.device.findUnique({ where: { id: provisioned.id } })).toMatchObject({ homeId, deviceClass: 'lamp' });
  });

  test('when the claim code is wrong or the device is not claimable, then 400 on the claim code', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const unclaimable = app.emulator.control.provisionDevice({ deviceClass: 'lamp' });
    for (const claimCode of ['WRONG-CODE', unclaimable.claimCode]) {
      const res = await app.http.post(`/v1/homes/${homeId}/devices`).set(bearer(owner.accessToken)).send({ claimCode });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'body.claimCode' })]);
    }
    const missing = await app.http.post(`/v1/homes/${homeId}/devices`).set(bearer(owner.accessToken)).send({});
    expect(missing.status).toBe(400);
  });

  test('when a member lists the devices of the home, then none carries an API key or claim code', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const first = await claimDevice(app, owner, homeId);
    const second = await claimDevice(app, owner, homeId, 'thermostat', 'Hall');
    const res = await app.http.get(`/v1/homes/${homeId}/devices`).set(bearer(member.accessToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([publicDevice(first.id, homeId), publicDevice(second.id, homeId, { name: 'Hall', deviceClass: 'thermostat' })]);
    expect(JSON.stringify(res.body)).not.toMatch(/apiKey|claimCode/);
  });
});

describe('one device', () => {
  test('when a member reads a device, then MODE\'s device comes back without secrets', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const device = await claimDevice(app, owner, homeId);
    const res = await app.http.get(`/v1/devices/${device.id}`).set(bearer(member.accessToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(publicDevice(device.id, homeId));
    expect(JSON.stringify(res.body)).not.toContain(device.apiKey);
  });

  test('when a member renames a device, then MODE has the new name', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const device = await claimDevice(app, owner, homeId);
    const res = await app.http.patch(`/v1/devices/${device.id}`).set(bearer(member.accessToken)).send({ name: 'Reading lamp' });
    expect(res.status).toBe(204);
    expect((await app.http.get(`/v1/devices/${device.id}`).set(bearer(owner.accessToken))).body.name).toBe('Reading lamp');
  });

  test('when the change is empty or has unknown fields, then 400', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const device = await claimDevice(app, owner, homeId);
    expect((await app.http.patch(`/v1/devices/${device.id}`).set(bearer(owner.accessToken)).send({})).status).toBe(400);
    expect((await app.http.patch(`/v1/devices/${device.id}`).set(bearer(owner.accessToken)).send({ homeId: 1 })).status).toBe(400);
  });

  test('when a member deletes a device, then 403 and MODE is not asked; the owner may', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const device = await claimDevice(app, owner, homeId);
    const sent = watchMode(app);
    const refused = await app.http.delete(`/v1/devices/${device.id}`).set(bearer(member.accessToken));
    expect(refused.status).toBe(403);
    expect(sent()).toEqual([]);

    expect((await app.http.delete(`/v1/devices/${device.id}`).set(bearer(owner.accessToken))).status).toBe(204);
    expect((await app.http.get(`/v1/devices/${device.id}`).set(bearer(owner.accessToken))).status).toBe(404);
    expect((await app.http.get(`/v1/homes/${homeId}/devices`).set(bearer(owner.accessToken))).body).toEqual([]);
  });

  test('when the bridge has never seen the device, then it asks MODE with the user\'s key and remembers it', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const provisioned = app.emulator.control.provisionDevice({ deviceClass: 'lamp', name: 'Kitchen lamp' });
    app.emulator.control.setClaimable(provisioned.id, true);
    await app.services.mode.addDevice(await modeKeyOf(app, owner), { homeId, claimCode: provisioned.claimCode });

    const res = await app.http.get(`/v1/devices/${provisioned.id}`).set(bearer(owner.accessToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(publicDevice(provisioned.id, homeId));
    expect(await app.database.db.prisma.device.findUnique({ where: { id: provisioned.id } })).toMatchObject({ homeId, deviceClass: 'lamp' });
  });

  test('when the device does not exist, then 404', async () => {
    const user = await registerAccount(app.http);
    expect((await app.http.get('/v1/devices/2000000000').set(bearer(user.accessToken))).status).toBe(404);
  });

  test.each(['abc', '-3', '0', '4.2', '12345678901'])('when the device ID is %s, then 400 and MODE is not called', async (id) => {
    const user = await registerAccount(app.http);
    const sent = watchMode(app);
    for (const res of [
      await app.http.get(`/v1/devices/${id}`).set(bearer(user.accessToken)),
      await app.http.patch(`/v1/devices/${id}`).set(bearer(user.accessToken)).send({ name: 'x' }),
      await app.http.delete(`/v1/devices/${id}`).set(bearer(user.accessToken)),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'params.deviceId' })]);
    }
    expect(sent()).toEqual([]);
  });
});

describe('a user who is not a member', () => {
  test('when they list, claim, read, change or delete devices of the home, then 404 and MODE is never called for them', async () => {
    const { owner, stranger, homeId } = await homeWithPeople(app);
    const device = await claimDevice(app, owner, homeId);
    const spare = app.emulator.control.provisionDevice({ deviceClass: 'lamp' });
    app.emulator.control.setClaimable(spare.id, true);
    const sent = watchMode(app);
    const auth = bearer(stranger.accessToken);
    const answers = [
      await app.http.get(`/v1/homes/${homeId}/devices`).set(auth),
      await app.http.post(`/v1/homes/${homeId}/devices`).set(auth).send({ claimCode: spare.claimCode }),
      await app.http.get(`/v1/devices/${device.id}`).set(auth),
      await app.http.patch(`/v1/devices/${device.id}`).set(auth).send({ name: 'Mine' }),
      await app.http.delete(`/v1/devices/${device.id}`).set(auth),
    ];
    expect(answers.map((res) => res.status)).toEqual([404, 404, 404, 404, 404]);
    expect(sent()).toEqual([]);
    expect((await app.http.get(`/v1/devices/${device.id}`).set(bearer(owner.accessToken))).body.name).toBe('Kitchen lamp');
  });
});

describe('MODE failures', () => {
  test.each([
    [404, 404, 'not_found'],
    [403, 403, 'forbidden'],
    [503, 503, 'upstream_unavailable'],
  ])('when MODE answers %i for the device, then the bridge answers %i %s', async (modeStatus, status, code) => {
    const { owner, homeId } = await homeWithPeople(app);
    const device = await claimDevice(app, owner, homeId);
    app.emulator.control.setFault({ kind: 'status', status: modeStatus, paths: '^GET /devices/\\d+$' });
    const res = await app.http.get(`/v1/devices/${device.id}`).set(bearer(owner.accessToken));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  test('when MODE revoked the user\'s key, then the device list still comes back', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    await claimDevice(app, owner, homeId);
    app.emulator.control.revokeUserKeys(owner.user.link.modeUserId!);
    const res = await app.http.get(`/v1/homes/${homeId}/devices`).set(bearer(owner.accessToken));
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1);
  });
});
