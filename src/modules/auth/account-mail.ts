import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../../lib/secret-box';
import { sealEmail, SECRET_PLACEHOLDER } from '../notifications/channels/sealed-email';
import type { NewOutboxMessage } from '../outbox/outbox.repository';

// The e-mails of the account lifecycle, as outbox messages. Links carry their token sealed
// (see sealed-email.ts); subjects and texts are fixed, so nothing a user typed reaches a header.

export const ACCOUNT_EMAIL_TOPIC = 'email.account';

export interface AccountLinks {
  /** `{token}` is replaced by the token. */
  passwordReset: string;
  emailVerify: string;
}

export type VerificationKind = 'verify' | 'change';

export class AccountMail {
  constructor(
    private readonly box: SecretBox,
    private readonly links: AccountLinks,
  ) {}

  passwordReset(to: string, userId: string, token: string, ttlMinutes: number): NewOutboxMessage {
    return this.message('password_reset', userId, {
      to,
      subject: 'Reset your password',
      text: lines(
        'Someone asked to reset the password of your account. To choose a new password, open this link:',
        '',
        SECRET_PLACEHOLDER,
        '',
        `The link works once and expires in ${ttlMinutes} minutes.`,
        'If you did not ask for this, ignore this message: your password stays as it is.',
      ),
      secret: fill(this.links.passwordReset, token),
    });
  }

  verification(kind: VerificationKind, to: string, userId: string, token: string, ttlHours: number): NewOutboxMessage {
    const opening = {
      verify: 'Please confirm that this is your e-mail address by opening this link:',
      change: 'You asked to use this address for your account. To confirm the change, open this link:',
    }[kind];
    const subject = { verify: 'Confirm your e-mail address', change: 'Confirm your new e-mail address' }[kind];
    return this.message(`email_${kind}`, userId, {
      to,
      subject,
      text: lines(opening, '', SECRET_PLACEHOLDER, '', `The link works once and expires in ${ttlHours} hours.`, 'If you did not expect this message, ignore it.'),
      secret: fill(this.links.emailVerify, token),
    });
  }

  /** To an invited address someone registered with: its owner chooses the password on the reset page. */
  accountClaim(to: string, userId: string, token: string, ttlHours: number): NewOutboxMessage {
    return this.message('account_claim', userId, {
      to,
      subject: 'Set up your account',
      text: lines(
        'Someone signed up with this address, which had been invited to a home. To choose your password and start using your account, open this link:',
        '',
        SECRET_PLACEHOLDER,
        '',
        `The link works once and expires in ${ttlHours} hours.`,
        'If you did not sign up, ignore this message: nothing changes.',
      ),
      secret: fill(this.links.passwordReset, token),
    });
  }

  passwordChanged(to: string, userId: string, how: 'reset' | 'change'): NewOutboxMessage {
    const what = how === 'reset' ? 'was reset through a link sent to this address' : 'was changed while signed in';
    return {
      idempotencyKey: `account:password_changed:${randomUUID()}`,
      topic: ACCOUNT_EMAIL_TOPIC,
      payload: {
        to,
        subject: 'Your password was changed',
        text: lines(`The password of your account ${what}, and every session was signed out.`, '', 'If this was not you, reset your password at once and tell your administrator.'),
        userId,
        kind: 'password_changed',
      },
    };
  }

  private message(kind: string, userId: string, email: { to: string; subject: string; text: string; secret: string }): NewOutboxMessage {
    return { idempotencyKey: `account:${kind}:${randomUUID()}`, topic: ACCOUNT_EMAIL_TOPIC, payload: { ...sealEmail(this.box, email), userId, kind } };
  }
}

function fill(template: string, token: string): string {
  return template.split('{token}').join(encodeURIComponent(token));
}

function lines(...text: string[]): string {
  return text.join('\n');
}
