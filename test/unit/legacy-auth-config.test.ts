import { ConfigError, loadConfig } from '../../src/lib/config';
import { productionEnv } from '../fixtures/production-env';

// LEGACY_AUTH_* are read once at start like every variable; passwords never go out in clear in production.

const production = productionEnv();

describe('LEGACY_AUTH_URL', () => {
  test('when unset, then migration at login is off', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).legacyAuth).toBeUndefined();
  });

  test('when set, then its token and timeout come with it (default 5000 ms)', () => {
    expect(loadConfig({ NODE_ENV: 'test', LEGACY_AUTH_URL: 'http://127.0.0.1:8080/check', LEGACY_AUTH_TOKEN: 'secret' }).legacyAuth).toEqual({ url: 'http://127.0.0.1:8080/check', token: 'secret', timeoutMs: 5000 });
  });

  test('when it is plain http in production, then the start is refused naming the variable', () => {
    expect(() => loadConfig({ ...production, LEGACY_AUTH_URL: 'http://old.example.com/check' })).toThrow(/LEGACY_AUTH_URL: must be an https:\/\/ URL in production/);
    expect(loadConfig({ ...production, LEGACY_AUTH_URL: 'https://old.example.com/check' }).legacyAuth?.url).toBe('https://old.example.com/check');
  });

  test('when the token comes without the URL, or the timeout is out of range, then the start is refused', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', LEGACY_AUTH_TOKEN: 'secret' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', LEGACY_AUTH_URL: 'ftp://old.example.com' })).toThrow(/LEGACY_AUTH_URL/);
    expect(() => loadConfig({ NODE_ENV: 'test', LEGACY_AUTH_URL: 'https://old.example.com', LEGACY_AUTH_TIMEOUT_MS: '10' })).toThrow(/LEGACY_AUTH_TIMEOUT_MS/);
  });
});
