import { bearer, registerAccount, uniqueEmail } from '../fixtures/accounts';
import { createHome, homeWithPeople, modeKeyOf, patientBreaker, watchMode } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ mode: patientBreaker });
});
afterAll(() => app.close());
afterEach(() => app.emulator.control.setFault(null));

const prisma = () => app.database.db.prisma;
const membersOf = async (homeId: number, token: string) => (await app.http.get(`/v1/homes/${homeId}/members`).set(bearer(token))).body;

describe('list', () => {
  test('when a member lists the members, then MODE\'s fields come with the local name and e-mail of each', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const sent = watchMode(app);
    const res = await app.http.get(`/v1/homes/${homeId}/members`).set(bearer(member.accessToken));

    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.arrayContaining([
      { userId: owner.user.link.modeUserId, homeId, name: expect.any(String), verified: true, creationTime: expect.any(String), role: 'owner', user: { id: owner.id, email: owner.email, name: 'Olivia Owner' } },
      { userId: member.user.link.modeUserId, homeId, name: expect.any(String), verified: true, creationTime: expect.any(String), role: 'member', user: { id: member.id, email: member.email, name: 'Max Member' } },
    ]));
    expect(res.body).toHaveLength(2);
    expect(sent().map((r) => `${r.method} ${r.path} ${r.authorization}`)).toEqual([`GET /homes/${homeId}/members ModeCloud ${await modeKeyOf(app, member)}`]);
  });

  test('when MODE lists a user who is not one of ours, then that member has no `user`', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const outsider = await app.services.mode.createUser(app.emulator.projectKey, app.emulator.projectId);
    await app.services.mode.addMember(await modeKeyOf(app, owner), homeId, outsider.id);

    const members = await membersOf(homeId, owner.accessToken);
    const listed = members.find((m: { userId: number }) => m.userId === outsider.id);
    expect(listed).toEqual({ userId: outsider.id, homeId, name: '', verified: true, creationTime: expect.any(String), role: 'member' });
  });
});

describe('add', () => {
  test('when the e-mail belongs to a user, then MODE adds them by MODE user ID with the caller\'s key and they are notified', async () => {
    const [owner, friend] = [await registerAccount(app.http), await registerAccount(app.http, { name: 'Fran Friend' })];
    const homeId = await createHome(app, owner);
    const sent = watchMode(app);

    const res = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email: friend.email.toUpperCase() });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ userId: friend.user.link.modeUserId, homeId, name: expect.any(String), verified: true, creationTime: expect.any(String), role: 'member', user: { id: friend.id, email: friend.email, name: 'Fran Friend' } });
    const add = sent().find((r) => r.method === 'POST' && r.path === `/homes/${homeId}/members`)!;
    expect(add.authorization).toBe(`ModeCloud ${await modeKeyOf(app, owner)}`);
    expect(add.body).toEqual({ userId: String(friend.user.link.modeUserId) });

    const notices = await prisma().notification.findMany({ where: { userId: friend.id } });
    expect(notices).toEqual([expect.objectContaining({ kind: 'home.member_added', data: { homeId, invitedBy: { id: owner.id, name: 'Test User' } } })]);
    expect(await prisma().invitation.count({ where: { userId: friend.id } })).toBe(0);
    const homes = await app.http.get('/v1/homes').set(bearer(friend.accessToken));
    expect(homes.body).toEqual([expect.objectContaining({ id: homeId, role: 'member' })]);
  });

  test('when the e-mail is unknown, then an invited account is created, linked to MODE, added and sent an invitation', async () => {
    const owner = await registerAccount(app.http);
    const homeId = await createHome(app, owner);
    const email = uniqueEmail('newcomer');

    const res = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email });
    expect(res.status).toBe(201);
    const invitee = await prisma().user.findUniqueOrThrow({ where: { email }, include: { link: true } });
    expect(invitee).toMatchObject({ status: 'invited', passwordHash: null, link: { status: 'linked', modeUserId: expect.any(Number) } });
    expect(res.body).toMatchObject({ userId: invitee.link!.modeUserId, role: 'member', user: { id: invitee.id, email, name: '' } });

    const invitation = await prisma().invitation.findFirstOrThrow({ where: { userId: invitee.id } });
    expect(invitation).toMatchObject({ homeId, invitedById: owner.id, acceptedAt: null });
    expect(invitation.expiresAt.getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000);
    const outbox = await prisma().outboxMessage.findFirstOrThrow({ where: { topic: 'email.home_invitation', payload: { path: ['to'], equals: email } } });
    const token = (outbox.payload as { token: string }).token;
    expect(invitation.tokenHash).not.toContain(token);
    expect(JSON.stringify(res.body)).not.toContain(token);
    const notice = await prisma().notification.findFirstOrThrow({ where: { userId: invitee.id } });
    expect(notice.kind).toBe('home.invitation');
    expect(JSON.stringify(notice)).not.toContain(token);
  });

  test('when any member adds someone, then it works (members may invite, as in MODE)', async () => {
    const { member, homeId } = await homeWithPeople(app);
    const res = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(member.accessToken)).send({ email: uniqueEmail() });
    expect(res.status).toBe(201);
  });

  test('when the person is already a member (or is the caller), then 409 and MODE is not asked', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const sent = watchMode(app);
    const again = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email: member.email });
    const self = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email: owner.email });
    expect([again.status, self.status]).toEqual([409, 409]);
    expect(again.body.error.code).toBe('conflict');
    expect(sent().filter((r) => r.method === 'POST')).toEqual([]);
  });

  test('when the e-mail is not valid, then 400', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const res = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email: 'not-an-email' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'body.email' })]);
  });

  test('when MODE is down while inviting a new e-mail, then 503; once it is back, the same account is added', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const email = uniqueEmail('patient');
    app.emulator.control.setFault({ kind: 'status', status: 503 });
    const down = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email });
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('upstream_unavailable');
    app.emulator.control.setFault(null);

    const up = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email });
    expect(up.status).toBe(201);
    expect(await prisma().user.count({ where: { email } })).toBe(1);
    expect(await prisma().invitation.count({ where: { user: { email } } })).toBe(1);
  });
});

describe('remove', () => {
  test('when a member removes someone else, then 403 and MODE is not asked', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const sent = watchMode(app);
    const res = await app.http.delete(`/v1/homes/${homeId}/members/${owner.user.link.modeUserId}`).set(bearer(member.accessToken));
    expect(res.status).toBe(403);
    expect(sent()).toEqual([]);
  });

  test('when a member leaves, then they no longer reach the home', async () => {
    const { member, owner, homeId } = await homeWithPeople(app);
    const res = await app.http.delete(`/v1/homes/${homeId}/members/${member.user.link.modeUserId}`).set(bearer(member.accessToken));
    expect(res.status).toBe(204);
    expect((await app.http.get(`/v1/homes/${homeId}`).set(bearer(member.accessToken))).status).toBe(404);
    expect((await membersOf(homeId, owner.accessToken)).map((m: { userId: number }) => m.userId)).toEqual([owner.user.link.modeUserId]);
  });

  test('when the owner removes a member, then the member loses access at once', async () => {
    const { owner, member, homeId } = await homeWithPeople(app);
    const res = await app.http.delete(`/v1/homes/${homeId}/members/${member.user.link.modeUserId}`).set(bearer(owner.accessToken));
    expect(res.status).toBe(204);
    const sent = watchMode(app);
    expect((await app.http.get(`/v1/homes/${homeId}/members`).set(bearer(member.accessToken))).status).toBe(404);
    expect(sent()).toEqual([]);
  });

  test('when the only owner tries to leave, then 409', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const res = await app.http.delete(`/v1/homes/${homeId}/members/${owner.user.link.modeUserId}`).set(bearer(owner.accessToken));
    expect(res.status).toBe(409);
  });

  test('when the MODE user is not a member, then 404', async () => {
    const { owner, stranger, homeId } = await homeWithPeople(app);
    const res = await app.http.delete(`/v1/homes/${homeId}/members/${stranger.user.link.modeUserId}`).set(bearer(owner.accessToken));
    expect(res.status).toBe(404);
  });

  test.each(['abc', '0', '2.5'])('when the MODE user ID is %s, then 400', async (id) => {
    const { owner, homeId } = await homeWithPeople(app);
    const res = await app.http.delete(`/v1/homes/${homeId}/members/${id}`).set(bearer(owner.accessToken));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'params.modeUserId' })]);
  });
});

describe('a user who is not a member', () => {
  test('when they list, add or remove members, then 404 and MODE is never called for them', async () => {
    const { owner, member, stranger, homeId } = await homeWithPeople(app);
    const sent = watchMode(app);
    const auth = bearer(stranger.accessToken);
    const answers = [
      await app.http.get(`/v1/homes/${homeId}/members`).set(auth),
      await app.http.post(`/v1/homes/${homeId}/members`).set(auth).send({ email: stranger.email }),
      await app.http.delete(`/v1/homes/${homeId}/members/${member.user.link.modeUserId}`).set(auth),
    ];
    expect(answers.map((res) => res.status)).toEqual([404, 404, 404]);
    expect(sent()).toEqual([]);
    expect(await membersOf(homeId, owner.accessToken)).toHaveLength(2);
  });
});

describe('MODE failures', () => {
  test.each([
    [404, 404],
    [403, 403],
    [503, 503],
  ])('when MODE answers %i to the member list, then the bridge answers %i', async (modeStatus, status) => {
    const { owner, homeId } = await homeWithPeople(app);
    app.emulator.control.setFault({ kind: 'status', status: modeStatus, paths: '^GET /homes/\\d+/members$' });
    const res = await app.http.get(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken));
    expect(res.status).toBe(status);
  });

  test('when the caller\'s MODE key was revoked, then it is re-issued and the member is added', async () => {
    const { owner, homeId } = await homeWithPeople(app);
    const friend = await registerAccount(app.http);
    app.emulator.control.revokeUserKeys(owner.user.link.modeUserId!);
    const res = await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email: friend.email });
    expect(res.status).toBe(201);
    const members = await app.http.get(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken));
    expect(members.body.map((member: { userId: number }) => member.userId)).toContain(friend.user.link.modeUserId);
  });
});

describe('rate limit', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ env: { MEMBER_ADDS_PER_HOUR: '2' } });
  });
  afterAll(() => limited.close());

  test('when a user adds more members than allowed per hour, then 429', async () => {
    const owner = await registerAccount(limited.http);
    const homeId = await createHome(limited, owner);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await limited.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email: uniqueEmail() })).status);
    }
    expect(statuses).toEqual([201, 201, 429]);
  });
});
