// Arranges what the scenarios need through public interfaces only: the bridge's API for the bench
// user, its home and device; MODE's API (with the project key) for the same objects made directly.
import type { EmulatorService } from './processes';

interface Call {
  method?: string;
  token?: string;
  modeKey?: string;
  json?: unknown;
  form?: Record<string, string | number>;
  expect?: number[];
}

export async function call<T = unknown>(baseUrl: string, path: string, options: Call = {}): Promise<T> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.modeKey) headers.authorization = `ModeCloud ${options.modeKey}`;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(options.form).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  const expected = options.expect ?? [200, 201, 204];
  if (!expected.includes(response.status)) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export const BENCH_DEVICE_CLASS = 'bench-lamp';
export const BENCH_PASSWORD = 'bench-Password-4711';

export interface BridgeAccount {
  email: string;
  userId: string;
  accessToken: string;
}

export async function registerUser(bridgeUrl: string, email: string): Promise<BridgeAccount> {
  const result = await call<{ user: { id: string }; accessToken: string }>(bridgeUrl, '/v1/auth/register', {
    json: { email, password: BENCH_PASSWORD, name: 'Bench User' },
  });
  return { email, userId: result.user.id, accessToken: result.accessToken };
}

/** Waits for the account's MODE link: registration may leave it pending for the background job. */
export async function waitLinked(bridgeUrl: string, account: BridgeAccount, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const me = await call<{ link?: { status?: string } }>(bridgeUrl, '/v1/me', { token: account.accessToken });
    if (me.link?.status === 'linked') return;
    if (Date.now() > deadline) throw new Error(`${account.email} is still not linked to MODE`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function provisionClaimable(emulator: EmulatorService): Promise<{ id: number; claimCode: string }> {
  const device = await call<{ id: number; claimCode: string }>(emulator.url, '/_emulator/devices', {
    json: { deviceClass: BENCH_DEVICE_CLASS, name: 'Bench lamp' },
  });
  await call(emulator.url, `/_emulator/devices/${device.id}/claimable`, { json: { claimable: true } });
  return device;
}

export interface Fixture {
  homeId: number;
  deviceId: number;
}

/** A home with one claimed device, created through the bridge as `account`. */
export async function bridgeFixture(bridgeUrl: string, emulator: EmulatorService, account: BridgeAccount): Promise<Fixture> {
  const home = await call<{ id: number }>(bridgeUrl, '/v1/homes', { token: account.accessToken, json: { name: 'Bench home' } });
  const { claimCode } = await provisionClaimable(emulator);
  const device = await call<{ id: number }>(bridgeUrl, `/v1/homes/${home.id}/devices`, {
    token: account.accessToken,
    json: { claimCode },
  });
  return { homeId: home.id, deviceId: device.id };
}

export interface DirectFixture extends Fixture {
  modeKey: string;
}

/** The same objects made directly in MODE: a BYOU user of its own, its key, a home and a device. */
export async function directFixture(emulator: EmulatorService): Promise<DirectFixture> {
  const projectKey = emulator.projectKey;
  const user = await call<{ id: number }>(emulator.url, '/users', { modeKey: projectKey, json: { projectId: emulator.projectId } });
  const auth = await call<{ token: string }>(emulator.url, '/auth/user', {
    modeKey: projectKey,
    form: { projectId: emulator.projectId, userId: user.id },
  });
  const modeKey = auth.token;
  const home = await call<{ id: number }>(emulator.url, '/homes', { modeKey, json: { name: 'Bench home (direct)' } });
  const { claimCode } = await provisionClaimable(emulator);
  const device = await call<{ id: number }>(emulator.url, '/devices', { modeKey, form: { homeId: home.id, claimCode } });
  return { homeId: home.id, deviceId: device.id, modeKey };
}

/** The bridge's routes from its OpenAPI document, as "METHOD /path/{}" (parameter names dropped). */
export async function bridgeRoutes(bridgeUrl: string): Promise<Set<string>> {
  const doc = await call<{ paths?: Record<string, Record<string, unknown>> }>(bridgeUrl, '/openapi.json');
  const routes = new Set<string>();
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(operations)) routes.add(`${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`);
  }
  return routes;
}

export const ROUTES = {
  createHome: 'POST /v1/homes',
  claimDevice: 'POST /v1/homes/{}/devices',
  getHome: 'GET /v1/homes/{}',
  command: 'PUT /v1/devices/{}/command',
  webhook: 'POST /webhooks/mode/events',
  login: 'POST /v1/auth/login',
} as const;

export function missing(routes: Set<string>, needed: string[]): string[] {
  return needed.filter((route) => !routes.has(route));
}
