import { startTestApp, type TestApp } from '../support/test-app';
import { bearer, registerAccount, uniqueEmail, type Account } from '../fixtures/accounts';
import { createHome } from '../fixtures/homes';
import { startSmtpServer } from '../fixtures/receivers';
import { createLogger } from '../../src/lib/logger';
import { EMAIL_TOPIC, emailDeliveryFor } from '../../src/modules/notifications/channels/email.channel';
import { buildServices } from '../../src/services';

// Development without SMTP: every e-mail the bridge sends through the outbox (invitations,
// notifications, and any other kind with an e-mail payload) is written to the log at info, with
// its links, so a flow can be finished locally. With SMTP, or in production, bodies never reach
// the log.

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function capturedLog() {
  const lines: LogLine[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines, mails: () => lines.filter((line) => line.msg.startsWith('e-mail not sent')) };
}

const INFO = 30;

describe('outside production without SMTP_URL', () => {
  const log = capturedLog();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ logger: log.logger });
  });
  afterAll(() => app.close());

  test('when an invitation e-mail is due, then it is written to the log at info, to the invitee, with its whole text, and counts as sent', async () => {
    const owner = await registerAccount(app.http);
    const homeId = await createHome(app, owner);
    const email = uniqueEmail('invitee');
    await app.http.post(`/v1/homes/${homeId}/members`).set(bearer(owner.accessToken)).send({ email }).expect(201);
    const message = await app.database.db.prisma.outboxMessage.findFirstOrThrow({ where: { payload: { path: ['to'], equals: email } } });

    await app.services.outbox.dispatcher.drain();

    const payload = message.payload as { subject: string; text: string };
    const logged = log.mails().filter((line) => line.to === email && line.topic === message.topic);
    // The channel opens the sealed invitation code: the log shows the text as the invitee reads it.
    const escaped = payload.text.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
    const readable = new RegExp('^' + escaped.replace('\\{\\{secret\\}\\}', '[A-Za-z0-9_-]{43}') + '$');
    expect(logged).toEqual([expect.objectContaining({ level: INFO, topic: message.topic, subject: payload.subject, text: expect.stringMatching(readable) })]);
    expect((await app.database.db.prisma.outboxMessage.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('sent');
  }, 60_000); // two sign-ups' password hashing and a home in MODE: slow on a busy machine

  test('when a notification carries an e-mail, then the e-mail channel is on and the mail is written to the log', async () => {
    const user: Account = await registerAccount(app.http);
    const preferences = await app.http.put('/v1/notifications/preferences').set(bearer(user.accessToken)).send({ preferences: [{ eventType: '*', email: true }] });
    expect(preferences.body.channels.email).toBe(true);

    await app.services.notifications.notifyUser({ userId: user.id, kind: 'door.open', title: 'The door opened', email: { to: user.email, subject: 'The door opened', text: 'Front door, 07:12' } });
    await app.services.outbox.dispatcher.drain();

    expect(log.mails().filter((line) => line.to === user.email && line.subject === 'The door opened')).toEqual([expect.objectContaining({ level: INFO, subject: 'The door opened', text: expect.stringContaining('Front door, 07:12') })]);
  });

  test('when a mail carries a link (a password reset), then the link is logged as it is, secrets in it included', async () => {
    const to = uniqueEmail('reset');
    const link = 'http://localhost:3000/account/reset-password?token=9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    await app.database.db.sql.transaction((tx) =>
      app.services.outbox.enqueue(tx, [{ idempotencyKey: `email:test-reset:${to}`, topic: EMAIL_TOPIC, payload: { to, subject: 'Reset your password', text: `Open ${link} to choose a new password.` } }]),
    );

    await app.services.outbox.dispatcher.drain();

    expect(log.mails().find((line) => line.to === to)).toMatchObject({ level: INFO, links: [link], text: expect.stringContaining(link) });
  });
});

describe('with SMTP_URL', () => {
  const log = capturedLog();
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let app: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startTestApp({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'bridge@example.com' }, logger: log.logger });
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  test('when a mail is due, then it goes to the SMTP server and its body is not logged', async () => {
    const to = uniqueEmail('smtp');
    const secretText = 'Body that must stay out of the log 4f1c2a';
    await app.database.db.sql.transaction((tx) => app.services.outbox.enqueue(tx, [{ idempotencyKey: `email:test-smtp:${to}`, topic: EMAIL_TOPIC, payload: { to, subject: 'Hello', text: secretText } }]));

    await app.services.outbox.dispatcher.drain();

    expect(smtp.mails.map((mail) => mail.to)).toContainEqual([to]);
    expect(log.mails()).toEqual([]);
    expect(JSON.stringify(log.lines)).not.toContain(secretText);
  });
});

describe('in production without SMTP_URL', () => {
  const log = capturedLog();
  let app: TestApp;
  let production: ReturnType<typeof buildServices>;
  beforeAll(async () => {
    app = await startTestApp();
    production = buildServices({
      config: { ...app.config, production: true },
      logger: log.logger,
      db: app.database.db,
      mode: app.services.mode,
      modeProject: app.services.modeProject,
    });
  });
  afterAll(() => app.close());

  test('when deciding where e-mails go, then SMTP when set, else the log outside production and nowhere in production', () => {
    expect(emailDeliveryFor({ production: true, notifications: {} })).toBeUndefined();
    expect(emailDeliveryFor({ production: false, notifications: {} })).toEqual({ kind: 'log' });
    expect(emailDeliveryFor({ production: true, notifications: { email: { smtpUrl: 'smtp://mail.example.com', from: 'a@example.com' } } })).toEqual({ kind: 'smtp', smtpUrl: 'smtp://mail.example.com', from: 'a@example.com' });
  });

  test('when a mail is due, then there is no e-mail channel: it waits in the outbox and nothing of it is logged', async () => {
    const to = uniqueEmail('production');
    const secretText = 'Production body 77aa';
    await app.database.db.sql.transaction((tx) => production.outbox.enqueue(tx, [{ idempotencyKey: `email:test-production:${to}`, topic: EMAIL_TOPIC, payload: { to, subject: 'Hello', text: secretText } }]));

    await production.outbox.dispatcher.drain();

    const row = await app.database.db.prisma.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: `email:test-production:${to}` } });
    expect(row.status).toBe('pending');
    expect(JSON.stringify(log.lines)).not.toContain(secretText);
  });
});
