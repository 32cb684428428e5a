import { sha256Hex } from '../../src/lib/crypto';
import { bearer, GOOD_PASSWORD, registerAccount, uniqueEmail } from '../fixtures/accounts';
import { createHome } from '../fixtures/homes';
import { linkTokenSentTo, mailsTo, verifyEmail } from '../fixtures/mail';
import { openEmail } from '../../src/modules/notifications/channels/sealed-email';
import { ADMIN_EMAIL, createClient, onBehalfOf, registerAdmin, serviceToken } from '../fixtures/service-clients';
import { startTestApp, type TestApp } from '../support/test-app';

const ADMIN = 'owner.of.everything@example.com';
const INVITED_ADMIN = 'invited.admin@example.com';
const CLAIMED_ADMIN = 'claimed.admin@example.com';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: [ADMIN, INVITED_ADMIN, CLAIMED_ADMIN].join(',') } });
});
afterAll(() => app.close());

const verify = (token: string) => app.http.post('/v1/auth/email/verify').send({ token });
const me = async (accessToken: string) => (await app.http.get('/v1/me').set(bearer(accessToken))).body;
const login = (email: string, password = GOOD_PASSWORD) => app.http.post('/v1/auth/login').send({ email, password });

async function invite(owner: { accessToken: string }, email: string) {
  const homeId = await createHome(app, owner as never);
  const res = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status}`);
  const mail = (await mailsTo(app, email)).filter((candidate) => candidate.topic === 'email.home_invitation').pop()!;
  return { homeId, code: /^ {4}(\S+)$/m.exec(mail.text)![1]!, response: res.body };
}

describe('verifying the address', () => {
  test('when an account registers, then a link is sent, and following it verifies the address once', async () => {
    const account = await registerAccount(app.http);
    expect(account.user).toMatchObject({ emailVerified: false });
    const token = await linkTokenSentTo(app, account.email, 'email_verify');

    expect((await verify(token)).status).toBe(204);
    expect(await me(account.accessToken)).toMatchObject({ emailVerified: true, role: 'user' });
    const again = await verify(token);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('invalid_token');
  });

  test('when a new link is asked for, then it is sent and the earlier one stops working; once verified, nothing more is sent', async () => {
    const account = await registerAccount(app.http);
    const first = await linkTokenSentTo(app, account.email, 'email_verify');
    const start = await app.http.post('/v1/auth/email/verify/start').set(bearer(account.accessToken));
    expect(start.status).toBe(202);
    const second = await linkTokenSentTo(app, account.email, 'email_verify');
    expect(second).not.toBe(first);
    expect((await verify(first)).body.error.code).toBe('invalid_token');
    expect((await verify(second)).status).toBe(204);

    const count = (await mailsTo(app, account.email)).length;
    expect((await app.http.post('/v1/auth/email/verify/start').set(bearer(account.accessToken))).status).toBe(202);
    expect(await mailsTo(app, account.email)).toHaveLength(count);
  });

  test('when the link is expired, unknown or a reset link, then 400 invalid_token', async () => {
    const account = await registerAccount(app.http);
    const token = await linkTokenSentTo(app, account.email, 'email_verify');
    await app.http.post('/v1/auth/password/forgot').send({ email: account.email });
    const resetToken = await linkTokenSentTo(app, account.email, 'password_reset');
    await app.database.db.prisma.linkToken.updateMany({ where: { tokenHash: sha256Hex(token) }, data: { expiresAt: new Date(Date.now() - 1) } });
    for (const candidate of [token, resetToken, 'x'.repeat(43)]) {
      const res = await verify(candidate);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_token');
    }
    expect(await me(account.accessToken)).toMatchObject({ emailVerified: false });
    expect((await app.http.post('/v1/auth/email/verify').send({})).status).toBe(400);
    expect((await app.http.post('/v1/auth/email/verify/start')).status).toBe(401);
  });

  test('when the e-mail outbox row is read, then it holds no usable token', async () => {
    const account = await registerAccount(app.http);
    const token = await linkTokenSentTo(app, account.email, 'email_verify');
    const rows = await app.database.db.prisma.outboxMessage.findMany({ where: { payload: { path: ['to'], equals: account.email } } });
    expect(JSON.stringify(rows.map((row) => row.payload))).not.toContain(token);
    expect(JSON.stringify(await app.database.db.prisma.linkToken.findMany({ where: { userId: account.id } }))).not.toContain(token);
  });
});

describe('changing the address', () => {
  const changeEmail = (accessToken: string, email: string, password = GOOD_PASSWORD) => app.http.post('/v1/me/email').set(bearer(accessToken)).send({ email, password });

  test('when a new address is asked for, then nothing changes until its link is followed; then it is the verified sign-in address', async () => {
    const account = await registerAccount(app.http);
    const next = uniqueEmail('moved');
    const res = await changeEmail(account.accessToken, next.toUpperCase());
    expect(res.status).toBe(202);
    expect(await me(account.accessToken)).toMatchObject({ email: account.email });
    const token = await linkTokenSentTo(app, next, 'email_change');

    expect((await verify(token)).status).toBe(204);
    expect(await me(account.accessToken)).toMatchObject({ email: next, emailVerified: true });
    expect((await login(next)).status).toBe(200);
    expect((await login(account.email)).status).toBe(401);
    // The verification link of the old address proves nothing about the account any more.
    const oldLink = await linkTokenSentTo(app, account.email, 'email_verify');
    expect((await verify(oldLink)).body.error.code).toBe('invalid_token');
  });

  test('when the password is wrong, then 401 invalid_credentials; when the address is taken, 409; nothing is sent', async () => {
    const [account, other] = [await registerAccount(app.http), await registerAccount(app.http)];
    const next = uniqueEmail('wanted');
    const wrong = await changeEmail(account.accessToken, next, 'not the password');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const taken = await changeEmail(account.accessToken, other.email);
    expect(taken.status).toBe(409);
    expect(await mailsTo(app, next)).toEqual([]);
    expect((await mailsTo(app, other.email)).filter((mail) => mail.kind === 'email_change')).toEqual([]);
    expect((await changeEmail(account.accessToken, 'nope')).status).toBe(400);
  });

  test('when the new address is taken between the request and the link, then 409 and the link still works once it is free', async () => {
    const account = await registerAccount(app.http);
    const next = uniqueEmail('contested');
    await changeEmail(account.accessToken, next);
    const token = await linkTokenSentTo(app, next, 'email_change');
    const squatter = await registerAccount(app.http, { email: next });
    expect((await verify(token)).status).toBe(409);
    await app.database.db.prisma.user.delete({ where: { id: squatter.id } });
    expect((await verify(token)).status).toBe(204);
  });
});

describe('REQUIRE_EMAIL_VERIFICATION', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp({ env: { REQUIRE_EMAIL_VERIFICATION: 'true' } });
  });
  afterAll(() => strict.close());

  test('when the address is not verified, then the proxy, events and notifications answer 403 email_unverified; the account routes work; after verifying, all work', async () => {
    const account = await registerAccount(strict.http);
    const calls = () => [
      strict.http.get('/v1/homes').set(bearer(account.accessToken)),
      strict.http.get('/v1/homes/1/events').set(bearer(account.accessToken)),
      strict.http.get('/v1/notifications').set(bearer(account.accessToken)),
    ];
    for (const res of await Promise.all(calls())) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('email_unverified');
    }
    expect((await strict.http.get('/v1/me').set(bearer(account.accessToken))).status).toBe(200);

    await verifyEmail(strict, account.email);
    const [homes, , inbox] = await Promise.all(calls());
    expect(homes!.status).toBe(200);
    expect(inbox!.status).toBe(200);
  });
});

describe('REQUIRE_EMAIL_VERIFICATION through a service client', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp({ env: { REQUIRE_EMAIL_VERIFICATION: 'true', ADMIN_EMAILS: ADMIN_EMAIL } });
  });
  afterAll(() => strict.close());

  test('when a service client acts for an unverified user, then 403 email_unverified; for a verified one, 200', async () => {
    const admin = await registerAdmin(strict);
    const client = await createClient(strict.http, admin, { scopes: ['homes:read'] });
    const token = await serviceToken(strict.http, client);
    const user = await registerAccount(strict.http);
    const refused = await strict.http.get('/v1/homes').set(onBehalfOf(token, user.id));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('email_unverified');
    await verifyEmail(strict, user.email);
    expect((await strict.http.get('/v1/homes').set(onBehalfOf(token, user.id))).status).toBe(200);
  });
});

describe('invitations and ADMIN_EMAILS (only a proven owner of the address)', () => {
  test('when an ADMIN_EMAILS address registers, then it is a user until the address is verified', async () => {
    const res = await app.http.post('/v1/auth/register').send({ email: ADMIN, password: GOOD_PASSWORD });
    expect(res.body.user.role).toBe('user');
    expect((await app.http.get('/v1/admin/users').set(bearer(res.body.accessToken))).status).toBe(403);
    await verifyEmail(app, ADMIN);
    expect((await app.http.get('/v1/admin/users').set(bearer(res.body.accessToken))).status).toBe(200);
  });

  test('when an ADMIN_EMAILS address is invited, then the invited account is no admin; accepting the e-mailed code makes it a verified admin', async () => {
    const owner = await registerAccount(app.http);
    const { code } = await invite(owner, INVITED_ADMIN);
    expect(await app.database.db.prisma.user.findUniqueOrThrow({ where: { email: INVITED_ADMIN } })).toMatchObject({ role: 'user', status: 'invited', emailVerified: false });

    const accepted = await app.http.post(`/v1/invitations/${code}/accept`).send({ password: GOOD_PASSWORD });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user).toMatchObject({ role: 'admin', emailVerified: true });
  });

  test('when the real owner of an invited address registers, then nothing is signed in; the link sent there lets them choose the password, and the account and its homes are theirs', async () => {
    const owner = await registerAccount(app.http);
    const { homeId, code } = await invite(owner, CLAIMED_ADMIN);

    const res = await app.http.post('/v1/auth/register').send({ email: CLAIMED_ADMIN, password: 'the registered passphrase', name: 'Rita Real' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ verificationSent: true, email: CLAIMED_ADMIN });
    expect((await login(CLAIMED_ADMIN, 'the registered passphrase')).status).toBe(401);

    const token = await linkTokenSentTo(app, CLAIMED_ADMIN, 'account_claim');
    expect((await app.http.post('/v1/auth/password/reset').send({ token, password: 'the mailbox owner passphrase' })).status).toBe(204);
    // The password sent with the registration was never kept: only the mailbox holder's counts.
    expect((await login(CLAIMED_ADMIN, 'the registered passphrase')).status).toBe(401);
    const signedIn = await login(CLAIMED_ADMIN, 'the mailbox owner passphrase');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ status: 'active', emailVerified: true, role: 'admin' });
    const homes = await app.http.get('/v1/homes').set(bearer(signedIn.body.accessToken));
    expect(homes.body).toEqual([expect.objectContaining({ id: homeId })]);
    // The invitation has served its purpose, and the link its one use.
    expect((await app.http.post(`/v1/invitations/${code}/accept`).send({ password: GOOD_PASSWORD })).status).toBe(404);
    expect((await app.http.post('/v1/auth/password/reset').send({ token, password: 'a third passphrase here' })).body.error.code).toBe('invalid_token');
  });

  test('when someone else registers an invited address, then they get nothing: no session, no password, and the invitee can still accept', async () => {
    const owner = await registerAccount(app.http);
    const email = uniqueEmail('invitee');
    const { code } = await invite(owner, email);
    const squatter = await app.http.post('/v1/auth/register').send({ email, password: 'a squatter passphrase' });
    expect(squatter.status).toBe(202);
    expect(squatter.body.accessToken).toBeUndefined();
    expect((await login(email, 'a squatter passphrase')).status).toBe(401);
    const accepted = await app.http.post(`/v1/invitations/${code}/accept`).send({ password: GOOD_PASSWORD });
    expect(accepted.status).toBe(200);
    // The set-up link no longer applies to an account that is active now.
    const claim = await linkTokenSentTo(app, email, 'account_claim');
    expect((await app.http.post('/v1/auth/password/reset').send({ token: claim, password: 'another passphrase' })).body.error.code).toBe('invalid_token');
    expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
  });

  test('when a member is added by the e-mail of an existing, an invited, a disabled or an unknown account, then every answer has the same shape and names no account', async () => {
    const owner = await registerAccount(app.http);
    const homeId = await createHome(app, owner);
    const existing = await registerAccount(app.http, { name: 'Eve Existing' });
    const disabled = await registerAccount(app.http, { name: 'Dan Disabled' });
    await app.database.db.prisma.user.update({ where: { id: disabled.id }, data: { status: 'disabled' } });
    const answers = [];
    for (const email of [existing.email, disabled.email, uniqueEmail('unknown')]) {
      answers.push(await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email }));
    }
    for (const answer of answers) {
      expect(answer.status).toBe(201);
      expect(Object.keys(answer.body).sort()).toEqual(['creationTime', 'homeId', 'name', 'role', 'userId', 'verified']);
      expect(answer.body.name).toBe('');
    }
    expect(JSON.stringify(answers.map((answer) => answer.body))).not.toMatch(new RegExp(`${existing.id}|${disabled.id}|Eve|Dan`));
  });
});

test('when an invitation e-mail is queued, then its row holds the code sealed and the opened text holds it', async () => {
  const owner = await registerAccount(app.http);
  const email = uniqueEmail('sealed');
  const { code } = await invite(owner, email);
  const row = await app.database.db.prisma.outboxMessage.findFirstOrThrow({ where: { topic: 'email.home_invitation', payload: { path: ['to'], equals: email } } });
  expect(JSON.stringify(row.payload)).not.toContain(code);
  expect((openEmail(app.services.secretBox, row.payload) as { text: string }).text).toContain(code);
});
