import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { request } from 'undici';
import { createMetrics } from '../../src/http/metrics';
import type { EventsService } from '../../src/modules/events/events.service';
import { webhookEndpoint } from '../../src/modules/events/webhook-endpoint';
import { ForbiddenError } from '../../src/lib/errors';

// The Event Webhook's own path writes the request log line Express's pino-http writes for a route.

let server: Server;
let url: string;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const events = {
    receiveWebhook: async (_body: Buffer, signature: string | undefined) => {
      if (signature !== 'good') throw new ForbiddenError('The X-Mode-Signature header does not match this request', 'invalid_signature');
      return { id: '1', duplicate: false };
    },
  } as unknown as EventsService;
  const endpoint = webhookEndpoint({ events, metrics: createMetrics(), logger, securityHeaders: {}, bodyLimit: '100kb' });
  server = createServer((req, res) => void (endpoint(req, res) || res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/mode/events`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

test('when a call is answered, then one line names the route, status and request ID, and holds no header', async () => {
  lines.length = 0;
  const ok = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mode-signature': 'good', 'x-request-id': 'req-42' }, body: '{}' });
  expect(ok.statusCode).toBe(200);
  await ok.body.text();
  const refused = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mode-signature': 'secret-looking-bad' }, body: '{}' });
  expect(refused.statusCode).toBe(403);
  expect(await refused.body.json()).toEqual({ error: { code: 'invalid_signature', message: 'The X-Mode-Signature header does not match this request' } });
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatchObject({ level: 30, msg: 'request completed', route: '/webhooks/mode/events', req: { id: 'req-42', method: 'POST' }, res: { statusCode: 200 } });
  expect(lines[1]).toMatchObject({ msg: 'request completed', res: { statusCode: 403 } });
  expect(JSON.stringify(lines)).not.toContain('secret-looking-bad');
});

test('when a call is not one this path answers, then it is left untouched for Express', async () => {
  const calls = [['GET', '', {}], ['POST', '?x=1', {}], ['POST', '', { 'content-encoding': 'gzip' }], ['POST', '', { origin: 'https://app.example' }], ['POST', '', { 'content-type': undefined }]] as const;
  for (const [method, path, headers] of calls) {
    const answer = await request(`${url}${path}`, { method, headers: { 'content-type': 'application/json', 'x-mode-signature': 'good', ...headers }, body: method === 'POST' ? '{}' : undefined });
    expect(answer.statusCode).toBe(404);
    await answer.body.text();
  }
});
