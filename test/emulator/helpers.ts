/** Test helpers for the MODE emulator: a small raw HTTP client, setup shortcuts and a webhook receiver. */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { Emulator } from '../../src/emulator';

export interface CallOptions {
  key?: string;
  json?: unknown;
  form?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
}

export async function call(emulator: Emulator, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key !== undefined) headers.authorization = `ModeCloud ${opts.key}`;
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(opts.form).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  const response = await request(`${emulator.url}${path}`, { method: method as 'GET', headers, body });
  const text = await response.body.text();
  const isJson = String(response.headers['content-type'] ?? '').includes('application/json');
  return { status: response.statusCode, headers: response.headers, body: isJson && text ? JSON.parse(text) : text };
}

export interface LinkedUser {
  userId: number;
  key: string;
}

/** What the bridge does for a new account: create the MODE user, then get a key for it. */
export async function linkUser(emulator: Emulator): Promise<LinkedUser> {
  const created = await call(emulator, 'POST', '/users', { key: emulator.projectKey, json: { projectId: emulator.projectId } });
  const auth = await call(emulator, 'POST', '/auth/user', {
    key: emulator.projectKey,
    form: { projectId: emulator.projectId, userId: created.body.id },
  });
  return { userId: created.body.id, key: auth.body.token };
}

export async function createHome(emulator: Emulator, user: LinkedUser, name = 'Home'): Promise<number> {
  const answer = await call(emulator, 'POST', '/homes', { key: user.key, json: { name } });
  return answer.body.id;
}

/** A pre-provisioned device, made claimable and claimed into the home. */
export async function claimedDevice(emulator: Emulator, user: LinkedUser, homeId: number) {
  const device = emulator.control.provisionDevice({ deviceClass: 'thermostat' });
  emulator.control.setClaimable(device.id, true);
  await call(emulator, 'POST', '/devices', { key: user.key, form: { homeId, claimCode: device.claimCode } });
  return device;
}

export interface ReceivedWebhook {
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** A local HTTP server standing for the bridge's webhook endpoint; `failures` answers 500 that many times first. */
/** `hold`: requests get no answer until `release()` is called (a receiver that hangs). */
export async function startWebhookReceiver(opts: { failures?: number; hold?: boolean } = {}) {
  const received: ReceivedWebhook[] = [];
  let failuresLeft = opts.failures ?? 0;
  let attempts = 0;
  let held: (() => void)[] | undefined = opts.hold ? [] : undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      attempts++;
      if (failuresLeft-- > 0) return void res.writeHead(500).end();
      const answer = () => {
        received.push({ url: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      };
      if (held) held.push(answer);
      else answer();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/mode/events`,
    received,
    attempts: () => attempts,
    /** Requests waiting for an answer (with `hold`). */
    waiting: () => held?.length ?? 0,
    release: () => {
      const pending = held ?? [];
      held = undefined;
      for (const answer of pending) answer();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function eventually<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
