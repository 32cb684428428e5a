import { hmacSha256Hex, safeEqual } from '../../lib/crypto';

// MODE signs each Event Webhook call with `X-Mode-Signature`: the lowercase hex HMAC-SHA256,
// keyed with the webhook key, of the configured webhook URL immediately followed by the raw body.
// The URL is the one configured in MODE, not the one this request arrived on (proxies rewrite it).

export interface WebhookSecret {
  key: string;
  url: string;
}

export function modeSignature(secret: WebhookSecret, rawBody: Buffer | string): string {
  return hmacSha256Hex(secret.key, secret.url, rawBody);
}

/** Constant-time check of the header against the signature of these exact bytes. */
export function isValidModeSignature(secret: WebhookSecret, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  return safeEqual(header.trim().toLowerCase(), modeSignature(secret, rawBody));
}
