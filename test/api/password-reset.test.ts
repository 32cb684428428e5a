import { sha256Hex } from '../../src/lib/crypto';
import { bearer, GOOD_PASSWORD, registerAccount, uniqueEmail } from '../fixtures/accounts';
import { linkTokenSentTo, mailsTo, tokenInText } from '../fixtures/mail';
import { startSmtpServer } from '../fixtures/receivers';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  app = await startTestApp({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'bridge@example.com', PUBLIC_URL: 'https://accounts.example.com' } });
});
afterAll(async () => {
  await app.close();
  await smtp.close();
});

const NEW_PASSWORD = 'a brand new passphrase';
const forgot = (email: string) => app.http.post('/v1/auth/password/forgot').send({ email });
const reset = (token: string, password = NEW_PASSWORD) => app.http.post('/v1/auth/password/reset').send({ token, password });
const login = (email: string, password: string) => app.http.post('/v1/auth/login').send({ email, password });

/** The text of a mail as read by a mail client: quoted-printable soft breaks and escapes undone. */
function bodyOf(raw: string): string {
  const body = raw.split(/\r?\n\r?\n/).slice(1).join('\n\n');
  return /quoted-printable/i.test(raw) ? body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))) : body;
}

async function delivered(to: string) {
  await app.services.outbox.dispatcher.drain();
  return smtp.mails.filter((mail) => mail.to.includes(to));
}

describe('forgot password', () => {
  test('when the e-mail is known or unknown, then the answer is the same 202 and body; only the known one gets a link', async () => {
    const account = await registerAccount(app.http);
    const unknown = uniqueEmail('nobody');
    const known = await forgot(account.email);
    const other = await forgot(unknown);
    expect(known.status).toBe(202);
    expect(other.status).toBe(202);
    expect(other.body).toEqual(known.body);
    expect(Object.keys(known.headers).sort()).toEqual(Object.keys(other.headers).sort());
    expect((await mailsTo(app, account.email)).filter((mail) => mail.kind === 'password_reset')).toHaveLength(1);
    expect(await mailsTo(app, unknown)).toEqual([]);
  });

  test('when the link is e-mailed, then it goes out over SMTP with a link to the bridge page, and the outbox row never held the token', async () => {
    const account = await registerAccount(app.http);
    await forgot(account.email);
    const row = (await app.database.db.prisma.outboxMessage.findMany({ where: { payload: { path: ['kind'], equals: 'password_reset' } } })).find((r) => (r.payload as { to: string }).to === account.email)!;

    const mails = (await delivered(account.email)).filter((mail) => mail.header('subject') === 'Reset your password');
    expect(mails).toHaveLength(1);
    const text = bodyOf(mails[0]!.raw);
    expect(text).toMatch(/https:\/\/accounts\.example\.com\/account\/reset-password\?token=[A-Za-z0-9_-]{43}/);
    expect(text).toContain('expires in 30 minutes');
    const token = tokenInText(text);
    expect(JSON.stringify(row.payload)).not.toContain(token);
    const stored = await app.database.db.prisma.linkToken.findFirstOrThrow({ where: { user: { email: account.email }, purpose: 'password_reset' } });
    expect(stored.tokenHash).toBe(sha256Hex(token));
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  test('when the body is not an e-mail, then 400 names the field', async () => {
    const res = await app.http.post('/v1/auth/password/forgot').send({ email: 'not-an-address' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'body.email' })]);
  });

  test('when the account is disabled or only invited, then the same 202 and no link', async () => {
    const account = await registerAccount(app.http);
    await app.database.db.prisma.user.update({ where: { id: account.id }, data: { status: 'disabled' } });
    expect((await forgot(account.email)).status).toBe(202);
    expect((await mailsTo(app, account.email)).filter((mail) => mail.kind === 'password_reset')).toEqual([]);
  });
});

describe('reset password', () => {
  test('when the link is followed, then the new password works, the old one not, every session ends, and the user is told', async () => {
    const account = await registerAccount(app.http);
    const elsewhere = (await login(account.email, GOOD_PASSWORD)).body;
    await forgot(account.email);
    const token = await linkTokenSentTo(app, account.email, 'password_reset');

    const res = await reset(token);
    expect(res.status).toBe(204);
    expect((await login(account.email, GOOD_PASSWORD)).status).toBe(401);
    expect((await login(account.email, NEW_PASSWORD)).status).toBe(200);
    for (const refreshToken of [account.refreshToken, elsewhere.refreshToken]) {
      const refresh = await app.http.post('/v1/auth/refresh').send({ refreshToken });
      expect(refresh.status).toBe(401);
    }
    const me = await app.http.get('/v1/me').set(bearer(account.accessToken));
    expect(me.body.emailVerified).toBe(true);
    const audit = await app.database.db.prisma.auditEntry.findMany({ where: { targetId: account.id, action: 'auth.password_reset' } });
    expect(audit).toEqual([expect.objectContaining({ result: 'success' })]);
    const told = (await delivered(account.email)).filter((mail) => mail.header('subject') === 'Your password was changed');
    expect(told).toHaveLength(1);
  });

  test('when the token is used again, then 400 invalid_token and the password stays', async () => {
    const account = await registerAccount(app.http);
    await forgot(account.email);
    const token = await linkTokenSentTo(app, account.email, 'password_reset');
    expect((await reset(token)).status).toBe(204);
    const again = await reset(token, 'yet another passphrase');
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('invalid_token');
    expect((await login(account.email, NEW_PASSWORD)).status).toBe(200);
  });

  test('when the same token is sent twice at once, then exactly one reset succeeds', async () => {
    const account = await registerAccount(app.http);
    await forgot(account.email);
    const token = await linkTokenSentTo(app, account.email, 'password_reset');
    const answers = await Promise.all([reset(token), reset(token, 'another fine passphrase')]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 400]);
  });

  test('when a newer link was asked for, then the older one no longer works and the newer one does', async () => {
    const account = await registerAccount(app.http);
    await forgot(account.email);
    const first = await linkTokenSentTo(app, account.email, 'password_reset');
    await forgot(account.email);
    const second = await linkTokenSentTo(app, account.email, 'password_reset');
    expect(second).not.toBe(first);
    expect((await reset(first)).body.error.code).toBe('invalid_token');
    expect((await reset(second)).status).toBe(204);
  });

  test('when the link has expired, then 400 invalid_token', async () => {
    const account = await registerAccount(app.http);
    await forgot(account.email);
    const token = await linkTokenSentTo(app, account.email, 'password_reset');
    await app.database.db.prisma.linkToken.updateMany({ where: { tokenHash: sha256Hex(token) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await reset(token);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_token');
    expect((await login(account.email, GOOD_PASSWORD)).status).toBe(200);
  });

  test('when the token is unknown or was made for something else, then 400 invalid_token', async () => {
    const account = await registerAccount(app.http);
    const verification = await linkTokenSentTo(app, account.email, 'email_verify');
    for (const token of ['not-a-token', verification]) {
      const res = await reset(token);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_token');
    }
    // The verification link still does its own job afterwards.
    expect((await app.http.post('/v1/auth/email/verify').send({ token: verification })).status).toBe(204);
  });

  test('when the new password is weak, then 400 on the password field and the link still works', async () => {
    const account = await registerAccount(app.http);
    await forgot(account.email);
    const token = await linkTokenSentTo(app, account.email, 'password_reset');
    const weak = await reset(token, 'short');
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('validation_failed');
    expect(weak.body.error.details[0].field).toBe('body.password');
    expect((await reset(token)).status).toBe(204);
  });

  test('when the body lacks the password, then 400 validation_failed', async () => {
    const res = await app.http.post('/v1/auth/password/reset').send({ token: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'body.password' })]);
  });
});

describe('change password', () => {
  const change = (accessToken: string, currentPassword: string, newPassword = NEW_PASSWORD) =>
    app.http.post('/v1/me/password').set(bearer(accessToken)).send({ currentPassword, newPassword });

  test('when the current password is right, then a fresh pair is the only session left and the user is told', async () => {
    const account = await registerAccount(app.http);
    const elsewhere = (await login(account.email, GOOD_PASSWORD)).body;

    const res = await change(account.accessToken, GOOD_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
    expect(res.headers['cache-control']).toBe('no-store');
    for (const refreshToken of [account.refreshToken, elsewhere.refreshToken]) {
      expect((await app.http.post('/v1/auth/refresh').send({ refreshToken })).status).toBe(401);
    }
    expect((await app.http.post('/v1/auth/refresh').send({ refreshToken: res.body.refreshToken })).status).toBe(200);
    expect((await login(account.email, NEW_PASSWORD)).status).toBe(200);
    expect((await login(account.email, GOOD_PASSWORD)).status).toBe(401);
    expect(await app.database.db.prisma.auditEntry.count({ where: { targetId: account.id, action: 'auth.password_change', result: 'success' } })).toBe(1);
    expect((await mailsTo(app, account.email)).filter((mail) => mail.kind === 'password_changed')).toHaveLength(1);
  });

  test('when the current password is wrong, then 401 invalid_credentials and nothing changes', async () => {
    const account = await registerAccount(app.http);
    const res = await change(account.accessToken, 'not my password at all');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
    expect((await app.http.post('/v1/auth/refresh').send({ refreshToken: account.refreshToken })).status).toBe(200);
    expect((await login(account.email, GOOD_PASSWORD)).status).toBe(200);
  });

  test('when the new password is weak, then 400 on newPassword; without a token, 401', async () => {
    const account = await registerAccount(app.http);
    const weak = await change(account.accessToken, GOOD_PASSWORD, 'short');
    expect(weak.status).toBe(400);
    expect(weak.body.error.details[0].field).toBe('body.newPassword');
    expect((await app.http.post('/v1/me/password').send({ currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD })).status).toBe(401);
  });
});

describe('rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ env: { AUTH_RATE_LIMIT_PER_MIN: '3' } });
  });
  afterAll(() => limited.close());

  test('when one IP asks too often, then 429 with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await limited.http.post('/v1/auth/password/forgot').send({ email: uniqueEmail() }));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 429]);
    expect(answers[3]!.body.error.code).toBe('rate_limited');
    expect(Number(answers[3]!.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('when one address is asked for too often from many IPs, then 429 for it, known or not, and others still pass', async () => {
    const account = await registerAccount(app.http);
    for (const email of [account.email, uniqueEmail('nobody')]) {
      const statuses = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await app.http.post('/v1/auth/password/forgot').set('X-Forwarded-For', `10.0.0.${i}`).send({ email })).status);
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    }
    expect((await forgot(uniqueEmail())).status).toBe(202);
    expect((await mailsTo(app, account.email)).filter((mail) => mail.kind === 'password_reset')).toHaveLength(5);
  });
});
