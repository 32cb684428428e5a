import { GOOD_PASSWORD, uniqueEmail } from '../fixtures/accounts';
import { eventually } from '../fixtures/events';
import { startServerProcess, type ServerProcess } from '../support/server-process';

// The quick start: no configuration at all. The server must come up on PGlite with generated
// development secrets and the embedded MODE emulator, and shut down cleanly on SIGTERM.

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
}, 200_000);
afterAll(async () => {
  await server?.stop('SIGKILL');
});

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

test('when started without configuration, then it warns once about generated secrets, and about the emulator', async () => {
  // Log lines (stdout) and the banner (stderr) come through two pipes: readiness says nothing
  // of which one has been read; the emulator's warning comes after the secrets' on stdout.
  await eventually(() => (server.output().includes('using the embedded MODE emulator') ? true : undefined));
  expect(server.output().match(/using a generated development secret/g)).toHaveLength(1);
});

test('when started, then a readable banner says where the API, its docs, the emulator and the secrets are', async () => {
  await eventually(() => (/\n\s*database:/.test(server.output()) ? true : undefined));
  const lines = server.output().split('\n');
  const line = (label: string) => lines.find((text) => text.trimStart().startsWith(label)) ?? '';
  expect(line('API:')).toContain(`${server.url}/v1`);
  expect(line('API docs:')).toContain(`${server.url}/docs`);
  expect(line('MODE:')).toMatch(/embedded emulator at http:\/\/127\.0\.0\.1:\d+/);
  expect(line('MODE data:')).toContain('emulator-state.json');
  expect(line('secrets:')).toContain('dev-secrets.json');
});

test('when a user registers, then the account is linked through the embedded emulator', async () => {
  const res = await post('/v1/auth/register', { email: uniqueEmail('quick'), password: GOOD_PASSWORD });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { user: { link: { status: string } }; accessToken: string };
  expect(body.user.link.status).toBe('linked');
  const me = await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${body.accessToken}` } });
  expect(me.status).toBe(200);
});

test('when the logs are read, then no password or token appears in them', async () => {
  const email = uniqueEmail('logs');
  expect((await post('/v1/auth/register', { email, password: GOOD_PASSWORD })).status).toBe(201);
  const login = await post('/v1/auth/login', { email, password: GOOD_PASSWORD });
  expect(login.status).toBe(200);
  const { accessToken } = (await login.json()) as { accessToken: string };
  await eventually(() => (server.output().includes('/v1/auth/login') ? true : undefined));
  expect(server.output()).not.toContain(GOOD_PASSWORD);
  expect(server.output()).not.toContain(accessToken);
  expect(server.output()).not.toMatch(/eyJhbGciOi/);
});

test('when a request is served, then one log line names it by request ID, method, path and status, without its headers', async () => {
  await fetch(`${server.url}/v1/me`, { headers: { authorization: 'Bearer not-a-token', 'x-request-id': 'quick-start-log-check' } });

  const line = await eventually(() => server.output().split('\n').find((text) => text.includes('"quick-start-log-check"')));
  expect(JSON.parse(line)).toMatchObject({ req: { id: 'quick-start-log-check', method: 'GET' }, route: '/v1/me', res: { statusCode: 401 } });
  expect(line).not.toContain('not-a-token');
  expect(line).not.toContain('authorization');
});

test('when SIGTERM arrives, then the server finishes and exits with 0', async () => {
  // A server of its own: stopping the shared one would take it from the other tests.
  const own = await startServerProcess();
  const code = await own.stop('SIGTERM');
  expect(code).toBe(0);
  expect(own.output()).toContain('stopped');
}, 90_000);
