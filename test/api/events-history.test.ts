import { bearer } from '../fixtures/accounts';
import { modeEvent, sendEvent } from '../fixtures/events';
import { homeWithPeople } from '../fixtures/homes';
import { ADMIN_EMAIL, createClient, onBehalfOf, registerAdmin, serviceToken } from '../fixtures/service-clients';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let people: Awaited<ReturnType<typeof homeWithPeople>>;
/** IDs of the events sent to the home, oldest first by timestamp. */
const sent: { id: string; eventType: string; timestamp: string }[] = [];

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL } });
  people = await homeWithPeople(app);
  const base = Date.parse('2026-03-01T10:00:00.000Z');
  for (let i = 0; i < 7; i += 1) {
    const eventType = i % 2 === 0 ? 'motion' : 'door-open';
    const timestamp = new Date(base + i * 60_000).toISOString();
    // Sent out of order: the history orders by MODE's timestamp, not by arrival.
    sent.push({ id: '', eventType, timestamp });
  }
  for (const index of [3, 0, 6, 1, 5, 2, 4]) {
    const item = sent[index]!;
    item.id = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: item.eventType, timestamp: item.timestamp, eventData: { index } }));
  }
  // Noise in another home.
  await sendEvent(app, modeEvent({ homeId: people.homeId + 1000, eventType: 'motion', timestamp: sent[3]!.timestamp }));
});
afterAll(() => app.close());

const history = (token: string, homeId: number, query: Record<string, string | number> = {}) =>
  app.http.get(`/v1/homes/${homeId}/events`).query(query).set(bearer(token));

test('when a member pages through the history, then every event comes once, newest first, and the last page has no cursor', async () => {
  const seen: string[] = [];
  let cursor: string | undefined;
  const pageSizes: number[] = [];
  do {
    const res = await history(people.member.accessToken, people.homeId, { limit: 3, ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    pageSizes.push(res.body.events.length);
    seen.push(...res.body.events.map((event: { id: string }) => event.id));
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);

  expect(pageSizes).toEqual([3, 3, 1]);
  expect(seen).toEqual([...sent].reverse().map((event) => event.id));
});

test('when the history is read, then each event shows home, device, type, data and both times', async () => {
  const res = await history(people.owner.accessToken, people.homeId, { limit: 1 });
  expect(res.body.events[0]).toEqual({
    id: sent[6]!.id,
    homeId: people.homeId,
    deviceId: 7,
    deviceClass: 'thermostat',
    eventType: 'motion',
    eventData: { index: 6 },
    timestamp: sent[6]!.timestamp,
    receivedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
  });
  expect(res.body.nextCursor).toEqual(expect.any(String));
});

test('when filtered by event type, then only that type comes back', async () => {
  const res = await history(people.member.accessToken, people.homeId, { eventType: 'door-open' });
  expect(res.body.events.map((event: { id: string }) => event.id)).toEqual([sent[5]!.id, sent[3]!.id, sent[1]!.id]);
  expect(res.body.nextCursor).toBeNull();
});

test('when filtered by since and until, then since is inclusive and until exclusive', async () => {
  const res = await history(people.member.accessToken, people.homeId, { since: sent[2]!.timestamp, until: sent[5]!.timestamp });
  expect(res.body.events.map((event: { id: string }) => event.id)).toEqual([sent[4]!.id, sent[3]!.id, sent[2]!.id]);
});

test('when filters and a cursor combine, then the pages stay within the filter', async () => {
  const first = await history(people.member.accessToken, people.homeId, { eventType: 'motion', limit: 2 });
  const second = await history(people.member.accessToken, people.homeId, { eventType: 'motion', limit: 2, cursor: first.body.nextCursor });
  expect([...first.body.events, ...second.body.events].map((event: { id: string }) => event.id)).toEqual([sent[6]!.id, sent[4]!.id, sent[2]!.id, sent[0]!.id]);
  expect(second.body.nextCursor).toBeNull();
});

test('when someone who is not a member asks, then 404 as for a home that does not exist', async () => {
  const stranger = await history(people.stranger.accessToken, people.homeId);
  expect(stranger.status).toBe(404);
  expect(stranger.body.error.code).toBe('not_found');
  const unknown = await history(people.owner.accessToken, 999_999);
  expect(unknown.status).toBe(404);
});

test('when nobody is signed in, then 401', async () => {
  expect((await app.http.get(`/v1/homes/${people.homeId}/events`)).status).toBe(401);
});

test('when the query is out of range or the cursor forged, then 400 naming the field', async () => {
  const tooMany = await history(people.member.accessToken, people.homeId, { limit: 201 });
  expect(tooMany.status).toBe(400);
  expect(tooMany.body.error.details[0].field).toBe('query.limit');
  expect((await history(people.member.accessToken, people.homeId, { limit: 0 })).status).toBe(400);
  expect((await history(people.member.accessToken, people.homeId, { since: 'last week' })).status).toBe(400);
  const forged = await history(people.member.accessToken, people.homeId, { cursor: 'not-a-cursor' });
  expect(forged.status).toBe(400);
  expect(forged.body.error.details[0].field).toBe('query.cursor');
});

test('when a service client acts for a member, then events need the events:read scope and notifications notifications:read', async () => {
  const admin = await registerAdmin(app);
  const eventsToken = await serviceToken(app.http, await createClient(app.http, admin, { name: 'Events', scopes: ['events:read'] }));
  const homesToken = await serviceToken(app.http, await createClient(app.http, admin, { name: 'Homes', scopes: ['homes:read'] }));

  const allowed = await app.http.get(`/v1/homes/${people.homeId}/events`).set(onBehalfOf(eventsToken, people.member.id));
  expect(allowed.status).toBe(200);
  expect(allowed.body.events).toHaveLength(7);
  const refused = [
    await app.http.get(`/v1/homes/${people.homeId}/events`).set(onBehalfOf(homesToken, people.member.id)),
    await app.http.get('/v1/events/stream').set(onBehalfOf(homesToken, people.member.id)),
    await app.http.get('/v1/notifications').set(onBehalfOf(eventsToken, people.member.id)),
  ];
  expect(refused.map((res) => [res.status, res.body.error.code])).toEqual([
    [403, 'insufficient_scope'],
    [403, 'insufficient_scope'],
    [403, 'insufficient_scope'],
  ]);
});

test('when events are older than the retention period, then the retention job removes them and keeps the rest', async () => {
  const old = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'ancient' }));
  await app.database.db.sql.query(`UPDATE events SET received_at = now() - interval '91 days' WHERE id = $1::bigint`, [old]);

  const more = await app.services.retention.runOnce();

  expect(more).toBe(false);
  expect(await app.database.db.prisma.event.count({ where: { id: BigInt(old) } })).toBe(0);
  const res = await history(people.member.accessToken, people.homeId, { limit: 200 });
  expect(res.body.events).toHaveLength(7);
});

test('when several events share a timestamp across page boundaries, then paging returns each once, newest ID first', async () => {
  const home = await homeWithPeople(app);
  const timestamp = '2026-03-02T08:00:00.000Z';
  const ids: string[] = [];
  for (let index = 0; index < 5; index += 1) ids.push(await sendEvent(app, modeEvent({ homeId: home.homeId, eventType: 'motion', timestamp, eventData: { index } })));
  // One older event after them, so the cursor's "earlier timestamp" side is exercised too.
  const older = await sendEvent(app, modeEvent({ homeId: home.homeId, eventType: 'motion', timestamp: '2026-03-02T07:59:59.999Z' }));

  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const res = await history(home.member.accessToken, home.homeId, { limit: 2, ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    seen.push(...res.body.events.map((event: { id: string }) => event.id));
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);

  expect(seen).toEqual([...[...ids].sort((a, b) => Number(BigInt(b) - BigInt(a))), older]);
});
