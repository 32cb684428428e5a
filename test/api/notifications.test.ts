import { createHmac, randomUUID } from 'node:crypto';
import { bearer } from '../fixtures/accounts';
import { modeEvent, sendEvent } from '../fixtures/events';
import { homeWithPeople } from '../fixtures/homes';
import { startHttpReceiver, startSmtpServer } from '../fixtures/receivers';
import { startTestApp, type TestApp } from '../support/test-app';

const WEBHOOK_SECRET = 'notify-webhook-secret-0123456789';

let app: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let hook: Awaited<ReturnType<typeof startHttpReceiver>>;
let people: Awaited<ReturnType<typeof homeWithPeople>>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  hook = await startHttpReceiver();
  app = await startTestApp({
    env: {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Home Alerts <alerts@example.com>',
      NOTIFY_WEBHOOK_URL: hook.url,
      NOTIFY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      NOTIFY_EVENT_TYPES: 'alarm.*,door-open',
    },
  });
});
// Every test gets a home and members of its own: preferences one test sets never reach another.
beforeEach(async () => {
  people = await homeWithPeople(app);
});
afterAll(async () => {
  await app.close();
  await smtp.close();
  await hook.close();
});

const drain = () => app.services.outbox.dispatcher.drain();
const inbox = (token: string, query: Record<string, string | number> = {}) => app.http.get('/v1/notifications').query(query).set(bearer(token));
const hitsFor = (eventId: string) => hook.hits.filter((hit) => JSON.parse(hit.rawBody).notification.eventId === eventId);
const setPreferences = (token: string, preferences: object[]) => app.http.put('/v1/notifications/preferences').set(bearer(token)).send({ preferences });

test('when an event of a notifying type arrives, then every member gets an inbox notification and the webhook one signed delivery each', async () => {
  const eventId = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'alarm.smoke', eventData: { room: 'kitchen' } }));
  await drain();

  for (const person of [people.owner, people.member]) {
    const res = await inbox(person.accessToken);
    const mine = res.body.notifications.filter((n: { eventId: string }) => n.eventId === eventId);
    expect(mine).toEqual([expect.objectContaining({ kind: 'event', title: expect.stringContaining('alarm.smoke'), readAt: null })]);
    expect(mine[0].data).toMatchObject({ id: eventId, homeId: people.homeId, eventData: { room: 'kitchen' } });
  }
  expect((await inbox(people.stranger.accessToken)).body.notifications).toEqual([]);

  const hits = hitsFor(eventId);
  expect(hits.map((hit) => JSON.parse(hit.rawBody).userId).sort()).toEqual([people.owner.id, people.member.id].sort());
  for (const hit of hits) {
    const timestamp = String(hit.headers['x-bridge-timestamp']);
    const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${hit.rawBody}`).digest('hex')}`;
    expect(hit.headers['x-bridge-signature']).toBe(expected);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(300);
    expect(hit.headers['idempotency-key']).toMatch(new RegExp(`^webhook:event:${eventId}:`));
  }
  // E-mail is opt-in: nobody asked for it.
  expect(smtp.mails.filter((mail) => mail.raw.includes('alarm.smoke'))).toHaveLength(0);
});

test('when an event type is not in NOTIFY_EVENT_TYPES, then nobody is notified (it is still stored and streamed)', async () => {
  const eventId = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'temperature' }));
  await drain();
  const res = await inbox(people.owner.accessToken);
  expect(res.body.notifications.some((n: { eventId: string }) => n.eventId === eventId)).toBe(false);
  expect(hitsFor(eventId)).toHaveLength(0);
});

test('when a member opts in to e-mail, then the real SMTP server receives exactly one message for them, with the idempotency key', async () => {
  expect((await setPreferences(people.member.accessToken, [{ eventType: '*', email: true }])).status).toBe(200);
  const eventId = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'door-open', eventData: { door: 'back' } }));
  await drain();
  await drain();

  const mails = smtp.mails.filter((mail) => mail.header('idempotency-key')?.startsWith(`email:event:${eventId}:`));
  expect(mails).toHaveLength(1);
  expect(mails[0]!.to).toEqual([people.member.email]);
  expect(mails[0]!.from).toBe('alerts@example.com');
  expect(mails[0]!.header('subject')).toContain('door-open');
  expect(mails[0]!.header('message-id')).toMatch(/@mode-bridge>$/);
});

test('when a preference turns the inbox off for one type, then that type skips the inbox but still reaches the webhook', async () => {
  await setPreferences(people.owner.accessToken, [{ eventType: 'alarm.co2', inbox: false }]);
  const eventId = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'alarm.co2' }));
  await drain();

  const owner = await inbox(people.owner.accessToken);
  expect(owner.body.notifications.some((n: { eventId: string }) => n.eventId === eventId)).toBe(false);
  const ownerHit = hitsFor(eventId).find((hit) => JSON.parse(hit.rawBody).userId === people.owner.id);
  expect(JSON.parse(ownerHit!.rawBody).notification.id).toBeNull();
  const member = await inbox(people.member.accessToken);
  expect(member.body.notifications.some((n: { eventId: string }) => n.eventId === eventId)).toBe(true);
  await setPreferences(people.owner.accessToken, []);
});

test('when preferences are read, then the rows, the defaults and the configured channels come back; bad rows are 400', async () => {
  await setPreferences(people.member.accessToken, [{ eventType: 'alarm.smoke', email: true, webhook: false }, { eventType: '*', inbox: true }]);
  const res = await app.http.get('/v1/notifications/preferences').set(bearer(people.member.accessToken));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    preferences: [
      { eventType: '*', inbox: true, email: false, webhook: true },
      { eventType: 'alarm.smoke', inbox: true, email: true, webhook: false },
    ],
    defaults: { inbox: true, email: false, webhook: true },
    channels: { inbox: true, email: true, webhook: true },
  });
  const repeated = await setPreferences(people.member.accessToken, [{ eventType: 'x' }, { eventType: 'x' }]);
  expect(repeated.status).toBe(400);
  const unknownField = await setPreferences(people.member.accessToken, [{ eventType: 'x', sms: true }]);
  expect(unknownField.status).toBe(400);
  await setPreferences(people.member.accessToken, []);
});

test('when the fan-out of an event runs again (a crash after it committed), then nobody is notified twice', async () => {
  const eventId = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'alarm.flood' }));
  await drain();
  const before = hitsFor(eventId).length;
  await app.database.db.sql.query(`UPDATE outbox_messages SET status = 'pending', next_attempt_at = now() WHERE idempotency_key = $1`, [`event:${eventId}`]);
  await drain();

  expect(await app.database.db.prisma.notification.count({ where: { eventId: BigInt(eventId) } })).toBe(2);
  expect(hitsFor(eventId)).toHaveLength(before);
});

describe('fan-out in batches', () => {
  const notificationsOf = (eventIds: string[]) =>
    app.database.db.prisma.notification.findMany({ where: { eventId: { in: eventIds.map(BigInt) } }, select: { userId: true, eventId: true } });

  test('when events of several homes are claimed in one pass, then each home\'s members get exactly their own notifications', async () => {
    const other = await homeWithPeople(app);
    const eventIds = [];
    for (const [index, homeId] of [people.homeId, other.homeId, people.homeId, other.homeId, people.homeId].entries()) {
      eventIds.push(await sendEvent(app, modeEvent({ homeId, eventType: 'alarm.batch', eventData: { index } })));
    }

    expect(await app.services.outbox.dispatcher.runOnce()).toBeGreaterThanOrEqual(eventIds.length);

    const rows = await notificationsOf(eventIds);
    const expected = eventIds.flatMap((eventId, index) => {
      const home = index % 2 === 0 ? people : other;
      return [home.owner.id, home.member.id].map((userId) => ({ userId, eventId: BigInt(eventId) }));
    });
    const order = (list: { userId: string; eventId: bigint | null }[]) => [...list].sort((a, b) => `${a.eventId}:${a.userId}`.localeCompare(`${b.eventId}:${b.userId}`));
    expect(order(rows)).toEqual(order(expected));
    await drain();
  });

  test('when a member is disabled and an event is gone before its fan-out runs, then neither notifies anyone and the rest goes out', async () => {
    const eventId = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'alarm.partial' }));
    await app.database.db.sql.query(`UPDATE users SET status = 'disabled' WHERE id = $1::uuid`, [people.member.id]);
    // Removed by retention meanwhile, or an ID no event can have (past PostgreSQL's bigint).
    await app.database.db.sql.query(
      `INSERT INTO outbox_messages (idempotency_key, topic, payload) VALUES
         ('event:gone-test', 'event.fanout', '{"eventId": "999999999999"}'::jsonb),
         ('event:huge-test', 'event.fanout', '{"eventId": "99999999999999999999999"}'::jsonb)`,
    );
    try {
      await app.services.outbox.dispatcher.runOnce();

      expect(await notificationsOf([eventId])).toEqual([{ userId: people.owner.id, eventId: BigInt(eventId) }]);
      const statusOf = async (key: string) => (await app.database.db.prisma.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: key } })).status;
      expect([await statusOf(`event:${eventId}`), await statusOf('event:gone-test'), await statusOf('event:huge-test')]).toEqual(['sent', 'sent', 'sent']);
    } finally {
      await app.database.db.sql.query(`UPDATE users SET status = 'active' WHERE id = $1::uuid`, [people.member.id]);
      await app.database.db.sql.query(`DELETE FROM outbox_messages WHERE idempotency_key IN ('event:gone-test', 'event:huge-test')`);
      await drain();
    }
  });

  test('when one fan-out message of a batch is malformed, then it alone is dead-lettered and the others are delivered', async () => {
    const good = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'alarm.neighbour' }));
    await app.database.db.sql.query(
      `INSERT INTO outbox_messages (idempotency_key, topic, payload) VALUES ('event:malformed-test', 'event.fanout', '{"eventId": "not a number"}'::jsonb)`,
    );

    await app.services.outbox.dispatcher.runOnce();

    expect(await notificationsOf([good])).toHaveLength(2);
    const statusOf = async (key: string) => (await app.database.db.prisma.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: key } })).status;
    expect(await statusOf(`event:${good}`)).toBe('sent');
    expect(await statusOf('event:malformed-test')).toBe('dead');
    await app.database.db.sql.query(`DELETE FROM outbox_messages WHERE idempotency_key = 'event:malformed-test'`);
    await drain();
  });
});

describe('inbox', () => {
  test('when a user marks a notification read, then 204 and it leaves the unread list; reading again is still 204', async () => {
    const eventId = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'alarm.read-me' }));
    await drain();
    const unread = await inbox(people.member.accessToken, { unread: 'true' });
    const target = unread.body.notifications.find((n: { eventId: string }) => n.eventId === eventId);

    expect((await app.http.post(`/v1/notifications/${target.id}/read`).set(bearer(people.member.accessToken))).status).toBe(204);
    expect((await app.http.post(`/v1/notifications/${target.id}/read`).set(bearer(people.member.accessToken))).status).toBe(204);

    const after = await inbox(people.member.accessToken, { unread: 'true' });
    expect(after.body.notifications.some((n: { id: string }) => n.id === target.id)).toBe(false);
    const all = await inbox(people.member.accessToken);
    expect(all.body.notifications.find((n: { id: string }) => n.id === target.id).readAt).toEqual(expect.any(String));
  });

  test('when someone marks another user\'s notification, or one that does not exist, then 404 and nothing changes', async () => {
    const eventId = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'alarm.not-yours' }));
    await drain();
    const owners = await inbox(people.owner.accessToken, { unread: 'true' });
    const target = owners.body.notifications.find((n: { eventId: string }) => n.eventId === eventId);

    const foreign = await app.http.post(`/v1/notifications/${target.id}/read`).set(bearer(people.stranger.accessToken));
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    expect((await app.http.post(`/v1/notifications/${randomUUID()}/read`).set(bearer(people.owner.accessToken))).status).toBe(404);
    expect((await app.http.post('/v1/notifications/not-a-uuid/read').set(bearer(people.owner.accessToken))).status).toBe(404);
    const still = await inbox(people.owner.accessToken, { unread: 'true' });
    expect(still.body.notifications.some((n: { id: string }) => n.id === target.id)).toBe(true);
  });

  test('when the inbox is paged, then each notification comes once, newest first', async () => {
    for (let i = 0; i < 5; i += 1) await app.services.notifications.notifyUser({ userId: people.member.id, kind: 'page-test', title: `Note ${i}` });
    const all = (await inbox(people.member.accessToken, { limit: 200 })).body.notifications.map((n: { id: string }) => n.id);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await inbox(people.member.accessToken, { limit: 2, ...(cursor ? { cursor } : {}) });
      paged.push(...res.body.notifications.map((n: { id: string }) => n.id));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(all.length).toBeGreaterThan(3);
    expect(paged).toEqual(all);
  });

  test('when nobody is signed in, then 401', async () => {
    expect((await app.http.get('/v1/notifications')).status).toBe(401);
  });
});

describe('notifyUser (for other modules)', () => {
  test('when a module notifies a user with an e-mail, then inbox, e-mail and webhook follow, and a repeated call with the same id sends nothing twice', async () => {
    const id = randomUUID();
    const input = {
      id,
      userId: people.stranger.id,
      kind: 'invitation',
      title: 'You are invited',
      body: 'Olivia invited you to the Beach house',
      data: { homeId: people.homeId },
      email: { to: people.stranger.email, subject: 'Your invitation', text: 'Open the app to accept.' },
    };
    await app.services.notifications.notifyUser(input);
    await app.services.notifications.notifyUser(input);
    await drain();

    const res = await inbox(people.stranger.accessToken);
    expect(res.body.notifications.filter((n: { id: string }) => n.id === id)).toEqual([
      expect.objectContaining({ kind: 'invitation', title: 'You are invited', data: { homeId: people.homeId }, eventId: null }),
    ]);
    const mails = smtp.mails.filter((mail) => mail.header('idempotency-key') === `email:${id}`);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.header('subject')).toBe('Your invitation');
    expect(hook.hits.filter((hit) => hit.headers['idempotency-key'] === `webhook:${id}`)).toHaveLength(1);
  });

  test('when someone is invited to a home by e-mail, then the invitation e-mail goes out through SMTP', async () => {
    const invitee = `invitee.${Date.now()}@example.com`;
    const res = await app.http.post(`/v1/homes/${people.homeId}/members`).set(bearer(people.owner.accessToken)).send({ email: invitee });
    expect(res.status).toBe(201);
    await drain();
    const mails = smtp.mails.filter((mail) => mail.to.includes(invitee));
    expect(mails).toHaveLength(1);
  });
});
