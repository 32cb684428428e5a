import { Readable } from 'node:stream';
import { request } from 'undici';
import { modeEvent, modeSignature, postWebhook } from '../fixtures/events';
import { EventsRepository, type NewEvent } from '../../src/modules/events/events.repository';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const prisma = () => app.database.db.prisma;
const storedCount = (eventType: string) => prisma().event.count({ where: { eventType } });

describe('signature', () => {
  test('when the signature is MODE\'s (HMAC of the configured URL + raw body), then 200 and the event is stored', async () => {
    const event = modeEvent({ eventType: 'sig-valid' });
    const answer = await postWebhook(app, JSON.stringify(event));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: expect.stringMatching(/^\d+$/), duplicate: false });
    expect(await storedCount('sig-valid')).toBe(1);
  });

  test('when the signature uses another key, then 403 invalid_signature and nothing is stored', async () => {
    const raw = JSON.stringify(modeEvent({ eventType: 'sig-wrong-key' }));
    const answer = await postWebhook(app, raw, modeSignature('not-the-webhook-key', app.config.webhook.url, raw));
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('invalid_signature');
    expect(await storedCount('sig-wrong-key')).toBe(0);
  });

  test('when the signature covers another URL, then 403', async () => {
    const raw = JSON.stringify(modeEvent({ eventType: 'sig-wrong-url' }));
    const answer = await postWebhook(app, raw, modeSignature(app.config.webhook.key, 'https://elsewhere.example.com/hook', raw));
    expect(answer.status).toBe(403);
    expect(await storedCount('sig-wrong-url')).toBe(0);
  });

  test('when the body was altered after signing, even by one space, then 403', async () => {
    const raw = JSON.stringify(modeEvent({ eventType: 'sig-altered' }));
    const signature = modeSignature(app.config.webhook.key, app.config.webhook.url, raw);
    const answer = await postWebhook(app, `${raw} `, signature);
    expect(answer.status).toBe(403);
    expect(await storedCount('sig-altered')).toBe(0);
  });

  test('when the X-Mode-Signature header is missing, then 403', async () => {
    const answer = await postWebhook(app, JSON.stringify(modeEvent({ eventType: 'sig-missing' })), null);
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('invalid_signature');
    expect(await storedCount('sig-missing')).toBe(0);
  });

  test('when the signature is not even hex, then 403 (not an error)', async () => {
    const answer = await postWebhook(app, JSON.stringify(modeEvent({ eventType: 'sig-garbage' })), 'zz');
    expect(answer.status).toBe(403);
  });
});

describe('validation', () => {
  test('when a signed event lacks its eventType, then 400 validation_failed naming the field', async () => {
    const { eventType: _omitted, ...event } = modeEvent();
    const answer = await postWebhook(app, JSON.stringify(event));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('validation_failed');
    expect(answer.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.eventType' })]));
  });

  test('when a signed body is not JSON, then 400', async () => {
    const answer = await postWebhook(app, '{"homeId": 1,');
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('validation_failed');
  });

  test('when the timestamp is not ISO 8601 or the home ID not a positive integer, then 400', async () => {
    expect((await postWebhook(app, JSON.stringify(modeEvent({ timestamp: 'yesterday' })))).status).toBe(400);
    expect((await postWebhook(app, JSON.stringify(modeEvent({ homeId: -3 })))).status).toBe(400);
  });
});

describe('storing', () => {
  test('when an event arrives, then it is kept with home, device, type, data and MODE\'s timestamp, and its fan-out is queued', async () => {
    const event = modeEvent({ homeId: 4242, originDeviceId: 99, eventType: 'store-fields', eventData: { open: true, level: [1, 2] } });
    const { body } = await postWebhook(app, JSON.stringify(event));

    const row = await prisma().event.findUniqueOrThrow({ where: { id: BigInt(body.id) } });
    expect(row).toMatchObject({ homeId: 4242, deviceId: 99, deviceClass: 'thermostat', eventType: 'store-fields', eventData: { open: true, level: [1, 2] } });
    expect(row.timestamp.toISOString()).toBe(event.timestamp);
    const outbox = await prisma().outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: `event:${body.id}` } });
    expect(outbox).toMatchObject({ topic: 'event.fanout', status: 'pending', payload: { eventId: body.id } });
  });

  test('when MODE delivers the same event again, then 200 with the same ID, stored once, fanned out once', async () => {
    const raw = JSON.stringify(modeEvent({ eventType: 'dup-once' }));
    const first = await postWebhook(app, raw);
    const second = await postWebhook(app, raw);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id: first.body.id, duplicate: true });
    expect(await storedCount('dup-once')).toBe(1);
    expect(await prisma().outboxMessage.count({ where: { idempotencyKey: `event:${first.body.id}` } })).toBe(1);
  });

  test('when the repeat is serialised differently (key order, spacing), then it is still the same event', async () => {
    const event = modeEvent({ eventType: 'dup-reordered', eventData: { a: 1, b: { c: 2, d: 3 } } });
    await postWebhook(app, JSON.stringify(event));
    const reordered = { eventData: { b: { d: 3, c: 2 }, a: 1 }, originDeviceClass: event.originDeviceClass, eventType: event.eventType, originDeviceId: event.originDeviceId, timestamp: event.timestamp, homeId: event.homeId };
    const answer = await postWebhook(app, JSON.stringify(reordered, null, 2));
    expect(answer.body.duplicate).toBe(true);
    expect(await storedCount('dup-reordered')).toBe(1);
  });

  test('when the same event is delivered several times at once, then it is stored once', async () => {
    const raw = JSON.stringify(modeEvent({ eventType: 'dup-concurrent' }));
    const answers = await Promise.all(Array.from({ length: 5 }, () => postWebhook(app, raw)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1);
    expect(await storedCount('dup-concurrent')).toBe(1);
  });

  test('when a burst of events of several devices arrives at once, then each is stored once with its own ID and each device holds its newest event', async () => {
    const devices = [6101, 6102, 6103];
    const base = Date.parse('2026-03-01T00:00:00.000Z');
    const events = Array.from({ length: 45 }, (_unused, index) => ({
      ...modeEvent({ homeId: 78, eventType: 'burst', eventData: { index } }),
      originDeviceId: devices[index % devices.length]!,
      // Out of order on purpose: the newest of each device is not the last one sent.
      timestamp: new Date(base + ((index * 7) % 45) * 1_000).toISOString(),
    }));
    const repeats = events.slice(0, 5);

    const answers = await Promise.all([...events, ...repeats].map((event) => postWebhook(app, JSON.stringify(event))));

    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const firsts = answers.slice(0, events.length);
    expect(new Set(firsts.map((answer) => answer.body.id)).size).toBe(events.length);
    expect(firsts.filter((answer) => answer.body.duplicate)).toHaveLength(0);
    expect(answers.slice(events.length).map((answer) => answer.body)).toEqual(firsts.slice(0, 5).map((answer) => ({ id: answer.body.id, duplicate: true })));
    expect(await storedCount('burst')).toBe(events.length);
    for (const deviceId of devices) {
      const newest = events.filter((event) => event.originDeviceId === deviceId).sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0]!;
      const device = await prisma().device.findUniqueOrThrow({ where: { id: deviceId } });
      expect(device.lastEventData).toEqual(newest.eventData);
      expect(device.lastEventAt?.toISOString()).toBe(newest.timestamp);
    }
    const stored = await prisma().event.findMany({ where: { eventType: 'burst' }, select: { id: true } });
    expect(await prisma().outboxMessage.count({ where: { idempotencyKey: { in: stored.map((row) => `event:${row.id}`) } } })).toBe(events.length);
  });

  test('when one statement stores several events (a group commit), then repeats within it and of earlier events are answered as duplicates', async () => {
    const repository = new EventsRepository(prisma(), app.database.db.sql);
    const event = (dedupKey: string, seconds: number, level: number): NewEvent => ({
      dedupKey, homeId: 79, deviceId: 6201, deviceClass: null, eventType: 'grouped', eventData: { level }, timestamp: new Date(Date.UTC(2026, 3, 1, 0, 0, seconds)),
    });
    const [earlier] = await repository.storeMany([event('grouped-a', 1, 1)]);

    const results = await repository.storeMany([event('grouped-b', 5, 5), event('grouped-a', 1, 1), event('grouped-c', 3, 3), event('grouped-b', 5, 5)]);

    const earlierId = earlier && 'stored' in earlier ? earlier.stored.id : 'missing';
    const b = results[0] && 'stored' in results[0] ? results[0].stored.id : 'missing';
    expect(results[1]).toEqual({ duplicateOf: earlierId });
    expect(results[2]).toMatchObject({ stored: { eventData: { level: 3 } } });
    expect(results[3]).toEqual({ duplicateOf: b });
    expect(await storedCount('grouped')).toBe(3);
    const device = await prisma().device.findUniqueOrThrow({ where: { id: 6201 } });
    expect(device).toMatchObject({ homeId: 79, lastEventType: 'grouped', lastEventData: { level: 5 } });
  });

  test('when two events differ only in their data, then both are stored', async () => {
    const event = modeEvent({ eventType: 'same-moment' });
    await postWebhook(app, JSON.stringify(event));
    await postWebhook(app, JSON.stringify({ ...event, eventData: { celsius: 22 } }));
    expect(await storedCount('same-moment')).toBe(2);
  });

  test('when events of a device arrive, then its state holds the latest event and a late older one does not roll it back', async () => {
    const deviceId = 5151;
    const newer = modeEvent({ originDeviceId: deviceId, homeId: 77, eventType: 'state-newer', eventData: { on: true } });
    const older = { ...newer, timestamp: new Date(Date.parse(newer.timestamp) - 60_000).toISOString(), eventType: 'state-older', eventData: { on: false } };
    await postWebhook(app, JSON.stringify(newer));
    await postWebhook(app, JSON.stringify(older));

    const device = await prisma().device.findUniqueOrThrow({ where: { id: deviceId } });
    expect(device).toMatchObject({ homeId: 77, deviceClass: 'thermostat', lastEventType: 'state-newer', lastEventData: { on: true } });
    expect(device.lastEventAt?.toISOString()).toBe(newer.timestamp);
    expect(device.lastSeenAt?.toISOString()).toBe(newer.timestamp);
  });

  test('when an event was sent to a home with a project key (originDeviceId 0), then it is stored without a device', async () => {
    const { body } = await postWebhook(app, JSON.stringify(modeEvent({ originDeviceId: 0, originDeviceClass: undefined, eventType: 'home-event' })));
    const row = await prisma().event.findUniqueOrThrow({ where: { id: BigInt(body.id) } });
    expect(row.deviceId).toBeNull();
    expect(await prisma().device.count({ where: { id: 0 } })).toBe(0);
  });

  test('when events are received, then the metrics count each one by its outcome', async () => {
    const count = async (outcome: string) => {
      const found = new RegExp(`mode_webhook_events_total\\{outcome="${outcome}"\\} (\\d+)`).exec((await app.http.get('/metrics')).text);
      return Number(found?.[1] ?? 0);
    };
    const before = { stored: await count('stored'), duplicate: await count('duplicate'), invalid: await count('invalid_signature') };
    const body = JSON.stringify(modeEvent({ eventType: 'counted' }));
    expect((await postWebhook(app, body)).status).toBe(200);
    expect((await postWebhook(app, body)).status).toBe(200);
    expect((await postWebhook(app, body, 'ab'.repeat(32))).status).toBe(403);
    expect({ stored: await count('stored'), duplicate: await count('duplicate'), invalid: await count('invalid_signature') }).toEqual({
      stored: before.stored + 1,
      duplicate: before.duplicate + 1,
      invalid: before.invalid + 1,
    });
  });

  test('when events are received, then the HTTP metrics count them under the route template', async () => {
    const count = async (status: number) => {
      const found = new RegExp(`http_requests_total\\{method="POST",route="/webhooks/mode/events",status="${status}"\\} (\\d+)`).exec((await app.http.get('/metrics')).text);
      return Number(found?.[1] ?? 0);
    };
    const before = { ok: await count(200), refused: await count(403) };
    expect((await postWebhook(app, JSON.stringify(modeEvent({ eventType: 'http-counted' })))).status).toBe(200);
    expect((await postWebhook(app, JSON.stringify(modeEvent({ eventType: 'http-counted' })), null)).status).toBe(403);
    expect({ ok: await count(200), refused: await count(403) }).toEqual({ ok: before.ok + 1, refused: before.refused + 1 });
  });

  test('when the OpenAPI document is read, then the webhook and the event routes are in it', async () => {
    const doc = (await app.http.get('/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/webhooks/mode/events', '/v1/homes/{homeId}/events', '/v1/events/stream', '/v1/notifications', '/v1/notifications/{id}/read', '/v1/notifications/preferences']),
    );
    expect(doc.paths['/webhooks/mode/events'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ModeEvent' });
    expect(doc.paths['/v1/events/stream'].get.responses['200'].content).toHaveProperty(['text/event-stream']);
  });
});

describe('two paths, one answer', () => {
  // A call with a declared length is answered in front of Express (webhook-endpoint.ts); a chunked
  // one, another spelling of the path or a browser's Origin goes through Express's route.
  const send = async (body: string, options: { chunked?: boolean; path?: string; signature?: string | null; origin?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const signature = options.signature === undefined ? modeSignature(app.config.webhook.key, app.config.webhook.url, body) : options.signature;
    if (signature !== null) headers['x-mode-signature'] = signature;
    if (options.origin) headers.origin = options.origin;
    const payload = options.chunked ? Readable.from([Buffer.from(body)]) : body;
    const answer = await request(`${app.url}${options.path ?? '/webhooks/mode/events'}`, { method: 'POST', headers, body: payload });
    const text = await answer.body.text();
    const { date: _date, 'content-length': _length, 'transfer-encoding': _coding, connection: _connection, 'keep-alive': _keepAlive, ...rest } = answer.headers;
    return { status: answer.statusCode, headers: rest, body: JSON.parse(text) as Record<string, unknown> };
  };

  test('when the same kinds of call arrive with a length and chunked, then status, headers and error bodies are the same', async () => {
    const event = (tag: string) => JSON.stringify(modeEvent({ eventType: 'two-paths', eventData: { tag } }));
    const direct = await send(event('direct'));
    const chunked = await send(event('chunked'), { chunked: true });
    expect(direct.status).toBe(200);
    expect(chunked.status).toBe(200);
    expect(direct.headers).toEqual(chunked.headers);
    expect(direct.headers).toMatchObject({ 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', 'strict-transport-security': expect.any(String), 'content-security-policy': expect.any(String) });
    expect(direct.body).toEqual({ id: expect.any(String), duplicate: false });
    expect(await storedCount('two-paths')).toBe(2);

    for (const [body, signature] of [[event('bad-signature'), 'ab'.repeat(32)], ['{"homeId":', undefined], [JSON.stringify({ homeId: 1 }), undefined]] as const) {
      const [viaLength, viaChunks] = [await send(body, { signature }), await send(body, { signature, chunked: true })];
      expect(viaLength).toEqual(viaChunks);
      expect(viaLength.status).toBeGreaterThanOrEqual(400);
      expect(viaLength.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
    }
  });

  test('when the path is spelled otherwise or a browser sends an Origin, then Express answers it the same way', async () => {
    const body = JSON.stringify(modeEvent({ eventType: 'two-paths-spelling' }));
    expect((await send(body, { path: '/Webhooks/Mode/Events/' })).status).toBe(200);
    expect((await send(body, { path: '/webhooks/mode/events?from=mode' })).body).toMatchObject({ duplicate: true });
    expect((await send(body, { origin: 'https://app.example' })).body).toMatchObject({ duplicate: true });
    expect(await storedCount('two-paths-spelling')).toBe(1);
  });

  test('when a body is larger than JSON_BODY_LIMIT, then 413 payload_too_large and nothing is stored', async () => {
    const body = JSON.stringify(modeEvent({ eventType: 'too-large', eventData: { padding: 'x'.repeat(200_000) } }));
    const answer = await send(body);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await storedCount('too-large')).toBe(0);
  });
});
