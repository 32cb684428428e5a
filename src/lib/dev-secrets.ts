import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  };
}

function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = devSecretsFile(dataDir);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  } catch {
    const secrets: DevSecrets = {
      jwtSecret: randomBytes(48).toString('base64url'),
      encryptionKey: randomBytes(32).toString('hex'),
      webhookKey: randomBytes(24).toString('base64url'),
    };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}
