import { WebSocket } from 'ws';
import { createEmulator, type Emulator } from '../../src/emulator';
import { call, claimedDevice, createHome, eventually, linkUser, type LinkedUser } from './helpers';

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
  homeId = await createHome(emulator, owner);
});

function openCommandSocket(deviceId: number, opts: { key?: string; authToken?: string }): Promise<WebSocket> {
  const query = opts.authToken ? `?authToken=${encodeURIComponent(opts.authToken)}` : '';
  const headers = opts.key ? { authorization: `ModeCloud ${opts.key}` } : undefined;
  const ws = new WebSocket(`${emulator.url.replace('http', 'ws')}/devices/${deviceId}/command${query}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
}

describe('claiming a pre-provisioned device', () => {
  it('when the device has made itself claimable, then the member claims it with its claim code (201)', async () => {
    const device = emulator.control.provisionDevice({ deviceClass: 'thermostat', name: 'Hall' });
    const registration = await call(emulator, 'POST', '/deviceRegistration', {
      key: device.apiKey, form: { deviceId: device.id, claimable: 'true', duration: 60 },
    });
    expect(registration.status).toBe(200);
    expect(registration.body).toEqual({ claimExpirationTime: expect.any(String) });
    expect(Date.parse(registration.body.claimExpirationTime) - Date.now()).toBeGreaterThan(50_000);

    const claim = await call(emulator, 'POST', '/devices', { key: owner.key, form: { homeId, claimCode: device.claimCode } });

    expect(claim.status).toBe(201);
    expect(claim.headers.location).toBe(`/devices/${device.id}`);
    expect(claim.body).toEqual({
      id: device.id, projectId: 1000, homeId, name: 'Hall', tag: '', deviceClass: 'thermostat', isConnected: false,
      claimTime: expect.any(String), claimExpirationTime: null, lastConnectTime: null, lastDisconnectTime: null,
      firmwareVersion: '', claimCode: device.claimCode, apiKey: device.apiKey,
    });
  });

  it('when the device is not claimable, then 403 DEVICE_NOT_CLAIMABLE; once claimed it is not claimable again', async () => {
    const device = emulator.control.provisionDevice({ deviceClass: 'thermostat' });
    const early = await call(emulator, 'POST', '/devices', { key: owner.key, form: { homeId, claimCode: device.claimCode } });
    expect([early.status, early.body.reason]).toEqual([403, 'DEVICE_NOT_CLAIMABLE']);

    emulator.control.setClaimable(device.id, true);
    await call(emulator, 'POST', '/devices', { key: owner.key, form: { homeId, claimCode: device.claimCode } });
    const strangerHome = await createHome(emulator, stranger);
    const late = await call(emulator, 'POST', '/devices', { key: stranger.key, form: { homeId: strangerHome, claimCode: device.claimCode } });
    expect(late.status).toBe(403);
  });

  it('when the claim is sent as JSON (as MODE\'s own clients do), then 201; with an unknown code, then 403 INVALID_CLAIM_CODE', async () => {
    const device = emulator.control.provisionDevice({ deviceClass: 'thermostat' });
    emulator.control.setClaimable(device.id, true);
    const json = await call(emulator, 'POST', '/devices', { key: owner.key, json: { homeId, claimCode: device.claimCode } });
    const unknown = await call(emulator, 'POST', '/devices', { key: owner.key, form: { homeId, claimCode: 'NOPE' } });
    expect([json.status, json.body.id]).toEqual([201, device.id]);
    expect([unknown.status, unknown.body.reason]).toEqual([403, 'INVALID_CLAIM_CODE']);
  });

  it('when a user claims into a home they do not belong to, then 403 ACCESS_DENIED', async () => {
    const device = emulator.control.provisionDevice({ deviceClass: 'thermostat' });
    emulator.control.setClaimable(device.id, true);
    const answer = await call(emulator, 'POST', '/devices', { key: stranger.key, form: { homeId, claimCode: device.claimCode } });
    expect([answer.status, answer.body.reason]).toEqual([403, 'ACCESS_DENIED']);
  });

  it('when another device or a user changes a device\'s registration state, then 403', async () => {
    const device = emulator.control.provisionDevice({ deviceClass: 'thermostat' });
    const other = emulator.control.provisionDevice({ deviceClass: 'thermostat' });
    const form = { deviceId: device.id, claimable: 'true' };
    expect((await call(emulator, 'POST', '/deviceRegistration', { key: other.apiKey, form })).status).toBe(403);
    expect((await call(emulator, 'POST', '/deviceRegistration', { key: owner.key, form })).status).toBe(403);
  });
});

describe('on-demand provisioning', () => {
  it('when a member gets a token and the device redeems it without a key, then 201 with the device and its API key', async () => {
    const token = await call(emulator, 'POST', `/homes/${homeId}/deviceProvisioning`, { key: owner.key, form: { deviceClass: 'plug', deviceTag: 'kitchen' } });
    expect(token.status).toBe(200);
    expect(token.body).toEqual({ token: expect.any(String), expirationTime: expect.any(String) });

    const created = await call(emulator, 'POST', '/devices', { form: { token: token.body.token } });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ homeId, deviceClass: 'plug', tag: 'kitchen', apiKey: expect.any(String) });
    const auth = await call(emulator, 'GET', '/auth', { key: created.body.apiKey });
    expect(auth.body).toEqual({ type: 'device', projectId: 1000, deviceId: created.body.id });
  });

  it('when the token is used twice or is unknown, then 403 INVALID_TOKEN', async () => {
    const token = await call(emulator, 'POST', `/homes/${homeId}/deviceProvisioning`, { key: owner.key, form: { deviceClass: 'plug' } });
    await call(emulator, 'POST', '/devices', { form: { token: token.body.token } });
    const again = await call(emulator, 'POST', '/devices', { form: { token: token.body.token } });
    expect([again.status, again.body.reason]).toEqual([403, 'INVALID_TOKEN']);
  });

  it('when a non-member asks for a token, then 404; a member sending JSON gets a token, without a device class 403', async () => {
    expect((await call(emulator, 'POST', `/homes/${homeId}/deviceProvisioning`, { key: stranger.key, form: { deviceClass: 'plug' } })).status).toBe(404);
    expect((await call(emulator, 'POST', `/homes/${homeId}/deviceProvisioning`, { key: owner.key, json: { deviceClass: 'plug' } })).status).toBe(200);
    expect((await call(emulator, 'POST', `/homes/${homeId}/deviceProvisioning`, { key: owner.key, json: {} })).body).toEqual({ reason: 'INVALID_INPUT' });
  });
});

describe('devices of a home', () => {
  it('when members or the project list a home\'s devices, then they get them; another user gets 403', async () => {
    const device = await claimedDevice(emulator, owner, homeId);
    const byMember = await call(emulator, 'GET', `/devices?homeId=${homeId}`, { key: owner.key });
    expect(byMember.body.map((d: { id: number }) => d.id)).toEqual([device.id]);
    expect((await call(emulator, 'GET', `/devices?homeId=${homeId}`, { key: emulator.projectKey })).body).toHaveLength(1);
    expect((await call(emulator, 'GET', `/devices?homeId=${homeId}`, { key: stranger.key })).status).toBe(403);
  });

  it('when user B asks for user A\'s device, then 404; the device itself and the project get 200', async () => {
    const device = await claimedDevice(emulator, owner, homeId);
    expect((await call(emulator, 'GET', `/devices/${device.id}`, { key: stranger.key })).status).toBe(404);
    expect((await call(emulator, 'GET', `/devices/${device.id}`, { key: device.apiKey })).status).toBe(200);
    expect((await call(emulator, 'GET', `/devices/${device.id}`, { key: emulator.projectKey })).status).toBe(200);
  });

  it('when a member renames then deletes the device, then 204 twice and it leaves the home', async () => {
    const device = await claimedDevice(emulator, owner, homeId);
    expect((await call(emulator, 'PATCH', `/devices/${device.id}`, { key: owner.key, json: { name: 'Porch' } })).status).toBe(204);
    expect((await call(emulator, 'GET', `/devices/${device.id}`, { key: owner.key })).body.name).toBe('Porch');
    expect((await call(emulator, 'DELETE', `/devices/${device.id}`, { key: owner.key })).status).toBe(204);
    expect((await call(emulator, 'GET', `/devices/${device.id}`, { key: owner.key })).status).toBe(404);
  });
});

describe('commands over the WebSocket', () => {
  it('when a member sends a command, then the connected device receives {action, parameters}', async () => {
    const device = await claimedDevice(emulator, owner, homeId);
    const ws = await openCommandSocket(device.id, { key: device.apiKey });
    const connected = await call(emulator, 'GET', `/devices/${device.id}`, { key: owner.key });
    expect(connected.body).toMatchObject({ isConnected: true, lastConnectTime: expect.any(String) });

    const message = nextMessage(ws);
    const sent = await call(emulator, 'PUT', `/devices/${device.id}/command`, { key: owner.key, json: { action: 'set-state', parameters: { on: true } } });

    expect(sent.status).toBe(204);
    expect(await message).toEqual({ action: 'set-state', parameters: { on: true } });
    ws.close();
    await eventually(() => (emulator.control.getState() as { devices: { id: number; isConnected: boolean }[] })
      .devices.find((d) => d.id === device.id && !d.isConnected));
  });

  it('when the device authenticates with ?authToken=, then it receives commands sent with the project key', async () => {
    const device = await claimedDevice(emulator, owner, homeId);
    const ws = await openCommandSocket(device.id, { authToken: device.apiKey });
    const message = nextMessage(ws);
    await call(emulator, 'PUT', `/devices/${device.id}/command`, { key: emulator.projectKey, json: { action: 'reboot' } });
    expect(await message).toEqual({ action: 'reboot', parameters: {} });
    ws.close();
  });

  it('when the WebSocket is opened with a user key, another device\'s key or no key, then it is refused', async () => {
    const device = await claimedDevice(emulator, owner, homeId);
    const other = emulator.control.provisionDevice({ deviceClass: 'thermostat' });
    await expect(openCommandSocket(device.id, { key: owner.key })).rejects.toThrow('HTTP 403');
    await expect(openCommandSocket(device.id, { key: other.apiKey })).rejects.toThrow('HTTP 404');
    await expect(openCommandSocket(device.id, {})).rejects.toThrow('HTTP 401');
  });

  it('when GET /devices/:id/command is not a WebSocket request, then 403 WEBSOCKET_REQUIRED', async () => {
    const device = await claimedDevice(emulator, owner, homeId);
    const answer = await call(emulator, 'GET', `/devices/${device.id}/command`, { key: device.apiKey });
    expect([answer.status, answer.body.reason]).toEqual([403, 'WEBSOCKET_REQUIRED']);
  });

  it('when the device is not connected, then the command is still accepted (204) and dropped', async () => {
    const device = await claimedDevice(emulator, owner, homeId);
    expect((await call(emulator, 'PUT', `/devices/${device.id}/command`, { key: owner.key, json: { action: 'x' } })).status).toBe(204);
  });

  it('when a non-member sends a command or the action is missing, then 404 and 403', async () => {
    const device = await claimedDevice(emulator, owner, homeId);
    expect((await call(emulator, 'PUT', `/devices/${device.id}/command`, { key: stranger.key, json: { action: 'x' } })).status).toBe(404);
    expect((await call(emulator, 'PUT', `/devices/${device.id}/command`, { key: owner.key, json: { parameters: {} } })).status).toBe(403);
  });
});
