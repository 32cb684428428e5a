import type { LoggedRequest } from '../../src/emulator';
import { bearer } from '../fixtures/accounts';
import { claimDevice, homeWithPeople, modeKeyOf, patientBreaker, watchMode } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

// The example policy: lamps switch and dim, thermostats take a target (factoryReset: owners only),
// and every class may `identify`. See config/command-policy.example.json.
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { COMMAND_POLICY_FILE: 'config/command-policy.example.json' }, mode: patientBreaker });
});
afterAll(() => app.close());
afterEach(() => app.emulator.control.setFault(null));

const commandsSent = (sent: () => LoggedRequest[]) => sent().filter((r) => r.method === 'PUT' && r.path.endsWith('/command'));

async function lampInHome() {
  const people = await homeWithPeople(app);
  const device = await claimDevice(app, people.owner, people.homeId, 'lamp');
  return { ...people, device };
}

test('when a member sends an allowed command, then MODE receives it with the member\'s own key', async () => {
  const { member, device } = await lampInHome();
  const sent = watchMode(app);
  const res = await app.http.put(`/v1/devices/${device.id}/command`).set(bearer(member.accessToken)).send({ action: 'brightness', parameters: { level: 40 } });

  expect(res.status).toBe(204);
  const [put] = commandsSent(sent);
  expect(put).toMatchObject({ path: `/devices/${device.id}/command`, authorization: `ModeCloud ${await modeKeyOf(app, member)}`, body: { action: 'brightness', parameters: { level: 40 } } });
  expect(put!.authorization).not.toContain(app.emulator.projectKey);
});

test('when the action is not in the policy, then 403 command_not_allowed and MODE is not called', async () => {
  const { owner, device } = await lampInHome();
  const sent = watchMode(app);
  const res = await app.http.put(`/v1/devices/${device.id}/command`).set(bearer(owner.accessToken)).send({ action: 'firmwareUpdate', parameters: { url: 'http://evil.example' } });
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('command_not_allowed');
  expect(sent()).toEqual([]);
});

test.each([
  ['a value out of range', { level: 101 }, 'body.parameters.level'],
  ['a value of the wrong type', { level: '40' }, 'body.parameters.level'],
  ['a parameter the policy does not list', { level: 40, duration: 5 }, 'body.parameters.duration'],
  ['a missing parameter', {}, 'body.parameters.level'],
])('when the parameters have %s, then 403 command_not_allowed names it and MODE is not called', async (_case, parameters, field) => {
  const { member, device } = await lampInHome();
  const sent = watchMode(app);
  const res = await app.http.put(`/v1/devices/${device.id}/command`).set(bearer(member.accessToken)).send({ action: 'brightness', parameters });
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('command_not_allowed');
  expect(res.body.error.details).toEqual([expect.objectContaining({ field })]);
  expect(commandsSent(sent)).toEqual([]);
});

test('when an action is for owners only, then a member gets 403 and the owner may send it', async () => {
  const { owner, member, homeId } = await homeWithPeople(app);
  const thermostat = await claimDevice(app, owner, homeId, 'thermostat');
  const sent = watchMode(app);
  const refused = await app.http.put(`/v1/devices/${thermostat.id}/command`).set(bearer(member.accessToken)).send({ action: 'factoryReset' });
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('command_not_allowed');
  expect(commandsSent(sent)).toEqual([]);

  const allowed = await app.http.put(`/v1/devices/${thermostat.id}/command`).set(bearer(owner.accessToken)).send({ action: 'factoryReset' });
  expect(allowed.status).toBe(204);
  expect(commandsSent(sent)).toHaveLength(1);
});

test('when an action is allowed for every class ("*"), then it works on any device; optional parameters may be left out', async () => {
  const { owner, member, homeId } = await homeWithPeople(app);
  const thermostat = await claimDevice(app, owner, homeId, 'thermostat');
  const other = await claimDevice(app, owner, homeId, 'doorbell');
  expect((await app.http.put(`/v1/devices/${other.id}/command`).set(bearer(member.accessToken)).send({ action: 'identify' })).status).toBe(204);
  expect((await app.http.put(`/v1/devices/${thermostat.id}/command`).set(bearer(member.accessToken)).send({ action: 'setTarget', parameters: { celsius: 21.5 } })).status).toBe(204);
  const badMode = await app.http.put(`/v1/devices/${thermostat.id}/command`).set(bearer(member.accessToken)).send({ action: 'setTarget', parameters: { celsius: 21, mode: 'turbo' } });
  expect(badMode.status).toBe(403);
});

test('when a user who is not a member sends a command, then 404 and MODE is never called', async () => {
  const { stranger, device } = await lampInHome();
  const sent = watchMode(app);
  const res = await app.http.put(`/v1/devices/${device.id}/command`).set(bearer(stranger.accessToken)).send({ action: 'switch', parameters: { on: true } });
  expect(res.status).toBe(404);
  expect(sent()).toEqual([]);
});

test('when the command body is not valid, then 400', async () => {
  const { owner, device } = await lampInHome();
  const url = `/v1/devices/${device.id}/command`;
  expect((await app.http.put(url).set(bearer(owner.accessToken)).send({})).status).toBe(400);
  expect((await app.http.put(url).set(bearer(owner.accessToken)).send({ action: 'switch', parameters: [true] })).status).toBe(400);
  expect((await app.http.put('/v1/devices/lamp/command').set(bearer(owner.accessToken)).send({ action: 'switch' })).status).toBe(400);
});

test('when MODE revoked the key, then a new one is issued and the command is sent with it', async () => {
  const { member, device } = await lampInHome();
  const oldKey = await modeKeyOf(app, member);
  app.emulator.control.revokeUserKeys(member.user.link.modeUserId!);
  const sent = watchMode(app);
  const res = await app.http.put(`/v1/devices/${device.id}/command`).set(bearer(member.accessToken)).send({ action: 'switch', parameters: { on: true } });
  expect(res.status).toBe(204);
  const keys = commandsSent(sent).map((r) => r.authorization);
  expect(keys).toEqual([`ModeCloud ${oldKey}`, `ModeCloud ${await modeKeyOf(app, member)}`]);
});

test.each([
  [404, 404],
  [403, 403],
  [503, 503],
])('when MODE answers %i to the command, then the bridge answers %i', async (modeStatus, status) => {
  const { owner, device } = await lampInHome();
  app.emulator.control.setFault({ kind: 'status', status: modeStatus, paths: '^PUT /devices/\\d+/command$' });
  const res = await app.http.put(`/v1/devices/${device.id}/command`).set(bearer(owner.accessToken)).send({ action: 'switch', parameters: { on: false } });
  expect(res.status).toBe(status);
});

describe('the shipped default policy', () => {
  let defaults: TestApp;
  beforeAll(async () => {
    defaults = await startTestApp();
  });
  afterAll(() => defaults.close());

  test('when no policy file is configured, then every command is refused', async () => {
    const { owner, homeId } = await homeWithPeople(defaults);
    const device = await claimDevice(defaults, owner, homeId, 'lamp');
    const res = await defaults.http.put(`/v1/devices/${device.id}/command`).set(bearer(owner.accessToken)).send({ action: 'identify' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('command_not_allowed');
  });
});
