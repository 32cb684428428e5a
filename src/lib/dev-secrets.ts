import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../db/private-files';
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

/** Where the development secrets of a data directory are kept. */
export function devSecretsFile(dataDir: string): string {
  return join(dataDir, 'dev-secrets.json');
}

/** The secret variables that are not configured, so development values stand in for them. */
export function unsetSecrets(config: Config): string[] {
  return [
    !config.auth.jwtSecret && 'JWT_SECRET',
    !config.encryption.key && 'TOKEN_ENCRYPTION_KEY',
    !config.webhook.key && 'MODE_WEBHOOK_KEY',
    !config.oauth.jwks && 'OAUTH_JWKS',
    config.oauth.cookieKeys.length === 0 && 'OAUTH_COOKIE_KEYS',
  ].filter((name): name is string => Boolean(name));
}

export function resolveSecrets(config: Config, logger: Logger): ResolvedConfig {
  const missing = unsetSecrets(config);
  const generated = missing.length > 0 ? loadOrCreateDevSecrets(config.dataDir) : undefined;
  // One line for all of them: a start or a script run should warn once, not once per variable.
  if (missing.length > 0) {
    logger.warn({ variables: missing, file: devSecretsFile(config.dataDir) }, `using a generated development secret for ${missing.join(', ')}`);
  }
  return {
    ...config,
    auth: { ...config.auth, jwtSecret: config.auth.jwtSecret ?? generated!.jwtSecret },
    encryption: { ...config.encryption, key: config.encryption.key ?? generated!.encryptionKey },
    webhook: {
      key: config.webhook.key ?? generated!.webhookKey,
      url: config.webhook.url ?? `http://127.0.0.1:${config.http.port}/webhooks/mode/events`,
    },
    oauth: {
      jwks: config.oauth.jwks ?? generated!.oauthJwks,
      cookieKeys: config.oauth.cookieKeys.length > 0 ? config.oauth.cookieKeys : generated!.oauthCookieKeys,
    },
  };
}

function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = devSecretsFile(dataDir);
  let stored: Partial<DevSecrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
    chmodSync(file, PRIVATE_FILE_MODE); // written by an older version, or copied with other modes
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
    ensurePrivateDir(dataDir);
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: PRIVATE_FILE_MODE });
  }
  return secrets;
}
