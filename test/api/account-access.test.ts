import { bearer, registerAccount } from '../fixtures/accounts';
import { eventually, openStream } from '../fixtures/events';
import { createHome } from '../fixtures/homes';
import { ADMIN_EMAIL, registerAdmin } from '../fixtures/service-clients';
import { startTestApp, type TestApp } from '../support/test-app';

// A disabled or deleted account loses access at once on every route, its access token still
// unexpired: the account's state is part of the principal and dropped from memory on change.

let app: TestApp;
let adminToken: string;

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL } });
  adminToken = (await registerAdmin(app)).accessToken;
});
afterAll(() => app.close());

const userRoutes = (homeId: number) => [`/v1/homes`, `/v1/homes/${homeId}`, `/v1/homes/${homeId}/events`, `/v1/notifications`, `/v1/me`];

test('when an admin disables a user, then the same access token answers 401 at once on proxy, events, notifications and account routes', async () => {
  const user = await registerAccount(app.http);
  const homeId = await createHome(app, user);
  // Every route has been used (and the account remembered) before the change.
  for (const path of userRoutes(homeId)) expect((await app.http.get(path).set(bearer(user.accessToken))).status).toBe(200);

  expect((await app.http.post(`/v1/admin/users/${user.id}/disable`).set(bearer(adminToken))).status).toBe(200);
  for (const path of userRoutes(homeId)) {
    const res = await app.http.get(path).set(bearer(user.accessToken));
    expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 401, code: 'unauthenticated' });
  }

  expect((await app.http.post(`/v1/admin/users/${user.id}/enable`).set(bearer(adminToken))).status).toBe(200);
  expect((await app.http.get('/v1/homes').set(bearer(user.accessToken))).status).toBe(200);
});

test('when a user is deleted, then their token answers 401 (not 503 or 200) everywhere', async () => {
  const user = await registerAccount(app.http);
  const homeId = await createHome(app, user);
  expect((await app.http.get(`/v1/homes/${homeId}`).set(bearer(user.accessToken))).status).toBe(200);
  expect((await app.http.delete(`/v1/admin/users/${user.id}`).set(bearer(adminToken))).status).toBe(204);
  for (const path of userRoutes(homeId)) {
    const res = await app.http.get(path).set(bearer(user.accessToken));
    expect({ path, status: res.status, message: res.body.error?.message }).toEqual({ path, status: 401, message: 'This account no longer exists' });
  }
});

test('when a user with an open event stream is disabled, then the stream ends', async () => {
  const user = await registerAccount(app.http);
  await createHome(app, user);
  const stream = await openStream(app, user.accessToken);
  expect(stream.status).toBe(200);
  await eventually(() => (app.services.stream.connectionCount(user.id) === 1 ? true : undefined));
  await app.http.post(`/v1/admin/users/${user.id}/disable`).set(bearer(adminToken)).expect(200);
  await eventually(() => (app.services.stream.connectionCount(user.id) === 0 ? true : undefined));
  stream.close();
  const again = await openStream(app, user.accessToken);
  expect(again.status).toBe(401);
});

test('when an admin is demoted, then the token it holds no longer passes for an admin', async () => {
  const other = await registerAccount(app.http);
  await app.http.post(`/v1/admin/users/${other.id}/promote`).set(bearer(adminToken)).expect(200);
  // The token was signed while "user"; what counts is the role now.
  expect((await app.http.get('/v1/admin/users').set(bearer(other.accessToken))).status).toBe(200);
  await app.http.post(`/v1/admin/users/${other.id}/demote`).set(bearer(adminToken)).expect(200);
  expect((await app.http.get('/v1/admin/users').set(bearer(other.accessToken))).status).toBe(403);
});
