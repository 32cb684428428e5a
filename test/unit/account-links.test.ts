import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/lib/config';
import { SecretBox } from '../../src/lib/secret-box';
import { PermanentDeliveryError } from '../../src/modules/outbox/dispatcher';
import { openEmail, sealEmail, SECRET_PLACEHOLDER, sealedEmailDelivery } from '../../src/modules/notifications/channels/sealed-email';

const base = { NODE_ENV: 'test', PORT: '4000' };

describe('account link configuration', () => {
  test('when nothing is set, then the links are the bridge pages under PUBLIC_URL and a reset lives 30 minutes', () => {
    expect(loadConfig(base).account).toEqual({
      passwordResetLink: 'http://localhost:4000/account/reset-password?token={token}',
      emailVerifyLink: 'http://localhost:4000/account/verify-email?token={token}',
      passwordResetTtlMinutes: 30,
      requireEmailVerification: false,
    });
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://id.example.com/' }).account.passwordResetLink).toBe('https://id.example.com/account/reset-password?token={token}');
  });

  test('when a link has no {token} or is no http(s) URL, then the start stops naming the variable', () => {
    expect(() => loadConfig({ ...base, PASSWORD_RESET_LINK: 'https://app.example.com/reset' })).toThrow(/PASSWORD_RESET_LINK: must contain \{token\}/);
    expect(() => loadConfig({ ...base, EMAIL_VERIFY_LINK: 'javascript:alert({token})' })).toThrow(/EMAIL_VERIFY_LINK: must be an http\(s\) URL/);
    expect(() => loadConfig({ ...base, PASSWORD_RESET_TTL_MINUTES: '0' })).toThrow(/PASSWORD_RESET_TTL_MINUTES/);
    expect(() => loadConfig({ ...base, REQUIRE_EMAIL_VERIFICATION: 'yes' })).toThrow(/REQUIRE_EMAIL_VERIFICATION/);
    expect(loadConfig({ ...base, PASSWORD_RESET_LINK: 'myapp://reset/{token}'.replace('myapp', 'https'), REQUIRE_EMAIL_VERIFICATION: 'true' }).account).toMatchObject({ passwordResetLink: 'https://reset/{token}', requireEmailVerification: true });
  });
});

describe('sealed e-mails', () => {
  const box = new SecretBox(randomBytes(32));
  const email = { to: 'a@example.com', subject: 'Reset', text: `Open ${SECRET_PLACEHOLDER} now`, secret: 'https://x/reset?token=s3cret' };

  test('when sealed, then the payload holds no secret; opened, the text holds it and the seal is gone', () => {
    const sealed = sealEmail(box, email);
    expect(JSON.stringify(sealed)).not.toContain('s3cret');
    expect(openEmail(box, sealed)).toEqual({ to: 'a@example.com', subject: 'Reset', text: 'Open https://x/reset?token=s3cret now' });
  });

  test('when the sealing key is no longer configured, then delivery fails permanently (retrying cannot help)', async () => {
    const sealed = sealEmail(box, email);
    const deliver = sealedEmailDelivery(new SecretBox(randomBytes(32)), async () => undefined);
    await expect(deliver({ id: '1', idempotencyKey: 'k', topic: 'email.account', payload: sealed, attempts: 1 })).rejects.toBeInstanceOf(PermanentDeliveryError);
  });

  test('when a payload is not sealed, then it passes unchanged', () => {
    const plain = { to: 'a@example.com', subject: 's', text: 't' };
    expect(openEmail(box, plain)).toBe(plain);
  });
});
