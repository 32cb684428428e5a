import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app';
import { expressServer } from '../../src/http/express-server';
import { loadConfig, type ResolvedConfig } from '../../src/lib/config';
import { generateOAuthJwks } from '../../src/lib/dev-secrets';
import { createLogger, type Logger } from '../../src/lib/logger';
import { closePasswordHashing } from '../../src/modules/auth/passwords';
import { buildServices, type ServiceDeps, type Services } from '../../src/services';
import { createEmulator, type Emulator, type EmulatorModes } from '../../src/emulator';
import { createMetrics } from '../../src/http/metrics';
import { ModeClient } from '../../src/mode';
import { modeMetricsHooks } from '../../src/mode/mode-metrics';
import { createTestDatabase, type TestDatabase } from './database-template';

export interface TestApp {
  http: TestAgent;
  url: string;
  services: Services;
  config: ResolvedConfig;
  database: TestDatabase;
  emulator: Emulator;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  deps?: Partial<Omit<ServiceDeps, 'config' | 'logger' | 'db'>>;
  /** Options of the MODE client, e.g. a short breaker reset for fault tests. */
  mode?: Partial<ConstructorParameters<typeof ModeClient>[0]>;
  /** Points the emulator's Event Webhook at this app; MODE_WEBHOOK_URL becomes that real URL. */
  webhooks?: boolean;
  /** The services' logger (a test that reads the log passes its own); default: LOG_LEVEL's, silent in tests. */
  logger?: Logger;
  /** How the emulator answers (e.g. `{ pageSize: 2 }`); defaults to TEST_EMULATOR_MODES, a JSON object. */
  emulatorModes?: Partial<EmulatorModes>;
  /**
   * The database and the emulator of another test app, for a "restart": new services on the
   * same data. They stay open when this app closes; their owner closes them.
   */
  sharing?: Pick<TestApp, 'database' | 'emulator'>;
  /** A database the test prepared itself (e.g. reached through a relay); the app closes it. */
  database?: TestDatabase;
  /** Leave PUBLIC_URL unset (the app's own address is its public URL otherwise). */
  withoutPublicUrl?: boolean;
}

/** TEST_EMULATOR_MODES='{"pageSize":2}' runs any API test against a MODE that pages every list by 2. */
function emulatorModesFromEnv(): Partial<EmulatorModes> {
  const value = process.env.TEST_EMULATOR_MODES;
  if (!value) return {};
  try {
    return JSON.parse(value) as Partial<EmulatorModes>;
  } catch {
    throw new Error(`TEST_EMULATOR_MODES is not a JSON object: ${value}`);
  }
}

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** The OAuth authorization server's signing keys, one set per test process (RSA generation takes a moment). */
let testOAuthJwks: string | undefined;
const oauthJwks = () => (testOAuthJwks ??= JSON.stringify(generateOAuthJwks()));

export function testConfig(env: Record<string, string> = {}): ResolvedConfig {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    MODE_WEBHOOK_KEY: 'test-webhook-key',
    MODE_WEBHOOK_URL: 'http://127.0.0.1/webhooks/mode/events',
    AUTH_RATE_LIMIT_PER_MIN: '10000',
    LOGIN_FAILURES_PER_ACCOUNT: '10000',
    API_RATE_LIMIT_PER_MIN: '0',
    BACKGROUND_JOBS: 'false',
    OAUTH_JWKS: oauthJwks(),
    OAUTH_COOKIE_KEYS: 'test-oauth-cookie-key-that-is-long-enough-0123456789',
    ...env,
  });
  return config as ResolvedConfig;
}

/** The app on a real database, listening on a loopback port, driven through real HTTP. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.sharing?.database ?? options.database ?? (await createTestDatabase());
  const emulator = options.sharing?.emulator ?? (await createEmulator({ modes: options.emulatorModes ?? emulatorModesFromEnv() }));
  // Listening first: the webhook URL, part of MODE's signature, needs the port.
  // The server src/server.ts makes, so every API test goes through requests made as it makes them.
  const { express, server } = expressServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const webhookEnv: Record<string, string> = options.webhooks ? { MODE_WEBHOOK_URL: `${url}/webhooks/mode/events` } : {};
  // The app's own address is its public URL (the OAuth issuer, links in pages).
  const config = testConfig({ MODE_API_URL: emulator.url, MODE_PROJECT_ID: String(emulator.projectId), MODE_PROJECT_KEY: emulator.projectKey, ...(options.withoutPublicUrl ? {} : { PUBLIC_URL: url }), ...webhookEnv, ...options.env });
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const mode = new ModeClient({
    baseUrl: emulator.url,
    responseTimeoutMs: 2_000,
    retries: { baseDelayMs: 5, maxDelayMs: 20 },
    ...modeMetricsHooks(metrics.registry),
    ...options.mode,
  });
  const services = buildServices({
    config,
    logger,
    db: database.db,
    mode,
    metrics,
    modeProject: { projectId: emulator.projectId, projectKey: emulator.projectKey },
    ...options.deps,
  });
  const app = createApp({ services, readiness: [{ name: 'database', check: () => database.db.ping() }], express });
  server.on('request', app);
  if (options.webhooks) emulator.control.setWebhooks([{ url: config.webhook.url, key: config.webhook.key }]);
  return {
    http: request(url),
    url,
    services,
    config,
    database,
    emulator,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await mode.close();
      await services.legacyAuth?.close();
      if (!options.sharing) {
        await emulator.close();
        await database.close();
      }
      await closePasswordHashing();
    },
  };
}
