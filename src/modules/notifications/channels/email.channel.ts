import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { sha256Hex } from '../../../lib/crypto';
import type { Logger } from '../../../lib/logger';
import { PermanentDeliveryError } from '../../outbox/dispatcher';
import type { OutboxMessage } from '../../outbox/outbox.repository';

// notify.email, and every other outbox topic whose payload is a plain e-mail: one message over
// SMTP (SMTP_URL). The outbox idempotency key becomes the Message-ID and an Idempotency-Key
// header, so a repeated delivery is recognisable downstream. nodemailer is loaded with the
// first delivery, so a process without e-mail never carries it.
// Outside production without SMTP_URL the same messages are written to the log instead, links
// included, so every flow that sends an e-mail can be finished locally.

export const EMAIL_TOPIC = 'notify.email';

export const EmailPayload = z.object({
  to: z.email(),
  subject: z.string().min(1).max(500),
  text: z.string().max(100_000),
  userId: z.string().optional(),
  notificationId: z.string().optional(),
});
export type EmailPayload = z.infer<typeof EmailPayload>;

/** A slow SMTP server must not hold an outbox lease for long. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export interface EmailSettings {
  smtpUrl: string;
  from: string;
}

/** Where e-mails go: an SMTP server, or (development only) the log. */
export type EmailDelivery = ({ kind: 'smtp' } & EmailSettings) | { kind: 'log' };

/**
 * SMTP when SMTP_URL is set; outside production without it, the log; in production without it,
 * nowhere (undefined: there is no e-mail channel, and message bodies never reach the log).
 */
export function emailDeliveryFor(config: { production: boolean; notifications: { email?: EmailSettings } }): EmailDelivery | undefined {
  const smtp = config.notifications.email;
  if (smtp) return { kind: 'smtp', ...smtp };
  return config.production ? undefined : { kind: 'log' };
}

const LINK = /\bhttps?:\/\/[^\s<>"]+/g;

export class EmailChannel {
  private transport?: Promise<Transporter>;

  constructor(
    private readonly delivery: EmailDelivery,
    private readonly logger: Logger,
  ) {}

  readonly deliver = async (message: OutboxMessage): Promise<void> => {
    const payload = EmailPayload.safeParse(message.payload);
    if (!payload.success) throw new PermanentDeliveryError(`malformed e-mail payload: ${payload.error.issues[0]?.message}`);
    const { to } = payload.data;
    const text = payload.data.text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
    // Names and event types end up in the subject: it stays one line whatever they hold.
    const subject = payload.data.subject.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').replace(/ {2,}/g, ' ').trim();
    if (this.delivery.kind === 'log') {
      const links = text.match(LINK) ?? [];
      this.logger.info({ outboxId: message.id, topic: message.topic, to, subject, links, text }, 'e-mail not sent (no SMTP_URL); written to the log instead');
      return;
    }
    await (await this.smtp(this.delivery)).sendMail({
      from: this.delivery.from,
      to,
      subject,
      text,
      messageId: `<${sha256Hex(message.idempotencyKey).slice(0, 32)}@mode-bridge>`,
      headers: { 'Idempotency-Key': message.idempotencyKey },
    });
  };

  close(): void {
    void this.transport?.then((transport) => transport.close(), () => undefined);
  }

  private smtp(settings: EmailSettings): Promise<Transporter> {
    // Query parameters of SMTP_URL (e.g. ?socketTimeout=60000) override these defaults.
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({ ...SMTP_TIMEOUTS, url: settings.smtpUrl }));
    return this.transport;
  }
}
