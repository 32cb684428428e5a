import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../src/app';
import { ConfigError } from '../../src/lib/config';
import { createLogger } from '../../src/lib/logger';
import { keyIdOf } from '../../src/lib/secret-box';
import { ModeClient } from '../../src/mode';
import { checkStoredKeyIds } from '../../src/modules/linking/stored-key-ids';
import { buildServices } from '../../src/services';
import { bearer, registerAccount } from '../fixtures/accounts';
import { startTestApp, testConfig, type TestApp } from '../support/test-app';

// A server started without the encryption key that sealed the stored MODE keys refuses to
// start, naming the key IDs; with ALLOW_UNKNOWN_KEY_IDS it is not ready and those users get 503.

let app: TestApp;
const otherKey = randomBytes(32).toString('hex');

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** The same database and MODE, served by a second server configured with another key. */
function restartedWith(env: Record<string, string>) {
  const config = testConfig({ MODE_API_URL: app.emulator.url, MODE_PROJECT_ID: String(app.emulator.projectId), MODE_PROJECT_KEY: app.emulator.projectKey, TOKEN_ENCRYPTION_KEY: otherKey, ...env });
  const mode = new ModeClient({ baseUrl: app.emulator.url, responseTimeoutMs: 2_000 });
  const services = buildServices({ config, logger: createLogger('silent'), db: app.database.db, mode, modeProject: { projectId: app.emulator.projectId, projectKey: app.emulator.projectKey } });
  return { config, services, mode };
}

test('when stored keys are sealed with a key that is not configured, then the start is refused naming the key ID and its link count', async () => {
  await registerAccount(app.http);
  await registerAccount(app.http);
  const sealedWith = keyIdOf(Buffer.from(app.config.encryption.key, 'hex'));
  const { services, mode } = restartedWith({});
  try {
    const start = checkStoredKeyIds({ db: app.database.db, secretBox: services.secretBox, allowUnknown: false, logger: services.logger });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(new RegExp(`key ID ${sealedWith} seals \\d+ MODE links`));
  } finally {
    await mode.close();
  }
});

test('when the old key is among the previous keys, then the start goes ahead and is ready', async () => {
  const { services, mode } = restartedWith({ TOKEN_ENCRYPTION_KEY_PREVIOUS: app.config.encryption.key });
  try {
    const check = await checkStoredKeyIds({ db: app.database.db, secretBox: services.secretBox, allowUnknown: false, logger: services.logger });
    await expect(check.check()).resolves.toBeUndefined();
  } finally {
    await mode.close();
  }
});

test('when ALLOW_UNKNOWN_KEY_IDS=true, then /readyz fails naming the key and the affected users get 503, not 500', async () => {
  const user = await registerAccount(app.http);
  const { services, mode, config } = restartedWith({ ALLOW_UNKNOWN_KEY_IDS: 'true' });
  try {
    expect(config.encryption.allowUnknownKeyIds).toBe(true);
    const check = await checkStoredKeyIds({ db: app.database.db, secretBox: services.secretBox, allowUnknown: true, logger: services.logger });
    const restarted = request(createApp({ services, readiness: [check] }));
    const ready = await restarted.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual([expect.objectContaining({ name: 'encryption-keys', ok: false, error: expect.stringContaining('MODE links') })]);
    const res = await restarted.get('/v1/homes').set(bearer(user.accessToken));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('service_unavailable');
  } finally {
    await mode.close();
  }
});
