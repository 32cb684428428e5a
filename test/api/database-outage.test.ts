import { withPostgresClient } from '../../scripts/lib/postgres-client';
import { openDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { isDatabaseUnavailable } from '../../src/db/unavailable';
import { createLogger } from '../../src/lib/logger';
import { bearer, registerAccount, type Account } from '../fixtures/accounts';
import { modeEvent, postWebhook } from '../fixtures/events';
import { describeNeeding, needs, postgresUrl } from '../support/requirements';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/test-app';

// PostgreSQL taken away under a running app (through a TCP relay): calls answer 503
// database_unavailable with Retry-After, nothing hangs, and the app recovers by itself when
// the database is back.

/** The app's query timeout here (the server cancels a statement; the bridge waits 2 s more for any answer). */
const QUERY_TIMEOUT_MS = 1_000;

jest.setTimeout(60_000);

describeNeeding([needs.postgres], 'when the database cannot be reached', () => {
  const name = `mode_bridge_outage_${process.pid}_${Date.now().toString(36)}`;
  const logged: string[] = [];
  let relay: TcpProxy;
  let app: TestApp;
  let account: Account;

  const admin = (sql: string) => withPostgresClient(postgresUrl!, (client) => client.query(sql));
  const login = () => app.http.post('/v1/auth/login').send({ email: account.email, password: account.password });

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const target = new URL(postgresUrl!);
    relay = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const relayed = new URL(postgresUrl!);
    relayed.host = `127.0.0.1:${relay.port}`;
    relayed.pathname = `/${name}`;
    const db = await openDatabase({ url: relayed.toString(), poolSize: 2, queryTimeoutMs: QUERY_TIMEOUT_MS });
    await migrate(db.sql);
    const logger = createLogger('warn', { write: (line: string) => void logged.push(line) });
    app = await startTestApp({ database: { db, url: relayed.toString(), close: () => db.close() }, logger });
    account = await registerAccount(app.http);
  });

  afterAll(async () => {
    await app?.close();
    await relay?.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  afterEach(() => relay.setMode('relay'));

  test('when every connection is dropped, then login, reads and the webhook answer 503 database_unavailable with Retry-After', async () => {
    relay.setMode('drop');
    for (const res of [await login(), await app.http.get('/v1/me').set(bearer(account.accessToken))]) {
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toEqual({ error: { code: 'database_unavailable', message: 'The database is unavailable, try again later' } });
    }
    const webhook = await postWebhook(app, JSON.stringify(modeEvent()));
    expect(webhook.status).toBe(503);
    expect(webhook.body.error.code).toBe('database_unavailable');
    // Not stored: MODE delivers it again; operators see the refused deliveries.
    expect((await app.http.get('/metrics')).text).toMatch(/^mode_webhook_events_total\{outcome="unavailable"\} 1$/m);
  });

  test('when a page needs the database, then it answers a 503 page, not JSON', async () => {
    relay.setMode('drop');
    const res = await app.http.get('/account/verify-email').query({ token: 'a-link-token-from-an-e-mail' });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.text).toContain('The database is unavailable, try again later');
  });

  test('when the database is back, then the same calls succeed without a restart', async () => {
    relay.setMode('drop');
    expect((await login()).status).toBe(503);
    relay.setMode('relay');
    expect((await login()).status).toBe(200);
    expect((await app.http.get('/v1/me').set(bearer(account.accessToken))).status).toBe(200);
    expect((await postWebhook(app, JSON.stringify(modeEvent()))).status).toBe(200);
  });

  test('when the database accepts connections but never answers, then calls end in 503 instead of hanging', async () => {
    relay.setMode('blackhole');
    // Let the pools see their connections closed, so the calls below need new ones.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [res, prismaQuery] = await Promise.all([login(), app.database.db.prisma.user.findFirst().then(() => 'answered', (error: unknown) => error)]);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('database_unavailable');
    // Prisma's own pool gives up too (the raw pool served the login).
    expect(isDatabaseUnavailable(prismaQuery)).toBe(true);
  });

  test('when the database stops answering on open connections, then calls end in 503, and they succeed again once its answers come', async () => {
    expect((await login()).status).toBe(200); // the pools now hold open connections
    relay.setMode('stall');
    const [res, webhook, prismaQuery] = await Promise.all([
      login(),
      postWebhook(app, JSON.stringify(modeEvent())),
      app.database.db.prisma.user.findFirst().then(() => 'answered', (error: unknown) => error),
    ]);
    expect([res.status, webhook.status]).toEqual([503, 503]);
    expect(res.body.error.code).toBe('database_unavailable');
    expect(isDatabaseUnavailable(prismaQuery)).toBe(true);
    relay.setMode('relay');
    expect((await login()).status).toBe(200);
    expect((await postWebhook(app, JSON.stringify(modeEvent()))).status).toBe(200);
    expect(await app.database.db.prisma.user.count()).toBeGreaterThan(0);
  });

  test('when a statement runs past the query timeout, then the server cancels it as unavailable and the pool goes on', async () => {
    const { sql } = app.database.db;
    const sleep = `SELECT pg_sleep(${(QUERY_TIMEOUT_MS * 1.5) / 1000})`;
    const slow = await sql.query(sleep).then(() => 'answered', (error: unknown) => error);
    expect(slow).toMatchObject({ code: '57014' });
    expect(isDatabaseUnavailable(slow)).toBe(true);
    await expect(sql.transaction((tx) => tx.query(sleep))).rejects.toMatchObject({ code: '57014' });
    expect(await sql.query<{ ok: number }>('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    // Migrations run untimed: a long one is not cut off.
    await expect(sql.transaction((tx) => tx.query(sleep), { untimed: true })).resolves.toHaveLength(1);
  });

  test('when the database is unreachable, then /readyz names it, /healthz stays 200, and the log names the cause without a stack', async () => {
    relay.setMode('drop');
    const ready = await app.http.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'database', ok: false })]));
    expect((await app.http.get('/healthz')).status).toBe(200);
    logged.length = 0;
    await login();
    const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'database_unavailable', route: '/v1/auth/login' })]));
    expect(logged.join('\n')).not.toMatch(/unhandled error|    at /);
  });
});
