import { bearer, GOOD_PASSWORD, registerAccount, uniqueEmail, type Account } from '../fixtures/accounts';
import { createHome } from '../fixtures/homes';
import type { InvitationNotice, MemberAddedNotice, Notifier } from '../../src/modules/invitations/notifier';
import { openEmail } from '../../src/modules/notifications/channels/sealed-email';
import { startTestApp, type TestApp } from '../support/test-app';

/** The code line of an invitation e-mail. */
function invitationCode(text: string): string {
  const code = /^ {4}(\S+)$/m.exec(text)?.[1];
  if (!code) throw new Error(`no invitation code in: ${text}`);
  return code;
}

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const prisma = () => app.database.db.prisma;

/** Invites a new e-mail to a new home of `owner`; the token is read where the e-mail channel reads it. */
async function invite(owner: Account, email = uniqueEmail('invitee'), homeId?: number) {
  const home = homeId ?? (await createHome(app, owner));
  const res = await app.http.post(`/v1/homes/${home}/members`).set(bearer(owner.accessToken)).send({ email });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${JSON.stringify(res.body)}`);
  const messages = await prisma().outboxMessage.findMany({ where: { topic: 'email.home_invitation', payload: { path: ['to'], equals: email } }, orderBy: { id: 'desc' } });
  return { email, homeId: home, token: invitationCode((openEmail(app.services.secretBox, messages[0]!.payload) as { text: string }).text) };
}

test('when the invitee opens the invitation, then it shows the home, the inviter\'s name, the e-mail and the expiry', async () => {
  const owner = await registerAccount(app.http, { name: 'Olivia Owner' });
  const { email, homeId, token } = await invite(owner);
  const res = await app.http.get(`/v1/invitations/${token}`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ homeId, email, invitedBy: { name: 'Olivia Owner' }, expiresAt: expect.any(String) });
});

test('when the invitee accepts, then the account is active, signed in and sees the home', async () => {
  const owner = await registerAccount(app.http);
  const { email, homeId, token } = await invite(owner);

  const res = await app.http.post(`/v1/invitations/${token}/accept`).send({ password: GOOD_PASSWORD, name: 'Nina Newcomer' });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    user: expect.objectContaining({ email, name: 'Nina Newcomer', status: 'active', link: { status: 'linked', modeUserId: expect.any(Number) } }),
    accessToken: expect.any(String),
    refreshToken: expect.any(String),
    expiresIn: expect.any(Number),
  });
  const homes = await app.http.get('/v1/homes').set(bearer(res.body.accessToken));
  expect(homes.body).toEqual([expect.objectContaining({ id: homeId, role: 'member' })]);
  const login = await app.http.post('/v1/auth/login').send({ email, password: GOOD_PASSWORD });
  expect(login.status).toBe(200);
});

test('when the token is used a second time, then 404 and the password stays the first one', async () => {
  const owner = await registerAccount(app.http);
  const { email, token } = await invite(owner);
  expect((await app.http.post(`/v1/invitations/${token}/accept`).send({ password: GOOD_PASSWORD })).status).toBe(200);

  const again = await app.http.post(`/v1/invitations/${token}/accept`).send({ password: 'another strong passphrase' });
  expect(again.status).toBe(404);
  expect(again.body.error.code).toBe('not_found');
  expect((await app.http.get(`/v1/invitations/${token}`)).status).toBe(404);
  expect((await app.http.post('/v1/auth/login').send({ email, password: 'another strong passphrase' })).status).toBe(401);
});

test('when one token is accepted twice at the same moment, then only one succeeds', async () => {
  const owner = await registerAccount(app.http);
  const { token } = await invite(owner);
  const answers = await Promise.all([1, 2].map(() => app.http.post(`/v1/invitations/${token}/accept`).send({ password: GOOD_PASSWORD })));
  expect(answers.map((res) => res.status).sort()).toEqual([200, 404]);
});

test('when the invitation has expired, then 404', async () => {
  const owner = await registerAccount(app.http);
  const { email, token } = await invite(owner);
  await prisma().invitation.updateMany({ where: { user: { email } }, data: { expiresAt: new Date(Date.now() - 1000) } });
  expect((await app.http.get(`/v1/invitations/${token}`)).status).toBe(404);
  expect((await app.http.post(`/v1/invitations/${token}/accept`).send({ password: GOOD_PASSWORD })).status).toBe(404);
});

test('when the token is unknown, then 404', async () => {
  expect((await app.http.get('/v1/invitations/not-a-token')).status).toBe(404);
  expect((await app.http.post('/v1/invitations/not-a-token/accept').send({ password: GOOD_PASSWORD })).status).toBe(404);
});

test('when the password is weak, then 400 and the invitation stays open', async () => {
  const owner = await registerAccount(app.http);
  const { token } = await invite(owner);
  const weak = await app.http.post(`/v1/invitations/${token}/accept`).send({ password: 'short' });
  expect(weak.status).toBe(400);
  expect(weak.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.password' })]));
  expect((await app.http.get(`/v1/invitations/${token}`)).status).toBe(200);
});

test('when an invited person has not accepted yet, then they cannot sign in', async () => {
  const owner = await registerAccount(app.http);
  const { email } = await invite(owner);
  const login = await app.http.post('/v1/auth/login').send({ email, password: GOOD_PASSWORD });
  expect(login.status).toBe(401);
});

test('when a person is invited to two homes, then accepting one closes the other invitation', async () => {
  const [alice, bob] = [await registerAccount(app.http), await registerAccount(app.http)];
  const first = await invite(alice);
  const second = await invite(bob, first.email);
  expect(second.token).not.toBe(first.token);

  expect((await app.http.post(`/v1/invitations/${second.token}/accept`).send({ password: GOOD_PASSWORD })).status).toBe(200);
  expect((await app.http.get(`/v1/invitations/${first.token}`)).status).toBe(404);
  const login = await app.http.post('/v1/auth/login').send({ email: first.email, password: GOOD_PASSWORD });
  const homes = await app.http.get('/v1/homes').set(bearer(login.body.accessToken));
  expect(homes.body.map((home: { id: number }) => home.id).sort()).toEqual([first.homeId, second.homeId].sort());
});

test('when an existing user is added, then no invitation is created and their password is untouched', async () => {
  const [owner, friend] = [await registerAccount(app.http), await registerAccount(app.http)];
  const homeId = await createHome(app, owner);
  await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email: friend.email });
  expect(await prisma().invitation.count({ where: { userId: friend.id } })).toBe(0);
  expect((await app.http.post('/v1/auth/login').send({ email: friend.email, password: friend.password })).status).toBe(200);
});

describe('with another notifier', () => {
  class RecordingNotifier implements Notifier {
    readonly invitations: InvitationNotice[] = [];
    readonly added: MemberAddedNotice[] = [];
    async notifyInvitation(notice: InvitationNotice) {
      this.invitations.push(notice);
    }
    async notifyMemberAdded(notice: MemberAddedNotice) {
      this.added.push(notice);
    }
  }
  const notifier = new RecordingNotifier();
  let own: TestApp;
  beforeAll(async () => {
    own = await startTestApp({ deps: { notifier } });
  });
  afterAll(() => own.close());

  test('when a notifier is passed to the services, then invitations go through it with a working token', async () => {
    const owner = await registerAccount(own.http, { name: 'Olivia Owner' });
    const homeId = await createHome(own, owner);
    const email = uniqueEmail('recorded');
    await own.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email });

    expect(notifier.invitations).toEqual([{ userId: expect.any(String), email, homeId, invitedBy: { id: owner.id, name: 'Olivia Owner', email: owner.email }, token: expect.any(String), expiresAt: expect.any(Date) }]);
    expect(await own.database.db.prisma.outboxMessage.count({ where: { topic: 'email.home_invitation' } })).toBe(0);
    const accepted = await own.http.post(`/v1/invitations/${notifier.invitations[0]!.token}/accept`).send({ password: GOOD_PASSWORD });
    expect(accepted.status).toBe(200);
  });
});
