import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { withPostgresClient } from '../../scripts/lib/postgres-client';
import { createEmulator, type Emulator } from '../../src/emulator';
import { GOOD_PASSWORD, uniqueEmail } from '../fixtures/accounts';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process';
import { describeNeeding, needs, postgresUrl, redisUrl } from '../support/requirements';

// Two instances behind one PostgreSQL and one Redis must behave as one: shared rate limits,
// events (and the device state changes they make) received by one reaching stream clients of the
// other, each notification sent once.
// Needs TEST_POSTGRES_URL (or TEST_DATABASE_URL) and TEST_REDIS_URL; .ci/run provides both.


const WEBHOOK_KEY = 'multi-instance-webhook-key';
const NOTIFY_SECRET = 'multi-instance-notify-secret';

interface Receiver {
  url: string;
  deliveries: Map<string, number>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const deliveries = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    deliveries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeNeeding([needs.postgres, needs.redis], 'two instances on one PostgreSQL and one Redis', () => {
  const database = `mode_bridge_multi_${process.pid}_${Date.now().toString(36)}`;
  let emulator: Emulator;
  let receiver: Receiver;
  let a: ServerProcess;
  let b: ServerProcess;

  const admin = (sql: string) => withPostgresClient(postgresUrl!, (client) => client.query(sql));
  /** A query on the instances' own database. */
  const query = <Row>(sql: string): Promise<Row[]> => {
    const url = new URL(postgresUrl!);
    url.pathname = `/${database}`;
    return withPostgresClient(url.toString(), async (client) => (await client.query(sql)).rows as Row[]);
  };

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${database}`);
    const url = new URL(postgresUrl!);
    url.pathname = `/${database}`;
    const portA = await freePort();
    const webhookUrl = `http://127.0.0.1:${portA}/webhooks/mode/events`;
    emulator = await createEmulator({ webhooks: [{ url: webhookUrl, key: WEBHOOK_KEY }] });
    receiver = await startReceiver();
    // A fresh Redis database number per run keeps counters of other runs out.
    const redisDb = 1 + (Date.now() % 14);
    const env = {
      DATABASE_URL: url.toString(),
      REDIS_URL: `${redisUrl}/${redisDb}`,
      MODE_API_URL: emulator.url,
      MODE_PROJECT_ID: String(emulator.projectId),
      MODE_PROJECT_KEY: emulator.projectKey,
      MODE_WEBHOOK_URL: webhookUrl,
      MODE_WEBHOOK_KEY: WEBHOOK_KEY,
      JWT_SECRET: 'multi-instance-jwt-secret-0123456789abcdef',
      TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32),
      NOTIFY_WEBHOOK_URL: receiver.url,
      NOTIFY_WEBHOOK_SECRET: NOTIFY_SECRET,
      LOGIN_FAILURES_PER_ACCOUNT: '3',
      LOG_LEVEL: 'warn',
    };
    [a, b] = await Promise.all([startServerProcess({ ...env, PORT: String(portA) }), startServerProcess(env)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await receiver?.close();
    await emulator?.close();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }, 60_000);

  const call = (server: ServerProcess, method: string, path: string, body?: unknown, token?: string) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  test('when both instances started at once, then the schema was migrated once and both are ready', async () => {
    const shipped = readdirSync(join(__dirname, '..', '..', 'prisma', 'migrations'), { withFileTypes: true }).filter((entry) => entry.isDirectory());
    const applied = await query<{ migration_name: string }>('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name');
    expect(applied.map((row) => row.migration_name)).toEqual(shipped.map((entry) => entry.name).sort());
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    const ready = (await (await fetch(`${b.url}/readyz`)).json()) as { checks: { name: string; ok: boolean }[] };
    expect(ready.checks).toEqual(expect.arrayContaining([{ name: 'redis', ok: true }]));
  });

  test('when failed logins are spread over both instances, then the per-account limit still holds', async () => {
    const email = uniqueEmail('limited');
    expect((await call(a, 'POST', '/v1/auth/register', { email, password: GOOD_PASSWORD })).status).toBe(201);
    const wrong = { email, password: 'not the right password' };
    expect((await call(a, 'POST', '/v1/auth/login', wrong)).status).toBe(401);
    expect((await call(b, 'POST', '/v1/auth/login', wrong)).status).toBe(401);
    expect((await call(a, 'POST', '/v1/auth/login', wrong)).status).toBe(401);
    expect((await call(b, 'POST', '/v1/auth/login', { email, password: GOOD_PASSWORD })).status).toBe(429);
  });

  test('when instance A receives a device event, then a stream client on instance B gets it and its device state change, and each notification goes out once', async () => {
    const email = uniqueEmail('stream');
    const registered = (await (await call(a, 'POST', '/v1/auth/register', { email, password: GOOD_PASSWORD })).json()) as { accessToken: string };
    const token = registered.accessToken;
    const home = (await (await call(a, 'POST', '/v1/homes', { name: 'Shared home' }, token)).json()) as { id: number };
    const device = emulator.control.provisionDevice({ deviceClass: 'sensor', name: 'Door' });
    emulator.control.setClaimable(device.id, true);
    expect((await call(a, 'POST', `/v1/homes/${home.id}/devices`, { claimCode: device.claimCode }, token)).status).toBe(201);

    const stream = await fetch(`${b.url}/v1/events/stream`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let received = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        received += Buffer.from(value).toString('utf8');
      }
    })();

    const count = 6;
    for (let i = 0; i < count; i += 1) await emulator.control.emitDeviceEvent(device.id, { eventType: 'door-opened', eventData: { n: i } });
    await until(() => (received.match(/^id: \d+\ndata: [^\n]*door-opened/gm) ?? []).length >= count, 'events on the stream of instance B');
    // Each event is newer than the one before, so each also changes the device state: one device-state message apiece.
    await until(() => (received.match(/^event: device-state\ndata: [^\n]*door-opened/gm) ?? []).length >= count, 'device state changes on the stream of instance B');
    await until(() => receiver.deliveries.size >= count, 'one outbound notification per event');
    // Once no outbox message is left to send, no further delivery can come: duplicates would be in by now.
    await until(async () => (await query(`SELECT id FROM outbox_messages WHERE status = 'pending'`)).length === 0, 'an empty outbox');
    expect(receiver.deliveries.size).toBe(count);
    expect([...receiver.deliveries.values()].every((times) => times === 1)).toBe(true);
    await reader.cancel();
    await reading.catch(() => undefined);
  }, 60_000);
});
