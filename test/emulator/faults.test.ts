import { request } from 'undici';
import { createEmulator, type Emulator } from '../../src/emulator';
import { call, eventually, linkUser } from './helpers';

let emulator: Emulator;
/** Latency faults wait here until the test releases them, so no test depends on the clock. */
const delays: { ms: number; release: () => void }[] = [];

beforeAll(async () => {
  emulator = await createEmulator({
    sleep: (ms) => new Promise<void>((resolve) => delays.push({ ms, release: resolve })),
  });
});

afterAll(async () => {
  await emulator.close();
});

afterEach(() => {
  emulator.control.setFault(null);
});

const createUser = () => call(emulator, 'POST', '/users', { key: emulator.projectKey, json: { projectId: 1000 } });
const usersIn = () => (emulator.control.getState() as { users: unknown[] }).users.length;

describe('fault injection', () => {
  it('when a 503 fault with count 1 matches, then the first request gets 503 SERVICE_UNAVAILABLE and the next succeeds', async () => {
    emulator.control.setFault({ kind: 'status', status: 503, paths: '^POST /users$', count: 1 });
    const failed = await createUser();
    const retried = await createUser();
    expect([failed.status, failed.body]).toEqual([503, { reason: 'SERVICE_UNAVAILABLE' }]);
    expect(retried.status).toBe(201);
  });

  it('when a fault\'s pattern does not match, then requests are served normally', async () => {
    emulator.control.setFault({ kind: 'status', status: 500, paths: '^POST /auth/user' });
    expect((await call(emulator, 'GET', '/auth', { key: emulator.projectKey })).status).toBe(200);
  });

  it('when a latency fault is set, then the answer waits for the delay', async () => {
    emulator.control.setFault({ kind: 'latency', ms: 300, count: 1 });
    let answered = false;
    const answer = call(emulator, 'GET', '/auth', { key: emulator.projectKey }).finally(() => (answered = true));
    const delay = await eventually(() => delays.shift());
    expect(delay.ms).toBe(300);
    expect(answered).toBe(false);
    delay.release();
    expect((await answer).status).toBe(200);
  });

  it('when the client gives up during a latency fault, then the request is still carried out', async () => {
    emulator.control.setFault({ kind: 'latency', ms: 300, paths: '^POST /users$', count: 1 });
    const before = usersIn();
    const giveUp = new AbortController();
    const sent = request(`${emulator.url}/users`, {
      method: 'POST',
      headers: { authorization: `ModeCloud ${emulator.projectKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ projectId: 1000 }),
      signal: giveUp.signal,
    });
    const delay = await eventually(() => delays.shift());
    giveUp.abort();
    await expect(sent).rejects.toThrow();
    expect(usersIn()).toBe(before);
    delay.release();
    await eventually(() => (usersIn() === before + 1 ? true : undefined));
  });

  it('when a drop fault matches, then the connection closes without an answer, once', async () => {
    emulator.control.setFault({ kind: 'drop', paths: '^GET /auth$', count: 1 });
    await expect(call(emulator, 'GET', '/auth', { key: emulator.projectKey })).rejects.toThrow();
    expect((await call(emulator, 'GET', '/auth', { key: emulator.projectKey })).status).toBe(200);
  });

  it('when a fault has no count, then it stays until cleared', async () => {
    emulator.control.setFault({ kind: 'status', status: 502 });
    expect((await createUser()).body).toEqual({ reason: 'BAD_GATEWAY' });
    expect((await createUser()).status).toBe(502);
    emulator.control.setFault(null);
    expect((await createUser()).status).toBe(201);
  });

  it('when a fault is malformed, then setFault throws and nothing is injected', async () => {
    expect(() => emulator.control.setFault({ kind: 'status', status: 503, paths: '(' })).toThrow();
    expect(() => emulator.control.setFault({ kind: 'latency', ms: -1 })).toThrow();
    expect((await call(emulator, 'GET', '/auth', { key: emulator.projectKey })).status).toBe(200);
  });

  it('when faults are set over the HTTP control API, then they apply to the MODE API but not to the control API', async () => {
    const user = await linkUser(emulator);
    const set = await call(emulator, 'POST', '/_emulator/fault', { json: { kind: 'status', status: 503, paths: '^GET /userSession' } });
    expect(set.status).toBe(204);
    expect((await call(emulator, 'GET', '/userSession', { key: user.key })).status).toBe(503);
    expect((await call(emulator, 'GET', '/_emulator/state')).status).toBe(200);
    expect((await call(emulator, 'DELETE', '/_emulator/fault')).status).toBe(204);
    expect((await call(emulator, 'GET', '/userSession', { key: user.key })).status).toBe(200);
    expect((await call(emulator, 'POST', '/_emulator/fault', { json: { kind: 'explode' } })).status).toBe(400);
  });

  it('when a fault matches the device WebSocket, then the upgrade is refused with that status', async () => {
    const device = emulator.control.provisionDevice({ deviceClass: 'lamp' });
    emulator.control.setFault({ kind: 'status', status: 503, paths: '/command$', count: 1 });
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${emulator.url.replace('http', 'ws')}/devices/${device.id}/command`, {
      headers: { authorization: `ModeCloud ${device.apiKey}` },
    });
    const status = await new Promise((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode)));
    expect(status).toBe(503);
  });
});
