// The emulator against MODE as MODE's own client code shows it (reference/mode-client-facts.md and
// the v2.1 reference), not against the bridge: object shapes from MODE's published models, bodies
// in the encodings MODE's clients send, paging, CORS, and the calls the app client makes.
import { z } from 'zod';
import { createEmulator, type Emulator } from '../../src/emulator';
import { call, claimedDevice, createHome, linkUser, type LinkedUser } from './helpers';

// MODE's models: every field they declare must be there with its type; extras are allowed.
const time = z.iso.datetime();
const user = z.object({ id: z.number().int(), projectId: z.number().int(), name: z.string(), creationTime: time, verified: z.boolean() });
const home = z.object({ id: z.number().int(), projectId: z.number().int(), name: z.string(), creationTime: time, deactivated: z.boolean().optional() });
const member = z.object({ userId: z.number().int(), role: z.enum(['owner', 'member']), name: z.string(), creationTime: time, verified: z.boolean() });
const device = z.object({
  id: z.number().int(), projectId: z.number().int(), deviceClass: z.string(), name: z.string(), tag: z.string(), homeId: z.number().int(),
  claimTime: time.nullable(), claimExpirationTime: time.nullable(), lastConnectTime: time.nullable(), lastDisconnectTime: time.nullable(),
  isConnected: z.boolean(), channel: z.string().optional(),
});
const keyValue = z.object({ key: z.string(), value: z.unknown(), modificationTime: time });
const smartModule = z.object({
  id: z.string(), description: z.string(), moduleType: z.enum(['webhooks', 'tsdb', 'google_analytics', 'sds', 'video']),
  suspended: z.boolean(), version: z.number(), creationTime: time,
});
const rangeHeader = /^(\d+-\d+|\*)\/\d+$/;

/** The body has every field of MODE's model, with its type (a failure lists the fields that differ). */
function expectModel(model: z.ZodType, body: unknown): void {
  expect(model.safeParse(body).error?.issues ?? []).toEqual([]);
}

let emulator: Emulator;
let owner: LinkedUser;
let friend: LinkedUser;
let homeId: number;

beforeAll(async () => {
  emulator = await createEmulator();
});
afterAll(() => emulator.close());
afterEach(() => emulator.control.setModes({ pageSize: null, memberHomeId: false }));

beforeEach(async () => {
  owner = await linkUser(emulator);
  friend = await linkUser(emulator);
  homeId = await createHome(emulator, owner, 'Cabin');
});

describe('object shapes', () => {
  test('when users, homes, members, devices, key-values and smart modules are read, then each has MODE\'s fields', async () => {
    const claimed = await claimedDevice(emulator, owner, homeId);
    await call(emulator, 'PUT', `/homes/${homeId}/kv/scene`, { key: owner.key, json: { key: 'scene', value: 'night' } });

    expectModel(user, (await call(emulator, 'GET', `/users/${owner.userId}`, { key: owner.key })).body);
    expectModel(home, (await call(emulator, 'GET', `/homes/${homeId}`, { key: owner.key })).body);
    expectModel(z.array(member).length(1), (await call(emulator, 'GET', `/homes/${homeId}/members`, { key: owner.key })).body);
    expectModel(device, (await call(emulator, 'GET', `/devices/${claimed.id}`, { key: owner.key })).body);
    expectModel(z.array(device).length(1), (await call(emulator, 'GET', `/devices?homeId=${homeId}`, { key: owner.key })).body);
    expectModel(z.array(keyValue).length(1), (await call(emulator, 'GET', `/homes/${homeId}/kv`, { key: owner.key })).body);
    expectModel(z.array(smartModule).min(1), (await call(emulator, 'GET', `/homes/${homeId}/smartModules`, { key: owner.key })).body);
  });

  test('when members are listed, fetched or added, then none carries homeId (MODE\'s member has none)', async () => {
    const added = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: friend.userId } });
    const listed = await call(emulator, 'GET', `/homes/${homeId}/members`, { key: owner.key });
    const fetched = await call(emulator, 'GET', `/homes/${homeId}/members/${friend.userId}`, { key: owner.key });

    for (const body of [added.body, ...listed.body, fetched.body]) {
      expectModel(member, body);
      expect(body).not.toHaveProperty('homeId');
    }
  });

  test('when the memberHomeId mode is on, then members carry homeId again', async () => {
    emulator.control.setModes({ memberHomeId: true });

    const listed = await call(emulator, 'GET', `/homes/${homeId}/members`, { key: owner.key });
    expect(listed.body).toEqual([expect.objectContaining({ userId: owner.userId, homeId })]);
  });

  test('when a device is claimed, connects and disconnects, then claimTime and lastDisconnectTime are set and a claimable window has claimExpirationTime', async () => {
    const pre = emulator.control.provisionDevice({ deviceClass: 'lamp' });
    const before = await call(emulator, 'GET', `/devices/${pre.id}`, { key: pre.apiKey });
    expect(before.body).toMatchObject({ claimTime: null, claimExpirationTime: null, lastDisconnectTime: null });

    const registration = await call(emulator, 'POST', '/deviceRegistration', { key: pre.apiKey, json: { deviceId: pre.id, claimable: true, duration: 120 } });
    expect(registration.body).toEqual({ claimExpirationTime: expect.stringMatching(/Z$/) });
    const claimable = await call(emulator, 'GET', `/devices/${pre.id}`, { key: pre.apiKey });
    expect(claimable.body.claimExpirationTime).toBe(registration.body.claimExpirationTime);

    const claim = await call(emulator, 'POST', '/devices', { key: owner.key, json: { homeId, claimCode: pre.claimCode } });
    expect(claim.body).toMatchObject({ homeId, claimTime: expect.any(String), claimExpirationTime: null });
  });
});

describe('bodies as MODE\'s clients send them', () => {
  test('when the "Web Form" calls get JSON (app and Go SDK) or multipart (app login), then each is accepted', async () => {
    const auth = await call(emulator, 'POST', '/auth/user', { key: emulator.projectKey, multipart: { projectId: emulator.projectId, userId: friend.userId } });
    expect([auth.status, auth.body.userId]).toEqual([200, friend.userId]);

    const add = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, multipart: { userId: friend.userId } });
    expect(add.status).toBe(201);

    const provisioning = await call(emulator, 'POST', `/homes/${homeId}/deviceProvisioning`, { key: owner.key, json: { deviceClass: 'plug' } });
    const redeemed = await call(emulator, 'POST', '/devices', { json: { token: provisioning.body.token } });
    expect([redeemed.status, redeemed.body.deviceClass]).toEqual([201, 'plug']);

    const registration = await call(emulator, 'POST', '/deviceRegistration', {
      key: redeemed.body.apiKey, multipart: { deviceId: redeemed.body.id, claimable: 'false' },
    });
    expect(registration.body).toEqual({ claimExpirationTime: null });
    expect(emulator.control.requests().at(-1)).toMatchObject({ contentType: expect.stringMatching(/^multipart\/form-data/), body: { deviceId: String(redeemed.body.id), claimable: 'false' } });
  });

  test.each([
    ['broken JSON', 'application/json', '{"userId":'],
    ['a broken multipart form', 'multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="userId"\r\n\r\n5'],
    ['an unknown charset', 'application/json; charset=klingon', '{}'],
  ])('when the body is %s, then the answer is {reason}', async (_name, contentType, raw) => {
    const answer = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, headers: { 'content-type': contentType }, raw });

    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body).toEqual({ reason: expect.stringMatching(/^[A-Z_]+$/) });
  });

  test('when a multipart body carries a file, then it is refused with {reason}', async () => {
    const boundary = 'b0undary';
    const raw = `--${boundary}\r\nContent-Disposition: form-data; name="userId"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\n5\r\n--${boundary}--\r\n`;
    const answer = await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, raw });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ reason: 'INVALID_INPUT' });
  });
});

describe('paging', () => {
  test('when GET /homes is asked with skip/limit, then it answers that slice and the inclusive range of the total', async () => {
    for (const name of ['B', 'C', 'D', 'E']) await createHome(emulator, owner, name);

    const first = await call(emulator, 'GET', `/homes?userId=${owner.userId}&skip=0&limit=2`, { key: owner.key });
    const last = await call(emulator, 'GET', `/homes?userId=${owner.userId}&skip=4&limit=2`, { key: owner.key });
    const past = await call(emulator, 'GET', `/homes?userId=${owner.userId}&skip=9&limit=2`, { key: owner.key });
    const all = await call(emulator, 'GET', `/homes?userId=${owner.userId}`, { key: owner.key });

    expect([first.body.map((h: { name: string }) => h.name), first.headers['vnd.tinkermode.range']]).toEqual([['Cabin', 'B'], '0-1/5']);
    expect([last.body.map((h: { name: string }) => h.name), last.headers['vnd.tinkermode.range']]).toEqual([['E'], '4-4/5']);
    expect([past.body, past.headers['vnd.tinkermode.range']]).toEqual([[], '*/5']);
    expect([all.body.length, all.headers['vnd.tinkermode.range']]).toEqual([5, '0-4/5']);
    expect((await call(emulator, 'GET', `/homes?userId=${owner.userId}&skip=-1`, { key: owner.key })).body).toEqual({ reason: 'INVALID_INPUT' });
  });

  test('when the emulator pages by 2, then every list answers at most 2 with the range header', async () => {
    emulator.control.setModes({ pageSize: 2 });
    await createHome(emulator, owner, 'B');
    await createHome(emulator, owner, 'C');
    await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: friend.userId } });
    const third = await linkUser(emulator);
    await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: third.userId } });

    const homes = await call(emulator, 'GET', `/homes?userId=${owner.userId}&limit=50`, { key: owner.key });
    const members = await call(emulator, 'GET', `/homes/${homeId}/members?skip=2`, { key: owner.key });

    expect([homes.body.length, homes.headers['vnd.tinkermode.range']]).toEqual([2, '0-1/3']);
    expect([members.body.length, members.headers['vnd.tinkermode.range']]).toEqual([1, '2-2/3']);
    expect((await call(emulator, 'GET', `/homes/${homeId}/kv`, { key: owner.key })).headers['vnd.tinkermode.range']).toMatch(rangeHeader);
  });
});

describe('cross-origin access, as the BYOU guide shows MODE\'s answers', () => {
  test('when a browser app calls MODE, then any origin may read the answer, without credentials', async () => {
    const answer = await call(emulator, 'GET', `/homes?userId=${owner.userId}`, { key: owner.key, headers: { origin: 'http://localhost:5173' } });

    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBe('false');
    expect(String(answer.headers['access-control-expose-headers'])).toMatch(/X-Xsrf-Guard/);
    expect(String(answer.headers['access-control-expose-headers'])).toMatch(/vnd\.tinkermode\.range/);
  });

  test('when a browser sends a preflight, then it is answered 204 with the methods and headers it asked for, and not logged as a call', async () => {
    const logged = emulator.control.requests().length;
    const answer = await call(emulator, 'OPTIONS', `/homes/${homeId}/members/${owner.userId}`, {
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
    });

    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(String(answer.headers['access-control-allow-methods'])).toContain('PATCH');
    expect(String(answer.headers['access-control-allow-headers'])).toBe('authorization,content-type');
    expect(emulator.control.requests()).toHaveLength(logged);
  });
});

describe('calls of MODE\'s app client beyond the v2.1 reference', () => {
  test('when an owner changes a member\'s role, then it is 204 and the member lists with the new role; a plain member may not', async () => {
    await call(emulator, 'POST', `/homes/${homeId}/members`, { key: owner.key, form: { userId: friend.userId } });

    const byMember = await call(emulator, 'PATCH', `/homes/${homeId}/members/${owner.userId}`, { key: friend.key, json: { role: 'member' } });
    const promote = await call(emulator, 'PATCH', `/homes/${homeId}/members/${friend.userId}`, { key: owner.key, json: { role: 'owner' } });
    const bad = await call(emulator, 'PATCH', `/homes/${homeId}/members/${friend.userId}`, { key: owner.key, json: { role: 'admin' } });
    const nobody = await call(emulator, 'PATCH', `/homes/${homeId}/members/999999`, { key: owner.key, json: { role: 'owner' } });

    expect([byMember.status, byMember.body.reason]).toEqual([403, 'ACCESS_DENIED']);
    expect(promote.status).toBe(204);
    expect([bad.status, bad.body.reason]).toEqual([403, 'INVALID_INPUT']);
    expect(nobody.status).toBe(404);
    const fetched = await call(emulator, 'GET', `/homes/${homeId}/members/${friend.userId}`, { key: owner.key });
    expect(fetched.body.role).toBe('owner');
  });

  test('when the only owner would be made a member, then 403 and the home keeps its owner', async () => {
    const answer = await call(emulator, 'PATCH', `/homes/${homeId}/members/${owner.userId}`, { key: owner.key, json: { role: 'member' } });

    expect(answer.status).toBe(403);
    expect((await call(emulator, 'GET', `/homes/${homeId}/members/${owner.userId}`, { key: owner.key })).body.role).toBe('owner');
  });

  test('when a device\'s key-values are written and read by the device, a member and the project, then each sees them; others do not', async () => {
    const claimed = await claimedDevice(emulator, owner, homeId);
    const path = `/devices/${claimed.id}/kv`;

    expect((await call(emulator, 'PUT', `${path}/firmware`, { key: claimed.apiKey, json: { key: 'firmware', value: { v: 2 } } })).status).toBe(204);
    await call(emulator, 'PUT', `${path}/color`, { key: owner.key, json: { value: 'red' } });

    const listed = await call(emulator, 'GET', path, { key: emulator.projectKey });
    expectModel(z.array(keyValue), listed.body);
    expect(listed.body.map((pair: { key: string }) => pair.key)).toEqual(['color', 'firmware']);
    expect((await call(emulator, 'GET', `${path}/firmware`, { key: owner.key })).body).toMatchObject({ key: 'firmware', value: { v: 2 } });
    expect((await call(emulator, 'GET', path, { key: friend.key })).status).toBe(404);
    expect((await call(emulator, 'DELETE', `${path}/color`, { key: claimed.apiKey })).status).toBe(204);
    expect((await call(emulator, 'GET', `${path}/color`, { key: owner.key })).status).toBe(404);
  });
});

describe('the app client\'s project-key calls', () => {
  test('when a project key lists the project\'s homes by projectId, then every home comes back, paged; a user key may not', async () => {
    const project = await call(emulator, 'GET', `/homes?projectId=${emulator.projectId}&skip=0&limit=1000`, { key: emulator.projectKey });
    const byUser = await call(emulator, 'GET', `/homes?projectId=${emulator.projectId}`, { key: owner.key });

    expect(project.status).toBe(200);
    expect(project.body.map((h: { id: number }) => h.id)).toContain(homeId);
    expect(project.headers['vnd.tinkermode.range']).toMatch(rangeHeader);
    expect([byUser.status, byUser.body.reason]).toEqual([403, 'ACCESS_DENIED']);
  });

  test('when a project key renames a home and a device, then both change', async () => {
    const claimed = await claimedDevice(emulator, owner, homeId);

    expect((await call(emulator, 'PATCH', `/homes/${homeId}`, { key: emulator.projectKey, json: { name: 'Renamed' } })).status).toBe(204);
    expect((await call(emulator, 'PATCH', `/devices/${claimed.id}`, { key: emulator.projectKey, json: { name: 'Porch' } })).status).toBe(204);
    expect((await call(emulator, 'GET', `/homes/${homeId}`, { key: owner.key })).body.name).toBe('Renamed');
    expect((await call(emulator, 'GET', `/devices/${claimed.id}`, { key: owner.key })).body.name).toBe('Porch');
  });

  test('when a user redeems a provisioning token with homeId and deviceClass (the app client\'s body), then the device is added', async () => {
    const provisioning = await call(emulator, 'POST', `/homes/${homeId}/deviceProvisioning`, { key: owner.key, json: { deviceClass: 'plug' } });
    const added = await call(emulator, 'POST', '/devices', { key: owner.key, json: { homeId, deviceClass: 'plug', token: provisioning.body.token } });

    expect([added.status, added.body.homeId]).toEqual([201, homeId]);
    expectModel(device, added.body);
  });
});

describe('control of the modes over HTTP', () => {
  test('when the modes are set under /_emulator, then they apply and read back; a bad one is 400', async () => {
    const set = await call(emulator, 'POST', '/_emulator/modes', { json: { pageSize: 1 } });
    expect(set.body).toEqual({ pageSize: 1, memberHomeId: false });
    expect((await call(emulator, 'GET', '/_emulator/modes')).body).toEqual({ pageSize: 1, memberHomeId: false });
    const members = await call(emulator, 'GET', `/homes/${homeId}/members`, { key: owner.key });
    expect(members.headers['vnd.tinkermode.range']).toBe('0-0/1');

    expect((await call(emulator, 'POST', '/_emulator/modes', { json: { pageSize: 0 } })).status).toBe(400);
    expect((await call(emulator, 'POST', '/_emulator/modes', { json: { pages: 2 } })).status).toBe(400);
  });
});
