import { registerAccount, type Account } from '../fixtures/accounts';
import { startSmtpServer } from '../fixtures/receivers';
import { startTestApp, type TestApp } from '../support/test-app';

// The e-mail channel of the outbox against a real SMTP server that refuses: a temporary
// refusal is retried until the mail goes out; one that goes on is dead-lettered; nothing is
// sent twice.

const MAX_ATTEMPTS = 3;

let app: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let user: Account;

beforeAll(async () => {
  smtp = await startSmtpServer();
  app = await startTestApp({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'alerts@example.com', OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS), OUTBOX_RETRY_BASE_MS: '1' } });
  user = await registerAccount(app.http);
});
afterAll(async () => {
  await app.close();
  await smtp.close();
});

const prisma = () => app.database.db.prisma;

/** Queues one e-mail to an address of its own, so no other mail of the app meets its refusals. */
async function queueMail(subject: string, to: string): Promise<string> {
  const { notificationId } = await app.services.notifications.notifyUser({ userId: user.id, kind: 'test', title: subject, email: { to, subject, text: 'Hello' } });
  return `email:${notificationId}`;
}

/** Runs the dispatcher until the message is no longer waiting (its retry made due each time). */
async function deliverUntilSettled(idempotencyKey: string) {
  for (let pass = 0; pass < MAX_ATTEMPTS + 2; pass += 1) {
    await prisma().outboxMessage.updateMany({ where: { idempotencyKey, status: 'pending' }, data: { nextAttemptAt: new Date(0) } });
    await app.services.outbox.dispatcher.drain();
    const row = await prisma().outboxMessage.findUniqueOrThrow({ where: { idempotencyKey } });
    if (row.status !== 'pending') return row;
  }
  return prisma().outboxMessage.findUniqueOrThrow({ where: { idempotencyKey } });
}

test('when the SMTP server refuses for a while (451), then the mail is retried and delivered exactly once', async () => {
  smtp.refuse(2, 451, 'retried@example.com');
  const key = await queueMail('Retried subject', 'retried@example.com');
  const row = await deliverUntilSettled(key);
  expect(row).toMatchObject({ status: 'sent', attempts: 3 });
  expect(smtp.refused()).toBe(2);
  expect(smtp.mails.filter((mail) => mail.header('subject') === 'Retried subject')).toHaveLength(1);
});

test('when the SMTP server keeps refusing (550), then the mail is dead-lettered after the last attempt, with the reason kept', async () => {
  smtp.refuse(MAX_ATTEMPTS, 550, 'refused@example.com');
  const key = await queueMail('Refused subject', 'refused@example.com');
  const row = await deliverUntilSettled(key);
  expect(row).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS });
  expect(row.lastError).toMatch(/550|mailbox unavailable/);
  expect(smtp.mails.filter((mail) => mail.header('subject') === 'Refused subject')).toHaveLength(0);
});

test('when the SMTP server is not there at all, then the mail waits for a retry instead of being lost', async () => {
  const down = await startTestApp({ env: { SMTP_URL: 'smtp://127.0.0.1:1', OUTBOX_MAX_ATTEMPTS: '5', OUTBOX_RETRY_BASE_MS: '60000' } });
  try {
    const someone = await registerAccount(down.http);
    const { notificationId } = await down.services.notifications.notifyUser({ userId: someone.id, kind: 'test', title: 'Later', email: { to: someone.email, subject: 'Later', text: 'Hello' } });
    await down.services.outbox.dispatcher.drain();
    const row = await down.database.db.prisma.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: `email:${notificationId}` } });
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
    expect(row.lastError).toEqual(expect.any(String));
  } finally {
    await down.close();
  }
});
