import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { registerAccount, type Account } from '../fixtures/accounts';
import { eventually } from '../fixtures/events';
import { startHttpReceiver } from '../fixtures/receivers';
import { OutboxRepository } from '../../src/modules/outbox/outbox.repository';
import { startTestApp, type TestApp } from '../support/test-app';

// The outbox through the notification webhook channel: retries with backoff, dead letters,
// a dispatcher that dies mid-delivery, and several dispatchers at once.

const SECRET = 'outbox-test-webhook-secret-0123';
const MAX_ATTEMPTS = 4;

let app: TestApp;
let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
let user: Account;

beforeAll(async () => {
  receiver = await startHttpReceiver();
  app = await startTestApp({
    env: {
      NOTIFY_WEBHOOK_URL: receiver.url,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      OUTBOX_RETRY_BASE_MS: '10',
    },
  });
  user = await registerAccount(app.http);
});
afterEach(() => receiver.setBehaviour(undefined));
afterAll(async () => {
  await app.close();
  await receiver.close();
});

/** One notification whose webhook delivery is queued; returns the delivery's idempotency key. */
async function queueWebhook(title = 'Hello'): Promise<string> {
  const { notificationId } = await app.services.notifications.notifyUser({ userId: user.id, kind: 'test', title });
  return `webhook:${notificationId}`;
}

const row = (key: string) => app.database.db.prisma.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: key } });
const hitsOf = (key: string) => receiver.hits.filter((hit) => hit.headers['idempotency-key'] === key);
const failWith = (status: number) => (_hit: unknown, _attempt: number, res: ServerResponse) => void res.writeHead(status).end();

/** Runs the dispatcher until the message leaves `pending` (retries wait for their backoff). */
async function dispatchUntilSettled(key: string) {
  return eventually(async () => {
    await app.services.outbox.dispatcher.runOnce();
    const current = await row(key);
    return current.status === 'pending' ? undefined : current;
  });
}

test('when the receiver fails twice and then recovers, then it is delivered on the third attempt, signed, with the same idempotency key each time', async () => {
  let failures = 2;
  receiver.setBehaviour((_hit, _attempt, res) => void res.writeHead(failures-- > 0 ? 500 : 204).end());
  const key = await queueWebhook('Retry me');

  const settled = await dispatchUntilSettled(key);

  expect(settled.status).toBe('sent');
  expect(settled.attempts).toBe(3);
  const hits = hitsOf(key);
  expect(hits).toHaveLength(3);
  const delivered = hits[2]!;
  const timestamp = String(delivered.headers['x-bridge-timestamp']);
  expect(delivered.headers['x-bridge-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${delivered.rawBody}`).digest('hex')}`);
  expect(JSON.parse(delivered.rawBody)).toMatchObject({ type: 'notification', userId: user.id, notification: { kind: 'test', title: 'Retry me' } });
});

test('when a retry is due later, then a dispatcher pass before then leaves it alone (backoff)', async () => {
  receiver.setBehaviour(failWith(503));
  const key = await queueWebhook();
  await app.services.outbox.dispatcher.runOnce();
  await app.database.db.sql.query(`UPDATE outbox_messages SET next_attempt_at = now() + interval '1 hour' WHERE idempotency_key = $1`, [key]);

  await app.services.outbox.dispatcher.runOnce();

  expect(hitsOf(key)).toHaveLength(1);
  const current = await row(key);
  expect(current).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('503') });
  await app.database.db.sql.query(`DELETE FROM outbox_messages WHERE idempotency_key = $1`, [key]);
});

test('when the receiver always fails, then the message is dead-lettered after the last allowed attempt and counted', async () => {
  receiver.setBehaviour(failWith(500));
  const key = await queueWebhook('Doomed');

  const settled = await dispatchUntilSettled(key);

  expect(settled.status).toBe('dead');
  expect(settled.attempts).toBe(MAX_ATTEMPTS);
  expect(settled.lastError).toContain('500');
  expect(hitsOf(key)).toHaveLength(MAX_ATTEMPTS);
  await app.services.outbox.dispatcher.drain();
  expect(hitsOf(key)).toHaveLength(MAX_ATTEMPTS);
  const metrics = (await app.http.get('/metrics')).text;
  expect(metrics).toMatch(/outbox_messages\{status="dead"\} [1-9]/);
  expect(metrics).toMatch(/outbox_deliveries_total\{topic="notify.webhook",outcome="dead"\} [1-9]/);
});

test('when a dispatcher dies mid-delivery, then after its lease expires another dispatcher delivers the message', async () => {
  // The first request is never answered: that dispatcher is stuck as if its process had died.
  let stuck: ServerResponse | undefined;
  receiver.setBehaviour((_hit, _attempt, res) => {
    if (!stuck) stuck = res;
    else res.writeHead(200).end();
  });
  const key = await queueWebhook('Survive a crash');
  const dying = app.services.outbox.createDispatcher({ leaseMs: 300 });
  const dyingRun = dying.runOnce();
  await eventually(() => stuck);
  expect((await row(key)).leaseUntil).not.toBeNull();

  const rescuer = app.services.outbox.createDispatcher({ leaseMs: 300 });
  expect(await rescuer.runOnce()).toBe(0); // still leased
  await eventually(async () => ((await rescuer.runOnce()) > 0 ? true : undefined));

  const settled = await row(key);
  expect(settled.status).toBe('sent');
  expect(settled.attempts).toBe(2);
  // At-least-once: the receiver saw the key twice and can drop the repeat.
  expect(hitsOf(key)).toHaveLength(2);
  stuck!.writeHead(200).end();
  await dyingRun;
  expect((await row(key)).status).toBe('sent');
});

test('when a claim is never completed (crash right after claiming), then the message is delivered once its lease has expired', async () => {
  const key = await queueWebhook('Claimed then lost');
  const claimed = await new OutboxRepository(app.database.db.sql).claim([{ topics: ['notify.webhook'], limit: 50 }], 200);
  expect(claimed.map((message) => message.idempotencyKey)).toContain(key);
  expect(await app.services.outbox.dispatcher.runOnce()).toBe(0);

  await eventually(async () => ((await app.services.outbox.dispatcher.runOnce()) > 0 ? true : undefined));

  expect(await row(key)).toMatchObject({ status: 'sent', attempts: 2 });
  expect(hitsOf(key)).toHaveLength(1);
});

test('when several dispatchers run at once, then each message is delivered exactly once', async () => {
  const keys: string[] = [];
  for (let i = 0; i < 30; i += 1) keys.push(await queueWebhook(`Concurrent ${i}`));
  const dispatchers = [1, 2, 3].map(() => app.services.outbox.createDispatcher({ batchSize: 4 }));

  await Promise.all(dispatchers.map((dispatcher) => dispatcher.drain()));

  const counts = receiver.countByKey();
  expect(keys.map((key) => counts.get(key))).toEqual(keys.map(() => 1));
  const rows = await app.database.db.prisma.outboxMessage.findMany({ where: { idempotencyKey: { in: keys } } });
  expect(rows.every((message) => message.status === 'sent' && message.attempts === 1)).toBe(true);
});

test('when a message is claimed the moment its statement has committed, then it is already due', async () => {
  // next_attempt_at keeps milliseconds and PostgreSQL rounds the insert's clock to them, so a
  // message could be stored up to half a millisecond "in the future" and missed by a claim made
  // right after the wake-up, then wait for the next poll.
  const repository = new OutboxRepository(app.database.db.sql);
  const missed: number[] = [];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    // One statement that commits by itself, as the webhook's insert of an event and its fan-out is.
    await repository.insert(app.database.db.sql, [{ idempotencyKey: `instant:${attempt}`, topic: 'test.instant', payload: {} }]);
    if ((await repository.claim([{ topics: ['test.instant'], limit: 10 }], 60_000)).length !== 1) missed.push(attempt);
    await app.database.db.sql.query(`DELETE FROM outbox_messages WHERE topic = 'test.instant'`);
  }
  expect(missed).toEqual([]);
});

test('when a message has a topic no handler here knows, then the dispatcher leaves it untouched for its owner', async () => {
  const repository = new OutboxRepository(app.database.db.sql);
  await repository.insert(app.database.db.sql, [{ idempotencyKey: 'foreign:1', topic: 'someone.else', payload: {} }]);
  await app.services.outbox.dispatcher.drain();
  expect(await row('foreign:1')).toMatchObject({ status: 'pending', attempts: 0 });
});

test('when one claim takes shares of several topics, then each share gets at most its own limit, oldest first, each message once', async () => {
  const repository = new OutboxRepository(app.database.db.sql);
  const messages = ['a', 'b'].flatMap((topic) => [1, 2, 3].map((n) => ({ idempotencyKey: `share:${topic}:${n}`, topic: `test.share-${topic}`, payload: {} })));
  await repository.insert(app.database.db.sql, messages);

  const first = await repository.claim([{ topics: ['test.share-a'], limit: 2 }, { topics: ['test.share-b'], limit: 1 }], 60_000);
  const second = await repository.claim([{ topics: ['test.share-a'], limit: 5 }, { topics: [], limit: 5 }, { topics: ['test.share-b'], limit: 5 }], 60_000);

  expect(first.map((message) => message.idempotencyKey)).toEqual(['share:a:1', 'share:a:2', 'share:b:1']);
  expect(second.map((message) => message.idempotencyKey)).toEqual(['share:a:3', 'share:b:2', 'share:b:3']);
  expect([...first, ...second].every((message) => message.attempts === 1)).toBe(true);
  await app.database.db.sql.query(`DELETE FROM outbox_messages WHERE topic LIKE 'test.share-%'`);
});
