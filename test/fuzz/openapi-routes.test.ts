import { request as httpRequest } from 'node:http';
import { createHmac } from 'node:crypto';
import { bearer, registerAccount, type Account } from '../fixtures/accounts';
import { claimDevice, createHome } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

// Every route of the OpenAPI document gets hostile input (NUL and other characters PostgreSQL
// refuses, random Unicode, deep nesting, huge numbers, extreme dates, repeated parameters, bad
// percent-encoding and a false Content-Encoding) and must never answer 5xx. The generator is
// seeded, so a failure is reproduced by running the file again; the count per route is bounded.

const SEED = 0x5eed_2026;
const CASES_PER_ROUTE = 14;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}
type Rng = ReturnType<typeof prng>;

function randomUnicode(rng: Rng): string {
  let text = '';
  const length = 1 + rng.int(12);
  for (let i = 0; i < length; i += 1) {
    const kind = rng.int(6);
    if (kind === 0) text += String.fromCharCode(rng.int(0x20)); // control characters, NUL among them
    else if (kind === 1) text += String.fromCharCode(0xd800 + rng.int(0x800)); // lone surrogates
    else if (kind === 2) text += String.fromCodePoint(0x10000 + rng.int(0xfffff)); // astral planes
    else if (kind === 3) text += rng.pick(['\u202e', '\ufeff', '\u2028', '\uffff', '\u0085']);
    else text += String.fromCharCode(0x20 + rng.int(0x2000));
  }
  return text;
}

/** JSON text nested `depth` levels (built as text: JSON.stringify itself overflows the stack). */
function deepJson(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i += 1) {
    open += i % 2 ? '[' : '{"a":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}1${close}`;
}
const DEEP = (depth: number) => `__deep_${depth}__`;
/** JSON text of a value whose DEEP(n) markers become nested JSON. */
function toJson(value: unknown): string {
  return JSON.stringify(value).replace(/"__deep_(\d+)__"/g, (_, depth: string) => deepJson(Number(depth)));
}

const HOSTILE_STRINGS = ['a\u0000b', '\u0000', 'x\ud800y', '\udfff', '\r\nX-Injected: 1', '<script>alert(1)</script>', '..', '.', ' ', ''];
const HOSTILE_NUMBERS = [1e308, -1e308, 2 ** 63, 2 ** 64 + 1, -(2 ** 63) - 1, 0.5, -1, Number.MAX_SAFE_INTEGER + 2];
const HOSTILE_DATES = ['0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-02-30T00:00:00Z'];
const HOSTILE_PATH_SEGMENTS = ['%ff', '%00', '%c0%af', '9'.repeat(30), '9223372036854775808', '-1', '0', '%2e%2e', '.', 'a%00b', '%e2%80%ae'];
const HOSTILE_QUERY_VALUES = ['%ff', '%00', '9'.repeat(40), '18446744073709551617', '-1', ...HOSTILE_DATES.map(encodeURIComponent), encodeURIComponent('a\u0000b')];

function hostileValue(rng: Rng): unknown {
  switch (rng.int(8)) {
    case 0:
      return rng.pick(HOSTILE_STRINGS);
    case 1:
      return randomUnicode(rng);
    case 2:
      return rng.pick(HOSTILE_NUMBERS);
    case 3:
      return DEEP(rng.pick([50, 500, 5_000]));
    case 4:
      return rng.pick(HOSTILE_DATES);
    case 5:
      return rng.pick([null, true, [], {}, [randomUnicode(rng)], { '\u0000': 1 }]);
    case 6:
      return 'x'.repeat(rng.pick([201, 5_000, 60_000]));
    default:
      return { ['k' + randomUnicode(rng)]: randomUnicode(rng) };
  }
}

interface Operation {
  method: string;
  path: string;
  params: string[];
  query: string[];
  bodyProperties: string[];
}

function operationsOf(document: { paths: Record<string, Record<string, any>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const parameters: { in: string; name: string }[] = operation.parameters ?? [];
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        bodyProperties: Object.keys(resolve(document, schema)?.properties ?? {}),
      });
    }
  }
  return operations;
}

function resolve(document: any, schema: any): any {
  if (schema?.$ref) return document.components.schemas[schema.$ref.split('/').at(-1)];
  return schema;
}

interface Attempt {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Sent with node:http so that malformed paths and headers reach the server exactly as written. */
function send(baseUrl: string, attempt: Attempt): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: attempt.method, path: attempt.path, headers: attempt.headers }, (res) => {
      // A stream that opened answered; its status is all that counts.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.destroy();
        return resolvePromise(res.statusCode ?? 0);
      }
      res.resume();
      res.on('end', () => resolvePromise(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`timed out: ${attempt.method} ${attempt.path}`)));
    if (attempt.body !== undefined) req.write(attempt.body);
    req.end();
  });
}

let app: TestApp;
let owner: Account;
let homeId: number;
let deviceId: number;
let document: { paths: Record<string, Record<string, any>> };

beforeAll(async () => {
  app = await startTestApp({ webhooks: true });
  owner = await registerAccount(app.http);
  homeId = await createHome(app, owner);
  deviceId = (await claimDevice(app, owner, homeId)).id;
  document = (await app.http.get('/openapi.json')).body;
});
afterAll(() => app.close());

function validParam(name: string): string {
  if (name === 'homeId') return String(homeId);
  if (name === 'deviceId') return String(deviceId);
  if (name === 'key') return 'settings';
  return 'x';
}

function attemptFor(operation: Operation, rng: Rng, caseNumber: number): Attempt {
  const params = Object.fromEntries(operation.params.map((name) => [name, validParam(name)]));
  const hostilePath = operation.params.length > 0 && caseNumber % 3 === 0;
  if (hostilePath) params[rng.pick(operation.params)] = rng.pick(HOSTILE_PATH_SEGMENTS);
  let path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? 'x');

  const query: string[] = [];
  for (const name of operation.query) {
    if (rng.next() < 0.6) query.push(`${name}=${rng.pick(HOSTILE_QUERY_VALUES)}`);
    if (rng.next() < 0.3) query.push(`${name}=1`, `${name}=2`); // repeated parameters
  }
  if (caseNumber % 5 === 1) query.push('%ff=1', 'a[b][c]=1');
  if (query.length > 0) path += `?${query.join('&')}`;

  const headers: Record<string, string> = { ...bearer(owner.accessToken), 'X-Request-Id': `fuzz-${caseNumber}` };
  if (caseNumber % 7 === 3) headers['Last-Event-ID'] = rng.pick(['9'.repeat(40), '-1', 'abc']);
  let body: string | undefined;
  if (!['GET', 'DELETE'].includes(operation.method) || caseNumber % 4 === 2) {
    const object: Record<string, unknown> = {};
    for (const name of operation.bodyProperties) object[name] = hostileValue(rng);
    if (operation.bodyProperties.length === 0 || rng.next() < 0.3) object[rng.pick(['value', 'name', 'x'])] = hostileValue(rng);
    body = caseNumber % 6 === 5 ? deepJson(5_000) : toJson(object);
    headers['Content-Type'] = caseNumber % 9 === 4 ? 'application/json; charset=utf-16' : 'application/json';
    if (caseNumber % 8 === 6) headers['Content-Encoding'] = rng.pick(['gzip', 'deflate', 'br']);
    if (caseNumber % 10 === 7) body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  return { method: operation.method, path, headers, body };
}

test('when every documented route gets hostile input, then none answers 5xx', async () => {
  const rng = prng(SEED);
  const operations = operationsOf(document).filter((operation) => operation.path !== '/docs');
  expect(operations.length).toBeGreaterThan(30);
  const failures: string[] = [];
  let sent = 0;
  for (const operation of operations) {
    for (let caseNumber = 0; caseNumber < CASES_PER_ROUTE; caseNumber += 1) {
      const attempt = attemptFor(operation, rng, caseNumber);
      const status = await send(app.url, attempt);
      sent += 1;
      if (status >= 500) failures.push(`${status} ${attempt.method} ${attempt.path.slice(0, 200)} ${JSON.stringify(attempt.headers['Content-Encoding'] ?? '')} ${(attempt.body ?? '').slice(0, 200)}`);
    }
  }
  expect(sent).toBe(operations.length * CASES_PER_ROUTE);
  expect(failures).toEqual([]);
}, 60_000);

test('when MODE delivers events whose device content is hostile, then every delivery is stored (200), none refused or failed', async () => {
  const rng = prng(SEED + 1);
  const failures: string[] = [];
  for (let i = 0; i < 60; i += 1) {
    const data: Record<string, unknown> = {};
    for (let field = 0; field < 1 + rng.int(4); field += 1) data[randomUnicode(rng)] = hostileValue(rng);
    const event = {
      homeId,
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1_000).toISOString(),
      eventType: rng.next() < 0.3 ? randomUnicode(rng) : 'reading',
      eventData: rng.next() < 0.2 ? DEEP(rng.pick([100, 4_000])) : data,
      originDeviceId: deviceId,
      originDeviceClass: rng.next() < 0.2 ? randomUnicode(rng) : 'lamp',
    };
    const body = toJson(event);
    const signature = createHmac('sha256', app.config.webhook.key).update(app.config.webhook.url + body).digest('hex');
    const status = await send(app.url, { method: 'POST', path: '/webhooks/mode/events', headers: { 'Content-Type': 'application/json', 'X-Mode-Signature': signature, 'Content-Length': String(Buffer.byteLength(body)) }, body });
    if (status !== 200) failures.push(`${status} ${body.slice(0, 200)}`);
  }
  expect(failures).toEqual([]);
}, 60_000);
