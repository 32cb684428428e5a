import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/lib/config';
import { generateOAuthJwks, resolveSecrets } from '../../src/lib/dev-secrets';
import { createLogger } from '../../src/lib/logger';

// The authorization server's keys come from configuration: required in production, generated
// (and kept) in development.

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-that-is-long-enough-0123456789',
  TOKEN_ENCRYPTION_KEY: 'a'.repeat(64),
  MODE_PROJECT_KEY: 'key',
  MODE_PROJECT_ID: '1',
  MODE_WEBHOOK_KEY: 'webhook-key',
  MODE_WEBHOOK_URL: 'https://bridge.example.com/webhooks/mode/events',
};

describe('OAuth configuration', () => {
  test('when production starts without OAuth keys, then it is refused naming both variables', () => {
    expect(() => loadConfig(PRODUCTION)).toThrow(ConfigError);
    expect(() => loadConfig(PRODUCTION)).toThrow(/OAUTH_JWKS[\s\S]*OAUTH_COOKIE_KEYS/);
  });

  test('when production has them, then it starts with them', () => {
    const jwks = generateOAuthJwks();
    const config = loadConfig({ ...PRODUCTION, OAUTH_JWKS: JSON.stringify(jwks), OAUTH_COOKIE_KEYS: `${'k'.repeat(32)},${'o'.repeat(40)}` });
    expect(config.oauth.jwks).toEqual(jwks);
    expect(config.oauth.cookieKeys).toEqual(['k'.repeat(32), 'o'.repeat(40)]);
  });

  test.each([
    ['not JSON', 'nope', /OAUTH_JWKS: must be JSON/],
    ['a public key only', JSON.stringify({ keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] }), /OAUTH_JWKS\.keys\.0\.d/],
    ['an empty set', JSON.stringify({ keys: [] }), /OAUTH_JWKS\.keys/],
  ])('when OAUTH_JWKS is %s, then the configuration is refused', (_name, value, message) => {
    expect(() => loadConfig({ OAUTH_JWKS: value })).toThrow(message);
  });

  test('when a cookie key is short, then the configuration is refused', () => {
    expect(() => loadConfig({ OAUTH_COOKIE_KEYS: 'short' })).toThrow(/OAUTH_COOKIE_KEYS/);
  });

  test('when development secrets were written before OAuth existed, then the OAuth keys are added and the others kept', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mode-bridge-oauth-'));
    const earlier = { jwtSecret: 'j'.repeat(48), encryptionKey: 'e'.repeat(64), webhookKey: 'w'.repeat(24) };
    writeFileSync(join(dataDir, 'dev-secrets.json'), JSON.stringify(earlier));
    const logger = createLogger('silent');
    const first = resolveSecrets(loadConfig({ DATA_DIR: dataDir }), logger);
    expect(first.auth.jwtSecret).toBe(earlier.jwtSecret);
    expect(first.oauth.jwks.keys[0]).toMatchObject({ kty: 'RSA', d: expect.any(String), alg: 'RS256' });
    expect(first.oauth.cookieKeys).toHaveLength(1);
    const stored = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8'));
    expect(stored).toMatchObject({ ...earlier, oauthJwks: first.oauth.jwks, oauthCookieKeys: first.oauth.cookieKeys });
    const again = resolveSecrets(loadConfig({ DATA_DIR: dataDir }), logger);
    expect(again.oauth).toEqual(first.oauth);
  });
});
