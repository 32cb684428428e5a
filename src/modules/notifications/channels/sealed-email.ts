import type { SecretBox, SealedValue } from '../../../lib/secret-box';
import { PermanentDeliveryError } from '../../outbox/dispatcher';
import type { OutboxHandler } from '../../outbox/dispatcher';
import type { OutboxMessage } from '../../outbox/outbox.repository';

// E-mails that carry a secret (a reset or verification link, an invitation code) wait in the
// outbox with that secret sealed by the TOKEN_ENCRYPTION_KEY box and a placeholder in the text:
// a copy of the database, a backup or `npm run outbox show` holds nothing usable. The channel
// opens it at send time (sealedEmailDelivery), so every channel sees a ready e-mail.

export const SECRET_PLACEHOLDER = '{{secret}}';

export interface SealedEmail {
  to: string;
  subject: string;
  /** Contains SECRET_PLACEHOLDER where the secret goes. */
  text: string;
  sealed: SealedValue;
}

/** The payload fields of an e-mail whose `text` names the secret by SECRET_PLACEHOLDER. */
export function sealEmail(box: SecretBox, email: { to: string; subject: string; text: string; secret: string }): SealedEmail {
  if (!email.text.includes(SECRET_PLACEHOLDER)) throw new Error('A sealed e-mail needs the secret placeholder in its text');
  return { to: email.to, subject: email.subject, text: email.text, sealed: box.seal(email.secret) };
}

/** The e-mail as it is sent: the secret put back in its place, the sealed value dropped. */
export function openEmail(box: SecretBox, payload: unknown): unknown {
  if (!isSealed(payload)) return payload;
  let secret: string;
  try {
    secret = box.open(payload.sealed);
  } catch (error) {
    // A key that is no longer configured cannot come back by retrying.
    throw new PermanentDeliveryError(`the e-mail's secret cannot be opened: ${(error as Error).message}`);
  }
  const { sealed: _sealed, ...rest } = payload;
  return { ...rest, text: payload.text.split(SECRET_PLACEHOLDER).join(secret) };
}

/** Wraps a channel's delivery so that it receives opened e-mails. */
export function sealedEmailDelivery(box: SecretBox, deliver: OutboxHandler): OutboxHandler {
  return async (message: OutboxMessage) => deliver({ ...message, payload: openEmail(box, message.payload) });
}

function isSealed(payload: unknown): payload is SealedEmail {
  const value = payload as Partial<SealedEmail> | null;
  return typeof value === 'object' && value !== null && typeof value.text === 'string' && typeof value.sealed?.keyId === 'string' && typeof value.sealed?.ciphertext === 'string';
}
