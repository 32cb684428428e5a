import { createHmac } from 'node:crypto';
import { loadConfig, ConfigError } from '../../src/lib/config';
import { decodeCursor, encodeCursor } from '../../src/modules/events/cursor';
import { dedupKey } from '../../src/modules/events/events.service';
import { isValidModeSignature } from '../../src/modules/events/signature';
import { NotificationRules } from '../../src/modules/notifications/notification-rules';
import { backoffMs } from '../../src/modules/outbox/dispatcher';

const secret = { key: 'k3y', url: 'https://bridge.example.com/webhooks/mode/events' };
const sign = (key: string, url: string, body: string) => createHmac('sha256', key).update(url + body).digest('hex');

describe('MODE webhook signature', () => {
  const body = Buffer.from('{"homeId":1}');
  test('when the header is the HMAC of URL + body, then it is valid, whatever the hex case', () => {
    const signature = sign(secret.key, secret.url, body.toString());
    expect(isValidModeSignature(secret, body, signature)).toBe(true);
    expect(isValidModeSignature(secret, body, signature.toUpperCase())).toBe(true);
  });
  test('when the key, the URL or the body differ, or the header is absent, then it is not', () => {
    expect(isValidModeSignature(secret, body, sign('other', secret.url, body.toString()))).toBe(false);
    expect(isValidModeSignature(secret, body, sign(secret.key, `${secret.url}/`, body.toString()))).toBe(false);
    expect(isValidModeSignature(secret, Buffer.from('{"homeId":2}'), sign(secret.key, secret.url, body.toString()))).toBe(false);
    expect(isValidModeSignature(secret, body, undefined)).toBe(false);
  });
});

describe('dedup key', () => {
  const at = new Date('2026-01-01T00:00:00.000Z');
  test('when only key order or the timestamp notation differ, then the key is the same', () => {
    expect(dedupKey(1, 2, at, 't', { a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(dedupKey(1, 2, new Date('2026-01-01T01:00:00+01:00'), 't', { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }));
  });
  test('when the code changes, then an event still has the key stored for it before (a redelivery stays a duplicate)', () => {
    expect(dedupKey(1, 2, at, 't', { a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe('4c5d314ac3366609d87c2f1e12557cc89c19d1b9872e632702743479d6e65f0f');
    expect(dedupKey(7, 0, at, 'reading', { '10': 'x', '2': 'y', z: [{ b: null, a: true }], a: 'é' })).toBe('8ecfd6ae7acace09704a853fa0e7980eae436221526522f1cb0f78760a933bc7');
    expect(dedupKey(7, 3, at, 'x', [{ b: 1, a: 2 }, 'q'])).toBe('59ba6dfd293427757fa9c9040501b8ec73919d03f0f9fcd8330580c3eef75227');
  });
  test('when home, device, time, type or data differ, then the key differs', () => {
    const base = dedupKey(1, 2, at, 't', {});
    expect(new Set([base, dedupKey(9, 2, at, 't', {}), dedupKey(1, 9, at, 't', {}), dedupKey(1, 2, new Date(1), 't', {}), dedupKey(1, 2, at, 'u', {}), dedupKey(1, 2, at, 't', { x: 1 })]).size).toBe(6);
  });
});

describe('cursor', () => {
  test('when a position is encoded, then it decodes to the same position', () => {
    const position = { timestamp: new Date('2026-02-03T04:05:06.789Z'), id: '123' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });
  test('when the text was not made by the service, then it decodes to null', () => {
    for (const forged of ['', 'abc', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["nope","1"]').toString('base64url'), Buffer.from('["2026-01-01T00:00:00Z","1; drop"]').toString('base64url')]) {
      expect(decodeCursor(forged)).toBeNull();
    }
  });
});

describe('notification rules', () => {
  const rules = new NotificationRules(['alarm.*', 'door-open'], { inbox: true, email: true, webhook: false });
  test('when a type matches a name or a prefix pattern, then it notifies; otherwise not', () => {
    expect(rules.notifies('alarm.smoke')).toBe(true);
    expect(rules.notifies('door-open')).toBe(true);
    expect(rules.notifies('door-opened')).toBe(false);
    expect(new NotificationRules(['*'], { inbox: true, email: false, webhook: false }).notifies('anything')).toBe(true);
    expect(new NotificationRules([], { inbox: true, email: false, webhook: false }).notifies('anything')).toBe(false);
  });
  test('when choosing channels, then the exact row wins over *, * over the defaults, and unconfigured channels stay off', () => {
    const rows = [
      { eventType: '*', inbox: false, email: true, webhook: true },
      { eventType: 'alarm.smoke', inbox: true, email: false, webhook: true },
    ];
    expect(rules.channelsFor('alarm.smoke', rows)).toEqual({ inbox: true, email: false, webhook: false });
    expect(rules.channelsFor('door-open', rows)).toEqual({ inbox: false, email: true, webhook: false });
    expect(rules.channelsFor('door-open', [])).toEqual({ inbox: true, email: false, webhook: false });
  });
});

describe('retry backoff', () => {
  test('when attempts grow, then the delay doubles between half and all of its ceiling, and stops at the maximum', () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(backoffMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('configuration', () => {
  test('when the notification webhook has a URL but no secret, then the start is refused naming the variable', () => {
    expect(() => loadConfig({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/n' })).toThrow(ConfigError);
    expect(() => loadConfig({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/n' })).toThrow(/NOTIFY_WEBHOOK_SECRET/);
  });
  test('when nothing is set, then the documented defaults apply and the outbound channels are off', () => {
    const config = loadConfig({});
    expect(config.events.retentionDays).toBe(90);
    expect(config.stream).toEqual({ maxConnectionsPerUser: 5, heartbeatMs: 15_000 });
    expect(config.outbox).toEqual({ maxAttempts: 8, retryBaseMs: 5_000, leaseMs: 60_000 });
    expect(config.notifications).toEqual({ eventTypes: ['*'], email: undefined, webhook: undefined });
    expect(loadConfig({ NOTIFY_EVENT_TYPES: 'none' }).notifications.eventTypes).toEqual([]);
  });
});
