import { bearer } from '../fixtures/accounts';
import { eventually, modeEvent, openStream, sendEvent } from '../fixtures/events';
import { addMember, homeWithPeople } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

// Membership changes reach open streams and history checks at once; MODE is the truth once the
// bridge's copy is older than MEMBERSHIP_TRUST_MS; an owner can re-add someone removed in MODE.

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ webhooks: true });
});
afterAll(() => app.close());

/** Removes a member the way another MODE client would: in MODE, the bridge not told. */
async function removeInMode(ownerId: string, homeId: number, modeUserId: number): Promise<void> {
  await app.services.linking.withUserKey(ownerId, (key) => app.services.mode.removeMember(key, homeId, modeUserId));
}

/** The bridge's copy of the home's members as if last seen in MODE ten minutes ago. */
async function ageCopy(homeId: number): Promise<void> {
  await app.database.db.sql.exec(`UPDATE home_memberships SET synced_at = now() - interval '10 minutes' WHERE home_id = ${homeId}`);
  app.services.memberships.forgetHome(homeId);
}

test('when a member is removed through the bridge, then their open stream stops carrying that home at once', async () => {
  const people = await homeWithPeople(app);
  const stream = await openStream(app, people.member.accessToken);
  try {
    expect(stream.status).toBe(200);
    expect(app.services.stream.watchedHomes(people.member.id)).toEqual([people.homeId]);
    const res = await app.http.delete(`/v1/homes/${people.homeId}/members/${people.member.user.link.modeUserId}`).set(bearer(people.owner.accessToken));
    expect(res.status).toBe(204);
    // Well inside the stream's periodic refresh (60 s): the change itself re-scopes the stream.
    await eventually(() => (app.services.stream.watchedHomes(people.member.id).length === 0 ? true : undefined), 5_000);
    await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'after-removal' }));
    await expect(stream.next(300)).rejects.toThrow('no message on the stream in time');
  } finally {
    stream.close();
  }
});

test('when a member is added through the bridge, then their open stream carries the home at once', async () => {
  const people = await homeWithPeople(app);
  const stream = await openStream(app, people.stranger.accessToken);
  try {
    expect(app.services.stream.watchedHomes(people.stranger.id)).toEqual([]);
    await addMember(app, people.owner, people.homeId, people.stranger);
    await eventually(() => (app.services.stream.watchedHomes(people.stranger.id).includes(people.homeId) ? true : undefined), 5_000);
    const id = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'after-add' }));
    expect((await stream.next()).id).toBe(id);
  } finally {
    stream.close();
  }
});

test('when a member was removed directly in MODE and the copy is older than the bound, then history is 404 and no notification reaches them', async () => {
  const people = await homeWithPeople(app);
  const memberModeId = people.member.user.link.modeUserId!;
  expect((await app.http.get(`/v1/homes/${people.homeId}/events`).set(bearer(people.member.accessToken))).status).toBe(200);
  await removeInMode(people.owner.id, people.homeId, memberModeId);
  await ageCopy(people.homeId);

  expect((await app.http.get(`/v1/homes/${people.homeId}/events`).set(bearer(people.member.accessToken))).status).toBe(404);
  expect((await app.http.get(`/v1/homes/${people.homeId}/events`).set(bearer(people.owner.accessToken))).status).toBe(200);

  await ageCopy(people.homeId);
  await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'doorbell' }));
  await app.services.outbox.dispatcher.drain();
  const memberInbox = await app.http.get('/v1/notifications').set(bearer(people.member.accessToken));
  const ownerInbox = await app.http.get('/v1/notifications').set(bearer(people.owner.accessToken));
  expect(ownerInbox.body.notifications.map((n: { title: string }) => n.title)).toEqual(expect.arrayContaining([expect.stringContaining('doorbell')]));
  expect(memberInbox.body.notifications.map((n: { title: string }) => n.title)).not.toEqual(expect.arrayContaining([expect.stringContaining('doorbell')]));
});

test('when a member was removed directly in MODE, then the owner can add them again', async () => {
  const people = await homeWithPeople(app);
  await removeInMode(people.owner.id, people.homeId, people.member.user.link.modeUserId!);
  const res = await app.http.post(`/v1/homes/${people.homeId}/members`).set(bearer(people.owner.accessToken)).send({ email: people.member.email });
  expect(res.status).toBe(201);
  const again = await app.http.post(`/v1/homes/${people.homeId}/members`).set(bearer(people.owner.accessToken)).send({ email: people.member.email });
  expect(again.status).toBe(409);
});
