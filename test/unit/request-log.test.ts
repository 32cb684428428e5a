import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { requestLogger } from '../../src/http/request-log';

function appLoggingTo(level: string, lines: Record<string, unknown>[]) {
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const app = express();
  app.use(requestLogger(logger));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/thing', (req, res) => void res.json({ perRequestLogger: 'log' in req }));
  const v1 = express.Router();
  v1.get('/invitations/:token', (_req, res) => void res.set('x-extra', 'y'.repeat(500)).json({ ok: true }));
  app.use('/v1', v1);
  return app;
}

const TOKEN = 'Zx9_kq3LmN0pQrStUvWxYz0123456789abcdefgh';

test('when the log level is info, then each answered request is logged once with its request ID, without its headers', async () => {
  const lines: Record<string, unknown>[] = [];
  const app = appLoggingTo('info', lines);
  await request(app).get('/thing').set('x-request-id', 'abc-123').set('authorization', 'Bearer secret').expect(200);
  await request(app).get('/healthz').expect(200);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ msg: 'request completed', route: '/thing', req: { id: 'abc-123', method: 'GET' }, res: { statusCode: 200 } });
  expect(JSON.stringify(lines[0])).not.toContain('authorization');
});

test('when a path carries a token and a query string, then the line names the route template and holds neither', async () => {
  const lines: Record<string, unknown>[] = [];
  const app = appLoggingTo('info', lines);
  await request(app).get(`/v1/invitations/${TOKEN}?cursor=${TOKEN}x`).expect(200);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ route: '/v1/invitations/:token' });
  expect(JSON.stringify(lines[0])).not.toContain(TOKEN);
});

test('when no route matches, then every segment that is not a plain word is redacted', async () => {
  const lines: Record<string, unknown>[] = [];
  const app = appLoggingTo('info', lines);
  await request(app).get(`/v1/invitations/${TOKEN}/accept?x=1`).expect(404);
  expect(lines[0]).toMatchObject({ route: '/v1/invitations/:redacted/accept', res: { statusCode: 404 } });
  expect(JSON.stringify(lines[0])).not.toContain(TOKEN);
});

test('when a response has headers, then the line stays short and names none of them', async () => {
  const lines: Record<string, unknown>[] = [];
  const app = appLoggingTo('info', lines);
  await request(app).get(`/v1/invitations/${TOKEN}`).expect(200);
  expect(lines[0]!.res).toEqual({ statusCode: 200 });
  expect(JSON.stringify(lines[0]).length).toBeLessThan(400);
});

test('when the caller sends a request ID that could forge log content, then a fresh one is used', async () => {
  const lines: Record<string, unknown>[] = [];
  const app = appLoggingTo('info', lines);
  await request(app).get('/thing').set('x-request-id', 'a"b c').expect(200);
  expect((lines[0]!.req as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
});

test('when the log level is above info, then requests are answered and no per-request logger is made', async () => {
  const lines: Record<string, unknown>[] = [];
  const app = appLoggingTo('warn', lines);
  const res = await request(app).get('/thing').expect(200);
  expect(res.body).toEqual({ perRequestLogger: false });
  expect(lines).toEqual([]);
});
