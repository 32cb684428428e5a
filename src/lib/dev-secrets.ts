import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../db/private-files';
import { join } from 'node:path';
import type { Config, ResolvedConfig } from './config';
import type { Logger } from './logger';

// Outside production, secrets that were not configured are generated once and kept under
// DATA_DIR so that tokens and encrypted keys survive a restart of a development server.

interface DevSecrets {
  jwtSecret: string;
  encryptionKey: string;
  webhookKey: string;
}

export function resolveSecrets(config: Config, logger: Logger): ResolvedConfig {
  const needed = !config.auth.jwtSecret || !config.encryption.key || !config.webhook.key;
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
  };
}

function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  try {
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
    chmodSync(file, PRIVATE_FILE_MODE); // written by an older version, or copied with other modes
    return secrets;
  } catch {
    const secrets: DevSecrets = {
      jwtSecret: randomBytes(48).toString('base64url'),
      encryptionKey: randomBytes(32).toString('hex'),
      webhookKey: randomBytes(24).toString('base64url'),
    };
    ensurePrivateDir(dataDir);
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: PRIVATE_FILE_MODE });
    return secrets;
  }
}
