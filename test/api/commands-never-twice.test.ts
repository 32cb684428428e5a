// A command is never delivered twice: when MODE takes it and the connection drops before MODE
// answers, the bridge cannot know whether the device got it, so it answers 502 and sends nothing more.
import { WebSocket } from 'ws';
import type { LoggedRequest } from '../../src/emulator';
import { bearer } from '../fixtures/accounts';
import { claimDevice, homeWithPeople, patientBreaker, watchMode } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { COMMAND_POLICY_FILE: 'config/command-policy.example.json' }, mode: patientBreaker });
});
afterAll(() => app.close());
afterEach(() => app.emulator.control.setFault(null));

const commandsSent = (sent: () => LoggedRequest[]) => sent().filter((r) => r.method === 'PUT' && r.path.endsWith('/command'));

/** The device's own command channel to the emulator, collecting what arrives in order. */
async function connectDevice(deviceId: number, apiKey: string) {
  const ws = new WebSocket(`${app.emulator.url.replace('http', 'ws')}/devices/${deviceId}/command`, { headers: { authorization: `ModeCloud ${apiKey}` } });
  const received: { action: string }[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    received.push(JSON.parse(String(data)));
    waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  /** Resolves once `count` commands have arrived (the deadline only bounds a failure). */
  const until = (count: number) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${received.length} commands arrived`)), 5_000);
    const check = () => (received.length >= count ? (clearTimeout(timer), resolve()) : waiters.push(check));
    check();
  });
  return { received, until, close: () => ws.close() };
}

test('when MODE takes the command and drops the connection before answering, then the caller gets 502 and the device gets it exactly once', async () => {
  const { owner, homeId } = await homeWithPeople(app);
  const lamp = await claimDevice(app, owner, homeId, 'lamp');
  const device = await connectDevice(lamp.id, lamp.apiKey);
  try {
    app.emulator.control.setFault({ kind: 'drop', afterHandling: true, paths: '^PUT /devices/\\d+/command$', count: 1 });
    const sent = watchMode(app);

    const res = await app.http.put(`/v1/devices/${lamp.id}/command`).set(bearer(owner.accessToken)).send({ action: 'switch', parameters: { on: true } });

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('upstream_error');
    expect(commandsSent(sent)).toHaveLength(1);
    // A second, different command: commands arrive in order, so a repeat of the first would come before it.
    const next = await app.http.put(`/v1/devices/${lamp.id}/command`).set(bearer(owner.accessToken)).send({ action: 'identify' });
    expect(next.status).toBe(204);
    await device.until(2);
    expect(device.received.map((command) => command.action)).toEqual(['switch', 'identify']);
    expect(commandsSent(sent)).toHaveLength(2);
  } finally {
    device.close();
  }
});

test('when MODE answers a command with 502 or 504, then it is not sent again and the caller sees that status class', async () => {
  const { owner, homeId } = await homeWithPeople(app);
  const lamp = await claimDevice(app, owner, homeId, 'lamp');
  for (const [status, code] of [[502, 'upstream_error'], [504, 'upstream_error']] as const) {
    app.emulator.control.setFault({ kind: 'status', status, paths: '^PUT /devices/\\d+/command$', count: 1 });
    const sent = watchMode(app);

    const res = await app.http.put(`/v1/devices/${lamp.id}/command`).set(bearer(owner.accessToken)).send({ action: 'identify' });

    expect([res.status, res.body.error.code]).toEqual([502, code]);
    expect(commandsSent(sent)).toHaveLength(1);
  }
});

test('when MODE drops a read (idempotent) the same way, then the bridge retries it and the caller never notices', async () => {
  const { owner, homeId } = await homeWithPeople(app);
  const lamp = await claimDevice(app, owner, homeId, 'lamp');
  app.emulator.control.setFault({ kind: 'drop', afterHandling: true, paths: '^GET /devices/\\d+$', count: 1 });
  const sent = watchMode(app);

  const res = await app.http.get(`/v1/devices/${lamp.id}`).set(bearer(owner.accessToken));

  expect(res.status).toBe(200);
  expect(sent().filter((r) => r.method === 'GET' && r.path === `/devices/${lamp.id}`)).toHaveLength(2);
});
