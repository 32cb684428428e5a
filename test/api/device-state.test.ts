import { bearer } from '../fixtures/accounts';
import { eventually, modeEvent, openStream, sendEvent, type ModeEventJson, type SseStream } from '../fixtures/events';
import { claimDevice, createHome, homeWithPeople, watchMode } from '../fixtures/homes';
import { createClient, onBehalfOf, registerAdmin, serviceToken, ADMIN_EMAIL } from '../fixtures/service-clients';
import { EventsRepository, type NewEvent } from '../../src/modules/events/events.repository';
import { startTestApp, type TestApp } from '../support/test-app';

// Device state: the latest event of each type per device, written by the webhook in the statement
// that stores the event, read through the bridge (never MODE), and announced on the event stream.

const MAX_TYPES = 3;
let app: TestApp;
let people: Awaited<ReturnType<typeof homeWithPeople>>;
const open: SseStream[] = [];

beforeAll(async () => {
  app = await startTestApp({ env: { DEVICE_STATE_MAX_TYPES: String(MAX_TYPES), ADMIN_EMAILS: ADMIN_EMAIL } });
  people = await homeWithPeople(app);
});
afterEach(async () => {
  for (const stream of open.splice(0)) stream.close();
  await eventually(() => (app.services.stream.connectionCount() === 0 ? true : undefined));
});
afterAll(() => app.close());

const at = (iso: string) => new Date(iso).toISOString();

/** A thermostat claimed into the shared home, and a way to send its events with chosen timestamps. */
async function thermostat() {
  const device = await claimDevice(app, people.owner, people.homeId, 'thermostat', 'Hall thermostat');
  const emit = (eventType: string, eventData: unknown, timestamp: string) =>
    sendEvent(app, modeEvent({ homeId: people.homeId, originDeviceId: device.id, originDeviceClass: 'thermostat', eventType, eventData, timestamp }));
  return { id: device.id, emit };
}

async function stateOf(deviceId: number, token = people.member.accessToken) {
  const res = await app.http.get(`/v1/devices/${deviceId}/state`).set(bearer(token));
  expect(res.status).toBe(200);
  return res.body;
}

describe('GET /v1/devices/:deviceId/state', () => {
  test('when a device has sent no event yet, then its state has an empty latest and no lastSeenAt', async () => {
    const device = await thermostat();
    expect(await stateOf(device.id)).toEqual({ deviceId: device.id, homeId: people.homeId, lastSeenAt: null, latest: {} });
  });

  test('when the first event arrives, then it is the latest of its type, read from the bridge without asking MODE', async () => {
    const device = await thermostat();
    const id = await device.emit('temperature', { celsius: 21.5 }, at('2026-05-01T10:00:00Z'));

    const sentToMode = watchMode(app);
    const state = await stateOf(device.id);
    expect(state).toEqual({
      deviceId: device.id,
      homeId: people.homeId,
      lastSeenAt: at('2026-05-01T10:00:00Z'),
      latest: { temperature: { eventData: { celsius: 21.5 }, timestamp: at('2026-05-01T10:00:00Z'), eventId: id } },
    });
    expect(sentToMode()).toEqual([]);
  });

  test('when a newer event of the type arrives, then it replaces the latest value', async () => {
    const device = await thermostat();
    await device.emit('temperature', { celsius: 20 }, at('2026-05-02T10:00:00Z'));
    const newer = await device.emit('temperature', { celsius: 23 }, at('2026-05-02T10:05:00Z'));

    const { latest, lastSeenAt } = await stateOf(device.id);
    expect(latest.temperature).toEqual({ eventData: { celsius: 23 }, timestamp: at('2026-05-02T10:05:00Z'), eventId: newer });
    expect(lastSeenAt).toBe(at('2026-05-02T10:05:00Z'));
  });

  test('when an older event of the type is delivered late, then it is stored in the history but the newer value stays', async () => {
    const device = await thermostat();
    const newer = await device.emit('temperature', { celsius: 24 }, at('2026-05-03T10:05:00Z'));
    const late = await device.emit('temperature', { celsius: 19 }, at('2026-05-03T10:00:00Z'));

    const { latest, lastSeenAt } = await stateOf(device.id);
    expect(latest.temperature).toEqual({ eventData: { celsius: 24 }, timestamp: at('2026-05-03T10:05:00Z'), eventId: newer });
    expect(lastSeenAt).toBe(at('2026-05-03T10:05:00Z'));
    const history = await app.http.get(`/v1/homes/${people.homeId}/events?eventType=temperature&limit=200`).set(bearer(people.member.accessToken));
    expect(history.body.events.map((event: { id: string }) => event.id)).toContain(late);
  });

  test('when two events of a type carry the same timestamp, then the one stored later is the latest', async () => {
    const device = await thermostat();
    await device.emit('temperature', { celsius: 21 }, at('2026-05-04T10:00:00Z'));
    const second = await device.emit('temperature', { celsius: 22 }, at('2026-05-04T10:00:00Z'));
    expect((await stateOf(device.id)).latest.temperature.eventId).toBe(second);
  });

  test('when events of several types arrive, then each type keeps its own latest value', async () => {
    const device = await thermostat();
    const temperature = await device.emit('temperature', { celsius: 22 }, at('2026-05-05T10:00:00Z'));
    const humidity = await device.emit('humidity', { percent: 40 }, at('2026-05-05T10:01:00Z'));
    const mode = await device.emit('mode', { mode: 'heat' }, at('2026-05-05T10:02:00Z'));

    const { latest } = await stateOf(device.id);
    expect(latest).toEqual({
      temperature: { eventData: { celsius: 22 }, timestamp: at('2026-05-05T10:00:00Z'), eventId: temperature },
      humidity: { eventData: { percent: 40 }, timestamp: at('2026-05-05T10:01:00Z'), eventId: humidity },
      mode: { eventData: { mode: 'heat' }, timestamp: at('2026-05-05T10:02:00Z'), eventId: mode },
    });
  });

  test('when an event type is named like an object property, then it is a plain key of latest', async () => {
    const device = await thermostat();
    await device.emit('__proto__', { polluted: true }, at('2026-05-06T10:00:00Z'));
    const res = await app.http.get(`/v1/devices/${device.id}/state`).set(bearer(people.member.accessToken));
    const latest = JSON.parse(res.text).latest;
    expect(Object.keys(latest)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(latest, '__proto__')?.value.eventData).toEqual({ polluted: true });
  });

  test('when retention deletes the history, then the latest values stay', async () => {
    const device = await thermostat();
    const id = await device.emit('temperature', { celsius: 18 }, at('2026-05-07T10:00:00Z'));
    await app.database.db.prisma.event.updateMany({ where: { id: BigInt(id) }, data: { receivedAt: new Date(Date.now() - 400 * 86_400_000) } });

    await app.services.retention.runOnce();

    expect(await app.database.db.prisma.event.count({ where: { id: BigInt(id) } })).toBe(0);
    expect((await stateOf(device.id)).latest.temperature).toEqual({ eventData: { celsius: 18 }, timestamp: at('2026-05-07T10:00:00Z'), eventId: id });
  });
});

describe('the bound: DEVICE_STATE_MAX_TYPES', () => {
  test('when a device sends one type more than the bound, then the type with the oldest value is dropped', async () => {
    const device = await thermostat();
    await device.emit('a', { n: 1 }, at('2026-06-01T10:00:01Z'));
    await device.emit('b', { n: 2 }, at('2026-06-01T10:00:02Z'));
    await device.emit('c', { n: 3 }, at('2026-06-01T10:00:03Z'));
    // An update of the oldest type makes it recent again: b is now the least recently updated.
    await device.emit('a', { n: 4 }, at('2026-06-01T10:00:04Z'));
    await device.emit('d', { n: 5 }, at('2026-06-01T10:00:05Z'));

    expect(Object.keys((await stateOf(device.id)).latest).sort()).toEqual(['a', 'c', 'd']);
  });

  test('when a late event of a new type is older than every kept value at the bound, then it is not kept', async () => {
    const device = await thermostat();
    await device.emit('a', { n: 1 }, at('2026-06-02T10:00:01Z'));
    await device.emit('b', { n: 2 }, at('2026-06-02T10:00:02Z'));
    await device.emit('c', { n: 3 }, at('2026-06-02T10:00:03Z'));
    await device.emit('old', { n: 0 }, at('2026-06-02T09:00:00Z'));

    expect(Object.keys((await stateOf(device.id)).latest).sort()).toEqual(['a', 'b', 'c']);
  });

  test('when one statement brings more new types than the bound, then only the newest ones are kept', async () => {
    const device = await thermostat();
    const repository = new EventsRepository(app.database.db.prisma, app.database.db.sql, { deviceStateMaxTypes: MAX_TYPES });
    const event = (eventType: string, second: number): NewEvent => ({
      dedupKey: `bound-batch-${device.id}-${eventType}`, homeId: people.homeId, deviceId: device.id, deviceClass: 'thermostat', eventType, eventData: { second }, timestamp: new Date(Date.UTC(2026, 5, 3, 10, 0, second)),
    });
    await device.emit('kept-before', { n: 0 }, at('2026-06-03T10:00:03Z'));

    const results = await repository.storeMany([event('v', 5), event('w', 1), event('x', 4), event('y', 2), event('z', 6)]);

    expect(Object.keys((await stateOf(device.id)).latest).sort()).toEqual(['v', 'x', 'z']);
    expect(results.map((result) => ('stored' in result ? result.latest : 'duplicate'))).toEqual([true, false, true, false, true]);
  });

  test('when many events of many types arrive at once, then the device keeps exactly the newest types up to the bound', async () => {
    const device = await thermostat();
    const base = Date.parse('2026-06-04T10:00:00Z');
    const events: ModeEventJson[] = Array.from({ length: 24 }, (_unused, index) =>
      modeEvent({ homeId: people.homeId, originDeviceId: device.id, originDeviceClass: 'thermostat', eventType: `t${index % 8}`, eventData: { index }, timestamp: new Date(base + ((index * 5) % 24) * 1_000).toISOString() }),
    );
    await Promise.all(events.map((event) => sendEvent(app, event)));

    const newestPerType = new Map<string, ModeEventJson>();
    for (const event of events) {
      const known = newestPerType.get(event.eventType);
      if (!known || known.timestamp < event.timestamp) newestPerType.set(event.eventType, event);
    }
    const expected = [...newestPerType.values()].sort((a, b) => b.timestamp.localeCompare(a.timestamp)).slice(0, MAX_TYPES);
    const { latest } = await stateOf(device.id);
    expect(Object.keys(latest).sort()).toEqual(expected.map((event) => event.eventType).sort());
    for (const event of expected) expect(latest[event.eventType].eventData).toEqual(event.eventData);
  });
});

describe('who may read it', () => {
  test('when someone outside the home asks, then 404 as for a device that does not exist', async () => {
    const device = await thermostat();
    await device.emit('temperature', { celsius: 21 }, at('2026-07-01T10:00:00Z'));
    const res = await app.http.get(`/v1/devices/${device.id}/state`).set(bearer(people.stranger.accessToken));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(JSON.stringify(res.body)).not.toContain('celsius');
  });

  test('when nobody is signed in, then 401', async () => {
    const device = await thermostat();
    expect((await app.http.get(`/v1/devices/${device.id}/state`)).status).toBe(401);
  });

  test('when a service client acts for a member, then devices:read is needed', async () => {
    const device = await thermostat();
    const admin = await registerAdmin(app);
    const reader = await serviceToken(app.http, await createClient(app.http, admin, { name: 'Dashboard', scopes: ['devices:read'] }));
    const eventsOnly = await serviceToken(app.http, await createClient(app.http, admin, { name: 'Archive', scopes: ['events:read'] }));

    const allowed = await app.http.get(`/v1/devices/${device.id}/state`).set(onBehalfOf(reader, people.member.id));
    expect(allowed.status).toBe(200);
    expect(allowed.body.deviceId).toBe(device.id);
    const refused = await app.http.get(`/v1/devices/${device.id}/state`).set(onBehalfOf(eventsOnly, people.member.id));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('insufficient_scope');
    const listRefused = await app.http.get(`/v1/homes/${people.homeId}/devices?include=state`).set(onBehalfOf(eventsOnly, people.member.id));
    expect(listRefused.status).toBe(403);
  });
});

describe('GET /v1/homes/:homeId/devices?include=state', () => {
  test('when state is asked for, then each device of MODE\'s list carries its state; without it, none', async () => {
    const owner = people.owner;
    const homeId = await createHome(app, owner, 'Cabin');
    const heater = await claimDevice(app, owner, homeId, 'heater', 'Heater');
    const lamp = await claimDevice(app, owner, homeId, 'lamp', 'Lamp');
    const id = await sendEvent(app, modeEvent({ homeId, originDeviceId: heater.id, originDeviceClass: 'heater', eventType: 'power', eventData: { on: true }, timestamp: at('2026-07-02T10:00:00Z') }));

    const res = await app.http.get(`/v1/homes/${homeId}/devices?include=state`).set(bearer(owner.accessToken));
    expect(res.status).toBe(200);
    const byId = new Map(res.body.map((device: { id: number }) => [device.id, device]));
    expect(byId.get(heater.id)).toMatchObject({
      id: heater.id,
      name: 'Heater',
      state: { deviceId: heater.id, homeId, lastSeenAt: at('2026-07-02T10:00:00Z'), latest: { power: { eventData: { on: true }, timestamp: at('2026-07-02T10:00:00Z'), eventId: id } } },
    });
    expect(byId.get(lamp.id)).toMatchObject({ id: lamp.id, state: { deviceId: lamp.id, homeId, lastSeenAt: null, latest: {} } });

    const plain = await app.http.get(`/v1/homes/${homeId}/devices`).set(bearer(owner.accessToken));
    expect(plain.status).toBe(200);
    expect(plain.body.every((device: object) => !('state' in device))).toBe(true);
  });

  test('when include names something unknown, then 400; when the caller is not a member, then 404', async () => {
    const bad = await app.http.get(`/v1/homes/${people.homeId}/devices?include=everything`).set(bearer(people.member.accessToken));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const stranger = await app.http.get(`/v1/homes/${people.homeId}/devices?include=state`).set(bearer(people.stranger.accessToken));
    expect(stranger.status).toBe(404);
  });
});

describe('a device that moves to another home', () => {
  test('when its events come from a new home, then members there see only what came from that home, and the old home no longer sees it', async () => {
    const device = await thermostat();
    await device.emit('temperature', { celsius: 21 }, at('2026-07-10T10:00:00Z'));
    const newHome = await createHome(app, people.stranger, 'New owner');
    const moved = await sendEvent(app, modeEvent({ homeId: newHome, originDeviceId: device.id, originDeviceClass: 'thermostat', eventType: 'humidity', eventData: { percent: 55 }, timestamp: at('2026-07-11T10:00:00Z') }));

    const there = await stateOf(device.id, people.stranger.accessToken);
    expect(there).toEqual({ deviceId: device.id, homeId: newHome, lastSeenAt: at('2026-07-11T10:00:00Z'), latest: { humidity: { eventData: { percent: 55 }, timestamp: at('2026-07-11T10:00:00Z'), eventId: moved } } });
    expect((await app.http.get(`/v1/devices/${device.id}/state`).set(bearer(people.member.accessToken))).status).toBe(404);
  });
});

describe('forgetting', () => {
  test('when a device is deleted through the bridge, then its state is gone', async () => {
    const device = await thermostat();
    await device.emit('temperature', { celsius: 21 }, at('2026-08-01T10:00:00Z'));
    const res = await app.http.delete(`/v1/devices/${device.id}`).set(bearer(people.owner.accessToken));
    expect(res.status).toBe(204);

    expect(await app.database.db.prisma.deviceLatestEvent.count({ where: { deviceId: device.id } })).toBe(0);
    expect((await app.http.get(`/v1/devices/${device.id}/state`).set(bearer(people.owner.accessToken))).status).toBe(404);
  });

  test('when a home is deleted through the bridge, then the state of its devices is gone', async () => {
    const homeId = await createHome(app, people.owner, 'Sold house');
    const device = await claimDevice(app, people.owner, homeId, 'lamp', 'Porch lamp');
    await sendEvent(app, modeEvent({ homeId, originDeviceId: device.id, originDeviceClass: 'lamp', eventType: 'power', eventData: { on: false } }));
    expect(await app.database.db.prisma.deviceLatestEvent.count({ where: { deviceId: device.id } })).toBe(1);

    const res = await app.http.delete(`/v1/homes/${homeId}`).set(bearer(people.owner.accessToken));
    expect(res.status).toBe(204);
    expect(await app.database.db.prisma.deviceLatestEvent.count({ where: { homeId } })).toBe(0);
  });
});

describe('the event stream', () => {
  async function stream(token: string, lastEventId?: string): Promise<SseStream> {
    const opened = await openStream(app, token, lastEventId);
    open.push(opened);
    expect(opened.status).toBe(200);
    return opened;
  }

  test('when an event becomes a device\'s latest value, then members get a device-state message after the event, without an id', async () => {
    const device = await thermostat();
    const member = await stream(people.member.accessToken);
    const id = await device.emit('temperature', { celsius: 25 }, at('2026-09-01T10:00:00Z'));

    expect((await member.next()).id).toBe(id);
    const message = await member.nextState();
    expect(message.event).toBe('device-state');
    expect(message.id).toBeUndefined();
    expect(JSON.parse(message.data!)).toEqual({ deviceId: device.id, homeId: people.homeId, eventType: 'temperature', eventData: { celsius: 25 }, timestamp: at('2026-09-01T10:00:00Z'), eventId: id });
  });

  test('when a late, older event arrives, then the stream carries the event but no device-state message', async () => {
    const device = await thermostat();
    await device.emit('temperature', { celsius: 26 }, at('2026-09-02T10:05:00Z'));
    const member = await stream(people.member.accessToken);
    const late = await device.emit('temperature', { celsius: 10 }, at('2026-09-02T10:00:00Z'));
    const next = await device.emit('temperature', { celsius: 27 }, at('2026-09-02T10:10:00Z'));

    expect((await member.next()).id).toBe(late);
    expect((await member.next()).id).toBe(next);
    // The first state message is the newer event's: the late one changed nothing.
    expect(JSON.parse((await member.nextState()).data!).eventId).toBe(next);
  });

  test('when the state of a device in another home changes, then a stranger\'s stream does not carry it', async () => {
    const device = await thermostat();
    const strangerHome = await createHome(app, people.stranger, 'Stranger flat');
    const stranger = await stream(people.stranger.accessToken);

    await device.emit('temperature', { celsius: 20 }, at('2026-09-03T10:00:00Z'));
    const own = await sendEvent(app, modeEvent({ homeId: strangerHome, originDeviceId: 900_001, eventType: 'power', eventData: { on: true } }));

    expect(JSON.parse((await stranger.nextState()).data!)).toMatchObject({ homeId: strangerHome, eventId: own });
  });

  test('when a client resumes with Last-Event-ID, then the replay carries events only, as before, and live state messages follow', async () => {
    const device = await thermostat();
    const before = await device.emit('temperature', { celsius: 1 }, at('2026-09-04T10:00:00Z'));
    const missed = await device.emit('temperature', { celsius: 2 }, at('2026-09-04T10:01:00Z'));

    const resumed = await stream(people.member.accessToken, before);
    expect((await resumed.next()).id).toBe(missed);
    const live = await device.emit('temperature', { celsius: 3 }, at('2026-09-04T10:02:00Z'));
    expect((await resumed.next()).id).toBe(live);
    expect(JSON.parse((await resumed.nextState()).data!).eventId).toBe(live);
  });
});

test('when the OpenAPI document is read, then it describes the state route and the list\'s include', async () => {
  const doc = (await app.http.get('/openapi.json')).body;
  expect(doc.paths['/v1/devices/{deviceId}/state'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DeviceState' });
  expect(doc.components.schemas.DeviceState.required).toEqual(expect.arrayContaining(['deviceId', 'homeId', 'lastSeenAt', 'latest']));
  expect(doc.paths['/v1/homes/{homeId}/devices'].get.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'include', in: 'query' })]));
});
