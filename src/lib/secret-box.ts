import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sha256Hex } from './crypto';

// AES-256-GCM for values kept at rest (MODE user keys). Each sealed value records the ID of
// the key that sealed it, so old rows stay readable while a rotation re-seals them.

export interface SealedValue {
  keyId: string;
  ciphertext: string;
}

export function keyIdOf(key: Buffer): string {
  return sha256Hex(key).slice(0, 12);
}

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error('Encryption keys must be 32 bytes');
      this.keys.set(keyIdOf(key), key);
    }
    this.currentKeyId = keyIdOf(current);
  }

  seal(plaintext: string): SealedValue {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(this.currentKeyId), iv);
    cipher.setAAD(Buffer.from(this.currentKeyId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const ciphertext = [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
    return { keyId: this.currentKeyId, ciphertext };
  }

  open(sealed: SealedValue): string {
    const [iv, tag, body] = sealed.ciphertext.split('.').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !body) throw new Error('Malformed sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.keyFor(sealed.keyId), iv);
    decipher.setAAD(Buffer.from(sealed.keyId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }

  canOpen(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  private keyFor(keyId: string): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`No encryption key with id ${keyId} is configured`);
    return key;
  }
}

/** The box for the configured keys: TOKEN_ENCRYPTION_KEY seals, it and the previous ones open. */
export function secretBoxFor(encryption: { key: string; previousKeys: string[] }): SecretBox {
  return new SecretBox(
    Buffer.from(encryption.key, 'hex'),
    encryption.previousKeys.map((key) => Buffer.from(key, 'hex')),
  );
}
