import { bearer } from '../fixtures/accounts';
import { homeWithPeople, modeKeyOf, patientBreaker, watchMode } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ mode: patientBreaker });
});
afterAll(() => app.close());
afterEach(() => app.emulator.control.setFault(null));

test('when a member stores, reads, lists and deletes values, then MODE keeps them for the home', async () => {
  const { owner, member, homeId } = await homeWithPeople(app);
  const put = await app.http.put(`/v1/homes/${homeId}/kv/schedule`).set(bearer(member.accessToken)).send({ value: { wake: '07:00', days: [1, 2, 3] } });
  expect(put.status).toBe(204);
  await app.http.put(`/v1/homes/${homeId}/kv/alarm`).set(bearer(owner.accessToken)).send({ value: false });

  const one = await app.http.get(`/v1/homes/${homeId}/kv/schedule`).set(bearer(owner.accessToken));
  expect(one.status).toBe(200);
  expect(one.body).toEqual({ key: 'schedule', value: { wake: '07:00', days: [1, 2, 3] }, modificationTime: expect.any(String) });
  const all = await app.http.get(`/v1/homes/${homeId}/kv`).set(bearer(member.accessToken));
  expect(all.body.map((pair: { key: string; value: unknown }) => [pair.key, pair.value])).toEqual([['alarm', false], ['schedule', { wake: '07:00', days: [1, 2, 3] }]]);

  expect((await app.http.delete(`/v1/homes/${homeId}/kv/alarm`).set(bearer(member.accessToken))).status).toBe(204);
  expect((await app.http.get(`/v1/homes/${homeId}/kv/alarm`).set(bearer(member.accessToken))).status).toBe(404);
});

test('when a value is written, then MODE gets it with the caller\'s own key', async () => {
  const { member, homeId } = await homeWithPeople(app);
  const sent = watchMode(app);
  await app.http.put(`/v1/homes/${homeId}/kv/mode`).set(bearer(member.accessToken)).send({ value: 'away' });
  const [request] = sent();
  expect(request).toMatchObject({ method: 'PUT', path: `/homes/${homeId}/kv/mode`, authorization: `ModeCloud ${await modeKeyOf(app, member)}`, body: { key: 'mode', value: 'away' } });
});

test('when keys are filtered by prefix, then only those come back', async () => {
  const { owner, homeId } = await homeWithPeople(app);
  for (const key of ['scene.morning', 'scene.night', 'volume']) {
    await app.http.put(`/v1/homes/${homeId}/kv/${key}`).set(bearer(owner.accessToken)).send({ value: 1 });
  }
  const res = await app.http.get(`/v1/homes/${homeId}/kv?keyPrefix=scene.`).set(bearer(owner.accessToken));
  expect(res.body.map((pair: { key: string }) => pair.key)).toEqual(['scene.morning', 'scene.night']);
});

test('when a key needs URL encoding, then it arrives in MODE intact', async () => {
  const { owner, homeId } = await homeWithPeople(app);
  const key = 'rooms/kitchen light?';
  expect((await app.http.put(`/v1/homes/${homeId}/kv/${encodeURIComponent(key)}`).set(bearer(owner.accessToken)).send({ value: 'on' })).status).toBe(204);
  const res = await app.http.get(`/v1/homes/${homeId}/kv/${encodeURIComponent(key)}`).set(bearer(owner.accessToken));
  expect(res.body).toMatchObject({ key, value: 'on' });
});

test('when the body has no value or other fields, then 400', async () => {
  const { owner, homeId } = await homeWithPeople(app);
  const missing = await app.http.put(`/v1/homes/${homeId}/kv/x`).set(bearer(owner.accessToken)).send({});
  expect(missing.status).toBe(400);
  expect(missing.body.error.details).toEqual([expect.objectContaining({ field: 'body.value' })]);
  expect((await app.http.put(`/v1/homes/${homeId}/kv/x`).set(bearer(owner.accessToken)).send({ value: 1, key: 'y' })).status).toBe(400);
  expect((await app.http.get('/v1/homes/home-1/kv').set(bearer(owner.accessToken))).status).toBe(400);
});

test('when a user who is not a member reads or writes the store, then 404 and MODE is never called for them', async () => {
  const { owner, stranger, homeId } = await homeWithPeople(app);
  await app.http.put(`/v1/homes/${homeId}/kv/secret`).set(bearer(owner.accessToken)).send({ value: 'code 1234' });
  const sent = watchMode(app);
  const auth = bearer(stranger.accessToken);
  const answers = [
    await app.http.get(`/v1/homes/${homeId}/kv`).set(auth),
    await app.http.get(`/v1/homes/${homeId}/kv/secret`).set(auth),
    await app.http.put(`/v1/homes/${homeId}/kv/secret`).set(auth).send({ value: 'changed' }),
    await app.http.delete(`/v1/homes/${homeId}/kv/secret`).set(auth),
  ];
  expect(answers.map((res) => res.status)).toEqual([404, 404, 404, 404]);
  expect(JSON.stringify(answers.map((res) => res.body))).not.toContain('code 1234');
  expect(sent()).toEqual([]);
  expect((await app.http.get(`/v1/homes/${homeId}/kv/secret`).set(bearer(owner.accessToken))).body.value).toBe('code 1234');
});

test.each([
  [404, 404],
  [403, 403],
  [503, 503],
])('when MODE answers %i, then the bridge answers %i', async (modeStatus, status) => {
  const { owner, homeId } = await homeWithPeople(app);
  app.emulator.control.setFault({ kind: 'status', status: modeStatus, paths: '^GET /homes/\\d+/kv' });
  expect((await app.http.get(`/v1/homes/${homeId}/kv`).set(bearer(owner.accessToken))).status).toBe(status);
});

test('when MODE revoked the key, then the value is still stored', async () => {
  const { owner, homeId } = await homeWithPeople(app);
  app.emulator.control.revokeUserKeys(owner.user.link.modeUserId!);
  expect((await app.http.put(`/v1/homes/${homeId}/kv/after-revoke`).set(bearer(owner.accessToken)).send({ value: 1 })).status).toBe(204);
  const stored = await app.http.get(`/v1/homes/${homeId}/kv/after-revoke`).set(bearer(owner.accessToken));
  expect([stored.status, stored.body.value]).toEqual([200, 1]);
});
