import { randomBytes } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/lib/config';
import { productionEnv } from '../fixtures/production-env';

// Production refuses guessable secrets by name; TRUST_PROXY takes every form Express takes.

const production = productionEnv;

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

test('when every production secret is random, then the start is allowed', () => {
  expect(() => loadConfig(production())).not.toThrow();
  for (let i = 0; i < 200; i += 1) expect(() => loadConfig(production())).not.toThrow();
});

test.each([
  ['JWT_SECRET', 'a'.repeat(40)],
  ['JWT_SECRET', 'abcabcabcabcabcabcabcabcabcabcabcabc'],
  ['JWT_SECRET', 'test-secret-that-is-long-enough-for-hs256-0123456789'],
  ['JWT_SECRET', 'please-change-me-before-going-to-production'],
  ['TOKEN_ENCRYPTION_KEY', '0'.repeat(64)],
  ['TOKEN_ENCRYPTION_KEY', 'ab'.repeat(32)],
  ['TOKEN_ENCRYPTION_KEY', '0123456789abcdef'.repeat(4)],
  ['MODE_WEBHOOK_KEY', 'x'],
  ['MODE_WEBHOOK_KEY', 'short-key-15chr'],
  ['MODE_WEBHOOK_KEY', 'test-webhook-key'],
  ['METRICS_TOKEN', 'z'.repeat(32)],
])('when %s is %j in production, then the start is refused naming it', (name, value) => {
  expect(refusal(production({ [name]: value }))).toMatch(new RegExp(`^\\s+${name}`, 'm'));
});

test('when an older encryption key is all zeros, then it is named too', () => {
  const env = production({ TOKEN_ENCRYPTION_KEY_PREVIOUS: `${randomBytes(32).toString('hex')},${'0'.repeat(64)}` });
  expect(refusal(env)).toContain('TOKEN_ENCRYPTION_KEY_PREVIOUS (key 2)');
});

test('when the notification webhook secret is a repeated character, then it is named', () => {
  const env = production({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/in', NOTIFY_WEBHOOK_SECRET: 's'.repeat(20) });
  expect(refusal(env)).toContain('NOTIFY_WEBHOOK_SECRET');
});

test('when weak secrets are given outside production, then development still starts', () => {
  expect(() => loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'a'.repeat(40), MODE_WEBHOOK_KEY: 'x' })).not.toThrow();
});

describe('TRUST_PROXY', () => {
  test.each([
    ['true', true],
    ['false', false],
    ['TRUE', true],
    ['2', 2],
    ['loopback', 'loopback'],
    ['loopback, 10.0.0.0/8 ,fd00::/8', 'loopback,10.0.0.0/8,fd00::/8'],
    ['192.168.1.0/255.255.255.0', '192.168.1.0/255.255.255.0'],
    ['203.0.113.7', '203.0.113.7'],
  ])('when it is %j, then it is accepted as Express takes it', (value, expected) => {
    const config = loadConfig({ NODE_ENV: 'test', TRUST_PROXY: value });
    expect(config.http.trustProxy).toEqual(expected);
    expect(() => express().set('trust proxy', config.http.trustProxy)).not.toThrow();
  });

  test.each(['yes', '10.0.0.0/99', 'loopback,nonsense', '1.2.3'])('when it is %j, then the start names TRUST_PROXY', (value) => {
    expect(refusal({ NODE_ENV: 'test', TRUST_PROXY: value })).toContain('TRUST_PROXY');
  });

  test('when it is a hop count, then the client address is taken that many proxies back', async () => {
    const app = express().set('trust proxy', loadConfig({ NODE_ENV: 'test', TRUST_PROXY: '1' }).http.trustProxy);
    app.get('/ip', (req, res) => void res.json({ ip: req.ip }));
    const res = await request(app).get('/ip').set('X-Forwarded-For', '198.51.100.1, 203.0.113.9');
    expect(res.body.ip).toBe('203.0.113.9');
  });
});

describe('DATABASE_QUERY_TIMEOUT_MS', () => {
  test('when unset, then statements are bounded at 15 s; 0 turns the bound off', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).databaseQueryTimeoutMs).toBe(15_000);
    expect(loadConfig({ NODE_ENV: 'development', DATABASE_QUERY_TIMEOUT_MS: '0' }).databaseQueryTimeoutMs).toBe(0);
  });

  test.each(['-1', '1.5', 'soon', '3600001'])('when it is %j, then the start is refused naming it', (value) => {
    expect(refusal({ NODE_ENV: 'development', DATABASE_QUERY_TIMEOUT_MS: value })).toContain('DATABASE_QUERY_TIMEOUT_MS');
  });
});
