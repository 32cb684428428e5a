import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LegacyAuthClient } from '../../src/modules/auth/legacy-auth.client';
import { readStoredHash } from '../../src/modules/auth/password-formats';
import { bearer, registerAccount, uniqueEmail, type Account } from '../fixtures/accounts';
import { ACCEPTED_ANSWER, OLD_SYSTEM_SECRET, startLegacySystem, type LegacySystem } from '../fixtures/legacy-system';
import { startTestApp, type TestApp } from '../support/test-app';
import { registerVerifiedAdmin } from '../fixtures/mail';

// Migration at login (LEGACY_AUTH_URL) against a real HTTP server standing for the old system.

let oldSystem: LegacySystem;
let app: TestApp;
let admin: Account;
const adminEmail = uniqueEmail('admin');
const PASSWORD = 'what they typed in the old app';
const TOKEN = 'shared-secret-between-the-two-systems';

beforeAll(async () => {
  oldSystem = await startLegacySystem();
  app = await startTestApp({ env: { ADMIN_EMAILS: adminEmail, LEGACY_AUTH_URL: `${oldSystem.url}/api/check-login`, LEGACY_AUTH_TOKEN: TOKEN, LEGACY_AUTH_TIMEOUT_MS: '400' } });
  admin = await registerVerifiedAdmin(app, adminEmail);
});
afterAll(async () => {
  await app.close();
  await oldSystem.close();
});

/** An e-mail the old system answers for as its first word says (see fixtures/legacy-system.ts). */
const emailFor = (mode: string) => `${mode}.${uniqueEmail('old')}`;
const login = (email: string, password = PASSWORD) => app.http.post('/v1/auth/login').send({ email, password });

async function expectOrdinaryFailure(email: string, reason: string): Promise<void> {
  const before = new Set((await app.services.audit.list({ action: 'auth.login', limit: 200 })).map((entry) => entry.id));
  const res = await login(email);
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: { code: 'invalid_credentials', message: 'The email or password is wrong' } });
  expect(JSON.stringify(res.body)).not.toContain(OLD_SYSTEM_SECRET);
  expect(await app.services.users.findByEmail(email)).toBeNull();
  const added = (await app.services.audit.list({ action: 'auth.login', limit: 200 })).filter((entry) => !before.has(entry.id));
  expect(added.map((entry) => [entry.result, entry.details])).toEqual([['failure', { reason }]]);
}

describe('when the old system accepts', () => {
  test('then the account is created with its name and verified e-mail, linked to MODE, signed in, and the old system is never asked again', async () => {
    const email = emailFor('accept');
    const res = await login(email);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email, name: ACCEPTED_ANSWER.name, role: 'user', status: 'active', link: { status: 'linked' } });
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(oldSystem.callsFor(email)).toEqual([{ path: '/api/check-login', body: { email, password: PASSWORD }, contentType: 'application/json', authorization: `Bearer ${TOKEN}` }]);

    const stored = (await app.services.users.findByEmail(email))!;
    expect(readStoredHash(stored.passwordHash!)).toMatchObject({ ok: true, format: 'argon2', needsRehash: false });
    const row = await app.database.db.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(row.source).toBe('legacy_auth');
    expect(row.emailVerified).toBe(true);
    const me = await app.http.get('/v1/me').set(bearer(res.body.accessToken));
    expect(me.body.id).toBe(stored.id);

    expect((await login(email)).status).toBe(200);
    expect((await login(email, 'a wrong password now')).status).toBe(401);
    expect(oldSystem.callsFor(email)).toHaveLength(1);

    const migrated = await app.services.audit.list({ targetId: stored.id, action: 'user.legacy_migrate', limit: 10 });
    expect(migrated.map((entry) => [entry.result, entry.details])).toEqual([['success', { source: 'legacy_auth', role: 'user', emailVerified: true }]]);
    const listed = await app.http.get('/v1/admin/users').query({ source: 'legacy_auth', email: email.split('@')[0] }).set(bearer(admin.accessToken));
    expect(listed.body.users.map((u: { id: string; source: string }) => [u.id, u.source])).toEqual([[stored.id, 'legacy_auth']]);
  });

  test('without a name or an e-mail verification in the answer, then the name is empty and the e-mail is not considered verified', async () => {
    const email = emailFor('plainaccept');
    const res = await login(email);
    expect(res.status).toBe(200);
    expect(res.body.user.name).toBe('');
    const row = await app.database.db.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(row.emailVerified).toBe(false);
  });

  test('and three logins for one e-mail arrive at once, then the old system is asked once and all three sign in to one account', async () => {
    const email = emailFor('slowaccept');
    const answers = await Promise.all([login(email), login(email), login(email)]);
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((res) => res.body.user.id)).size).toBe(1);
    expect(oldSystem.callsFor(email)).toHaveLength(1);
  });
});

describe('when the old system does not accept', () => {
  test('and refuses, then it is an ordinary failed login and nothing is created', async () => {
    await expectOrdinaryFailure(emailFor('refuse'), 'legacy_refused');
  });

  test('and does not answer in time, then it is an ordinary failed login', async () => {
    await expectOrdinaryFailure(emailFor('hang'), 'legacy_timeout');
  });

  test('and answers 200 with something that is not JSON, then it is an ordinary failed login', async () => {
    await expectOrdinaryFailure(emailFor('garbage'), 'legacy_malformed');
  });

  test('and answers 200 with fields of the wrong types, then it is an ordinary failed login', async () => {
    await expectOrdinaryFailure(emailFor('badtypes'), 'legacy_malformed');
  });

  test('and redirects, then the redirect is not followed and it is an ordinary failed login', async () => {
    const email = emailFor('redirect');
    await expectOrdinaryFailure(email, 'legacy_redirected');
    expect(oldSystem.calls.filter((call) => call.path === '/elsewhere')).toEqual([]);
  });

  test('and fails with a 500, then the bridge still answers 401, not a 5xx', async () => {
    await expectOrdinaryFailure(emailFor('broken'), 'legacy_refused');
  });

  test('and three logins for one e-mail arrive at once, then the old system gets them one at a time', async () => {
    const email = emailFor('slowrefuse');
    const answers = await Promise.all([login(email), login(email), login(email)]);
    expect(answers.map((res) => res.status)).toEqual([401, 401, 401]);
    expect(oldSystem.callsFor(email)).toHaveLength(3);
    expect(oldSystem.maxInFlightFor(email)).toBe(1);
  });
});

describe('when the e-mail is known locally', () => {
  test('then the old system is not asked, whatever the password', async () => {
    const account = await registerAccount(app.http, { email: emailFor('accept') });
    expect((await login(account.email, 'not the password here')).status).toBe(401);
    expect((await login(account.email, account.password)).status).toBe(200);
    expect(oldSystem.callsFor(account.email)).toEqual([]);
  });
});

describe('rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ env: { LEGACY_AUTH_URL: oldSystem.url, LOGIN_FAILURES_PER_ACCOUNT: '2' } });
  });
  afterAll(() => limited.close());

  test('when logins for an unknown e-mail keep failing, then the per-account login limit stops them before they reach the old system', async () => {
    const email = emailFor('refuse');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) statuses.push((await limited.http.post('/v1/auth/login').send({ email, password: PASSWORD })).status);
    expect(statuses).toEqual([401, 401, 429, 429]);
    expect(oldSystem.callsFor(email)).toHaveLength(2);
  });
});

describe('the client itself', () => {
  let tls: HttpsServer;
  let tlsUrl: string;
  let tlsRequests = 0;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legacy-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      tlsRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ACCEPTED_ANSWER));
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/check`;
  });
  afterAll(async () => {
    tls.closeAllConnections();
    await new Promise((resolve) => tls.close(resolve));
  });

  function capturingClient(url: string) {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    return { client: new LegacyAuthClient({ url, timeoutMs: 400 }, logger), lines };
  }

  test('when the old system presents a certificate that cannot be verified, then nothing is sent and the answer is a refusal', async () => {
    const { client } = capturingClient(tlsUrl);
    try {
      expect(await client.check('accept.tls@example.com', PASSWORD)).toEqual({ accepted: false, reason: 'unreachable' });
      expect(tlsRequests).toBe(0);
    } finally {
      await client.close();
    }
  });

  test('when the old system cannot be reached, then the answer is a refusal', async () => {
    const { client } = capturingClient('http://127.0.0.1:9/check');
    try {
      expect(await client.check('accept.closed@example.com', PASSWORD)).toEqual({ accepted: false, reason: 'unreachable' });
    } finally {
      await client.close();
    }
  });

  test.each(['refuse', 'garbage', 'badtypes', 'broken', 'accept'])('when the old system answers as "%s", then its body and the password never reach the log', async (mode) => {
    const { client, lines } = capturingClient(oldSystem.url);
    try {
      await client.check(emailFor(mode), PASSWORD);
    } finally {
      await client.close();
    }
    expect(lines.length).toBeGreaterThan(0);
    const log = lines.join('\n');
    expect(log).not.toContain(OLD_SYSTEM_SECRET);
    expect(log).not.toContain(ACCEPTED_ANSWER.name);
    expect(log).not.toContain(PASSWORD);
  });
});
