import { ConfigError, loadConfig } from '../../src/lib/config';

// LEGACY_AUTH_* are read once at start like every variable; passwords never go out in clear in production.

const production = {
  NODE_ENV: 'production',
  JWT_SECRET: 'x'.repeat(40),
  TOKEN_ENCRYPTION_KEY: 'a'.repeat(64),
  MODE_PROJECT_ID: '1',
  MODE_PROJECT_KEY: 'key',
  MODE_WEBHOOK_KEY: 'webhook-key',
  MODE_WEBHOOK_URL: 'https://bridge.example.com/webhooks/mode/events',
};

describe('LEGACY_AUTH_URL', () => {
  test('when unset, then migration at login is off', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).legacyAuth).toBeUndefined();
  });

  test('when set, then its token and timeout come with it (default 5000 ms)', () => {
    expect(loadConfig({ NODE_ENV: 'test', LEGACY_AUTH_URL: 'http://127.0.0.1:8080/check', LEGACY_AUTH_TOKEN: 'secret' }).legacyAuth).toEqual({ url: 'http://127.0.0.1:8080/check', token: 'secret', timeoutMs: 5000 });
  });

  test('when it is plain http in production, then the start is refused naming the variable', () => {
    expect(() => loadConfig({ ...production, LEGACY_AUTH_URL: 'http://old.example.com/check' })).toThrow(/LEGACY_AUTH_URL: must be an https:\/\/ URL in production/);
    // An https URL passes this check; whatever else production still asks for is its own message.
    const https = () => loadConfig({ ...production, LEGACY_AUTH_URL: 'https://old.example.com/check' });
    expect(() => https()).not.toThrow(/LEGACY_AUTH_URL/);
  });

  test('when the token comes without the URL, or the timeout is out of range, then the start is refused', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', LEGACY_AUTH_TOKEN: 'secret' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', LEGACY_AUTH_URL: 'ftp://old.example.com' })).toThrow(/LEGACY_AUTH_URL/);
    expect(() => loadConfig({ NODE_ENV: 'test', LEGACY_AUTH_URL: 'https://old.example.com', LEGACY_AUTH_TIMEOUT_MS: '10' })).toThrow(/LEGACY_AUTH_TIMEOUT_MS/);
  });
});
