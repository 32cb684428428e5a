// Against a MODE that pages every list by 2, the bridge still shows a user all of their homes,
// a home all of its members and devices, and syncs every membership.
import { bearer, registerAccount } from '../fixtures/accounts';
import { addMember, claimDevice, createHome, watchMode } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ emulatorModes: { pageSize: 2 } });
});
afterAll(() => app.close());

test('when a user has 5 homes and MODE pages by 2, then the bridge lists all 5, reading 3 pages', async () => {
  const owner = await registerAccount(app.http);
  const homeIds: number[] = [];
  for (const name of ['A', 'B', 'C', 'D', 'E']) homeIds.push(await createHome(app, owner, name));
  // Forget the memberships, so the bridge can only learn them from MODE's (paged) list.
  await app.database.db.prisma.homeMembership.deleteMany({ where: { homeId: { in: homeIds } } });
  const sent = watchMode(app);

  const res = await app.http.get('/v1/homes').set(bearer(owner.accessToken));

  expect(res.status).toBe(200);
  expect(res.body.map((home: { id: number; role: string }) => [home.id, home.role])).toEqual(homeIds.map((id) => [id, 'owner']));
  const pages = sent().filter((r) => r.method === 'GET' && r.path === '/homes');
  expect(pages.map((r) => r.query?.skip)).toEqual(['0', '2', '4']);
});

test('when a home has 4 members and 3 devices, then the bridge lists every one of them', async () => {
  const owner = await registerAccount(app.http);
  const homeId = await createHome(app, owner);
  const people = await Promise.all([1, 2, 3].map(() => registerAccount(app.http)));
  for (const person of people) await addMember(app, owner, homeId, person);
  for (const name of ['one', 'two', 'three']) await claimDevice(app, owner, homeId, 'lamp', name);

  const members = await app.http.get(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken));
  const devices = await app.http.get(`/v1/homes/${homeId}/devices`).set(bearer(owner.accessToken));

  expect(members.status).toBe(200);
  expect(members.body).toHaveLength(4);
  expect(members.body.every((member: { homeId: number }) => member.homeId === homeId)).toBe(true);
  expect(devices.body.map((device: { name: string }) => device.name).sort()).toEqual(['one', 'three', 'two']);
  // Every member's membership was synced from the whole list: the last one added may act at once.
  const last = people[2]!;
  expect((await app.http.get(`/v1/homes/${homeId}`).set(bearer(last.accessToken))).status).toBe(200);
});
