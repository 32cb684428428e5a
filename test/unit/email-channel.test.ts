import { createLogger } from '../../src/lib/logger';
import { EmailChannel } from '../../src/modules/notifications/channels/email.channel';
import { startSmtpServer } from '../fixtures/receivers';

// Names stored before names were checked (imports, older versions) may still hold CR/LF: the
// e-mail channel keeps the subject one line and the text free of control characters.

test('when a subject holds CR/LF and control characters, then the mail has one subject line and no injected header', async () => {
  const smtp = await startSmtpServer();
  const channel = new EmailChannel({ kind: 'smtp', smtpUrl: smtp.url, from: 'bridge <no-reply@example.com>' }, createLogger('silent'));
  try {
    await channel.deliver({
      id: '1',
      idempotencyKey: 'mail:1',
      topic: 'notify.email',
      attempts: 1,
      payload: { to: 'ada@example.com', subject: 'Eve\r\nBcc: all@example.com\u0007 invited you', text: 'Hello\u0000 Eve\r\nline two' },
    });
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.header('subject')).toBe('Eve Bcc: all@example.com invited you');
    expect(mail.header('bcc')).toBeUndefined();
    expect(mail.raw).not.toContain('\u0000');
    expect(mail.raw).not.toContain('\u0007');
  } finally {
    channel.close();
    await smtp.close();
  }
});
