import { createEmulator, type Emulator } from '../../src/emulator';
import { GOOD_PASSWORD, uniqueEmail } from '../fixtures/accounts';
import { eventually } from '../fixtures/events';
import { startServerProcess, type ServerProcess } from '../support/server-process';

// SIGTERM while work is in flight: the server stops accepting, lets the request that is waiting
// for MODE finish, closes open event streams, and exits 0; one that outlives SHUTDOWN_GRACE_MS
// is cut off with exit code 1. MODE's answer is held by the test (the emulator's latency fault
// waits on a promise released here), so nothing depends on timing.

let emulator: Emulator;
const held: Array<() => void> = [];

beforeAll(async () => {
  emulator = await createEmulator({ sleep: () => new Promise<void>((resolve) => held.push(resolve)) });
});
afterAll(async () => {
  for (const release of held.splice(0)) release();
  await emulator.close();
});

async function startBridge(env: Record<string, string> = {}): Promise<ServerProcess> {
  return startServerProcess({ MODE_API_URL: emulator.url, MODE_PROJECT_ID: String(emulator.projectId), MODE_PROJECT_KEY: emulator.projectKey, LOG_LEVEL: 'info', ...env });
}

async function signedInWithHome(server: ServerProcess): Promise<{ token: string; homeId: number }> {
  const json = { 'content-type': 'application/json' };
  const registered = await fetch(`${server.url}/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ email: uniqueEmail('shutdown'), password: GOOD_PASSWORD }) });
  expect(registered.status).toBe(201);
  const { accessToken: token } = (await registered.json()) as { accessToken: string };
  const home = await fetch(`${server.url}/v1/homes`, { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'Home' }) });
  expect(home.status).toBe(201);
  return { token, homeId: ((await home.json()) as { id: number }).id };
}

test('when SIGTERM arrives with a request waiting for MODE and a stream open, then the request finishes, the stream closes and the exit code is 0', async () => {
  const server = await startBridge();
  const { token, homeId } = await signedInWithHome(server);
  const auth = { authorization: `Bearer ${token}` };
  const stream = await fetch(`${server.url}/v1/events/stream`, { headers: { ...auth, accept: 'text/event-stream' } });
  expect(stream.status).toBe(200);
  const reader = stream.body!.getReader();

  emulator.control.setFault({ kind: 'latency', ms: 60_000, paths: '^GET /homes/\\d+$', count: 1 });
  const inFlight = fetch(`${server.url}/v1/homes/${homeId}`, { headers: auth });
  await eventually(() => (held.length === 1 ? true : undefined), 20_000);

  const exited = server.stop('SIGTERM');
  await eventually(() => (server.output().includes('shutting down') ? true : undefined), 20_000);
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

  held.shift()!();
  const answer = await inFlight;
  expect(answer.status).toBe(200);
  expect(((await answer.json()) as { id: number }).id).toBe(homeId);
  await expect(exited).resolves.toBe(0);
  expect(server.output()).toContain('stopped');
}, 90_000);

test('when a request outlives SHUTDOWN_GRACE_MS after SIGTERM, then the process exits anyway with code 1', async () => {
  const server = await startBridge({ SHUTDOWN_GRACE_MS: '500' });
  const { token, homeId } = await signedInWithHome(server);
  emulator.control.setFault({ kind: 'latency', ms: 60_000, paths: '^GET /homes/\\d+$', count: 1 });
  const inFlight = fetch(`${server.url}/v1/homes/${homeId}`, { headers: { authorization: `Bearer ${token}` } }).catch((error: unknown) => error);
  await eventually(() => (held.length === 1 ? true : undefined), 20_000);

  await expect(server.stop('SIGTERM')).resolves.toBe(1);
  expect(server.output()).toContain('shutdown took too long');
  expect(String(await inFlight)).toMatch(/fetch failed/);
  held.shift()!();
}, 90_000);
