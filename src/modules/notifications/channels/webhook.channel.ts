import { request } from 'undici';
import { z } from 'zod';
import { hmacSha256Hex } from '../../../lib/crypto';
import { PermanentDeliveryError } from '../../outbox/dispatcher';
import type { OutboxMessage } from '../../outbox/outbox.repository';

// notify.webhook: a signed POST to the customer's own endpoint (NOTIFY_WEBHOOK_URL), which can
// then push to phones or anything else. Headers:
//   X-Bridge-Timestamp: unix seconds of this attempt
//   X-Bridge-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>", keyed with NOTIFY_WEBHOOK_SECRET>
//   Idempotency-Key:    the same on every attempt of one notification
// Any 2xx is delivered; anything else (or no answer in time) is retried by the outbox.

export const WEBHOOK_TOPIC = 'notify.webhook';

export const WebhookPayload = z.object({ body: z.record(z.string(), z.unknown()) });

export interface WebhookSettings {
  url: string;
  secret: string;
  timeoutMs: number;
}

export function bridgeSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${hmacSha256Hex(secret, `${timestamp}.${body}`)}`;
}

export class WebhookChannel {
  constructor(
    private readonly settings: WebhookSettings,
    private readonly now: () => number = Date.now,
  ) {}

  readonly deliver = async (message: OutboxMessage): Promise<void> => {
    const payload = WebhookPayload.safeParse(message.payload);
    if (!payload.success) throw new PermanentDeliveryError('malformed webhook payload');
    const body = JSON.stringify(payload.data.body);
    const timestamp = String(Math.floor(this.now() / 1000));
    const response = await request(this.settings.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'mode-bridge',
        'x-bridge-timestamp': timestamp,
        'x-bridge-signature': bridgeSignature(this.settings.secret, timestamp, body),
        'idempotency-key': message.idempotencyKey,
      },
      body,
      headersTimeout: this.settings.timeoutMs,
      bodyTimeout: this.settings.timeoutMs,
      signal: AbortSignal.timeout(this.settings.timeoutMs),
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`the notification webhook answered ${response.statusCode}`);
    }
  };
}
