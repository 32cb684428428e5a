import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { sha256Hex } from '../../../lib/crypto';
import { PermanentDeliveryError } from '../../outbox/dispatcher';
import type { OutboxMessage } from '../../outbox/outbox.repository';

// notify.email: one message over SMTP (SMTP_URL). The outbox idempotency key becomes the
// Message-ID and an Idempotency-Key header, so a repeated delivery is recognisable downstream.
// nodemailer is loaded with the first delivery, so a process without e-mail never carries it.

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

export class EmailChannel {
  private transport?: Promise<Transporter>;

  constructor(private readonly settings: EmailSettings) {}

  readonly deliver = async (message: OutboxMessage): Promise<void> => {
    const payload = EmailPayload.safeParse(message.payload);
    if (!payload.success) throw new PermanentDeliveryError(`malformed e-mail payload: ${payload.error.issues[0]?.message}`);
    const { to } = payload.data;
    const text = payload.data.text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
    // Names and event types end up in the subject: it stays one line whatever they hold.
    const subject = payload.data.subject.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').replace(/ {2,}/g, ' ').trim();
    await (await this.smtp()).sendMail({
      from: this.settings.from,
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

  private smtp(): Promise<Transporter> {
    // Query parameters of SMTP_URL (e.g. ?socketTimeout=60000) override these defaults.
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({ ...SMTP_TIMEOUTS, url: this.settings.smtpUrl }));
    return this.transport;
  }
}
