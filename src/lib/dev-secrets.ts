import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, OAuthJwks, ResolvedConfig } from './config';
import type { Logger } from './logger';

// Outside production, secrets that were not configured are generated once and kept under
// DATA_DIR so that tokens and encrypted keys survive a restart of a development server.

interface DevSecrets {
  jwtSecret: string;
  encryptionKey: string;
  webhookKey: string;
  oauthJwks: OAuthJwks;
  oauthCookieKeys: string[];
}

/** A private signing key set for the OAuth authorization server: one RSA key (RS256, what every client accepts). */
export function generateOAuthJwks(): OAuthJwks {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { keys: [{ ...jwk, kid: randomBytes(8).toString('base64url'), use: 'sig', alg: 'RS256' }] };
}

export function resolveSecrets(config: Config, logger: Logger): ResolvedConfig {
  const needed = !config.auth.jwtSecret || !config.encryption.key || !config.webhook.key || !config.oauth.jwks || config.oauth.cookieKeys.length === 0;
  const generated = needed ? loadOrCreateDevSecrets(config.dataDir) : undefined;
  const fill = <T>(value: T | undefined, name: string, fallback: () => T): T => {
    if (value !== undefined) return value;
    logger.warn({ variable: name, dataDir: config.dataDir }, 'using a generated development secret');
    return fallback();
  };
  return {
    ...config,
    auth: { ...config.auth, jwtSecret: fill(config.auth.jwtSecret, 'JWT_SECRET', () => generated!.jwtSecret) },
    encryption: {
      ...config.encryption,
      key: fill(config.encryption.key, 'TOKEN_ENCRYPTION_KEY', () => generated!.encryptionKey),
    },
    webhook: {
      key: fill(config.webhook.key, 'MODE_WEBHOOK_KEY', () => generated!.webhookKey),
      url: config.webhook.url ?? `http://127.0.0.1:${config.http.port}/webhooks/mode/events`,
    },
    oauth: {
      jwks: fill(config.oauth.jwks, 'OAUTH_JWKS', () => generated!.oauthJwks),
      cookieKeys: fill(config.oauth.cookieKeys.length > 0 ? config.oauth.cookieKeys : undefined, 'OAUTH_COOKIE_KEYS', () => generated!.oauthCookieKeys),
    },
  };
}

function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  let stored: Partial<DevSecrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
  } catch {
    // Not there yet (or unreadable): every secret is generated below.
  }
  const secrets: DevSecrets = {
    jwtSecret: stored.jwtSecret ?? randomBytes(48).toString('base64url'),
    encryptionKey: stored.encryptionKey ?? randomBytes(32).toString('hex'),
    webhookKey: stored.webhookKey ?? randomBytes(24).toString('base64url'),
    oauthJwks: stored.oauthJwks ?? generateOAuthJwks(),
    oauthCookieKeys: stored.oauthCookieKeys ?? [randomBytes(32).toString('base64url')],
  };
  // A file written before a secret existed gets the new one added; the others are kept as they were.
  if (Object.keys(secrets).some((name) => !(name in stored))) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
