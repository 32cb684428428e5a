import { startTestApp, testConfig, type TestApp } from '../support/test-app';
import { ConfigError } from '../../src/lib/config';
import { createLogger } from '../../src/lib/logger';
import { startRuntime } from '../../src/runtime';
import { bearer } from '../fixtures/accounts';
import { createApp } from '../fixtures/oauth-apps';
import { productionEnv } from '../fixtures/production-env';
import { ADMIN_EMAIL, registerAdmin } from '../fixtures/service-clients';

// Third-party apps are given PUBLIC_URL as the issuer and the address of the authorization
// endpoints: in production it must be set before the first app exists, and stay set.

/** Production secrets, with MODE left to the test app (the emulator it started). */
function productionSecrets(): Record<string, string> {
  const { MODE_PROJECT_ID: _id, MODE_PROJECT_KEY: _key, MODE_WEBHOOK_URL: _url, ...secrets } = productionEnv();
  return secrets;
}

describe('PUBLIC_URL and OAuth apps in production', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  test('when PUBLIC_URL is not set, then adding an app is 409 and no app is stored', async () => {
    app = await startTestApp({ env: { ...productionSecrets(), ADMIN_EMAILS: ADMIN_EMAIL }, withoutPublicUrl: true });
    const admin = await registerAdmin(app);

    const res = await app.http.post('/v1/admin/oauth-apps').set(bearer(admin.accessToken)).send({ name: 'Voice Assistant', redirectUris: ['https://alexa.example.com/cb'], scopes: ['homes:read'] });

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
    expect(res.body.error.message).toContain('PUBLIC_URL');
    expect((await app.http.get('/v1/admin/oauth-apps').set(bearer(admin.accessToken))).body).toEqual([]);
  });

  test('when an app exists and a production server starts without PUBLIC_URL, then the start is refused; with it, it starts', async () => {
    app = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL } });
    const admin = await registerAdmin(app);
    await createApp(app.http, admin, { scopes: ['homes:read'] });
    const env = { ...productionSecrets(), MODE_API_URL: app.emulator.url, MODE_PROJECT_ID: String(app.emulator.projectId), MODE_PROJECT_KEY: app.emulator.projectKey, MODE_WEBHOOK_URL: 'https://bridge.example.com/webhooks/mode/events', TOKEN_ENCRYPTION_KEY: app.services.config.encryption.key as string };
    const logger = createLogger('silent');

    const refused = startRuntime({ config: testConfig(env), logger, db: app.database.db });
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(/PUBLIC_URL: required in production once an OAuth app exists.*1 app exists/);

    const runtime = await startRuntime({ config: testConfig({ ...env, PUBLIC_URL: 'https://bridge.example.com' }), logger, db: app.database.db });
    await runtime.stop();
  });
});
