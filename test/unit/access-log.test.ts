import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { accessLog } from '../../src/http/access-log';

function appLoggingTo(level: string, lines: Record<string, unknown>[]) {
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const app = express();
  const log = accessLog(logger);
  if (log) app.use(log);
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/thing', (_req, res) => void res.json({ ok: true }));
  return { app, log };
}

test('when the log level is info, then each answered request is logged once with its request ID', async () => {
  const lines: Record<string, unknown>[] = [];
  const { app } = appLoggingTo('info', lines);
  await request(app).get('/thing').set('x-request-id', 'abc-123').expect(200);
  await request(app).get('/healthz').expect(200);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ msg: 'request completed', req: { id: 'abc-123', method: 'GET', url: '/thing' }, res: { statusCode: 200 } });
});

test('when the log level is above info, then requests are answered and no per-request logger is made', async () => {
  const lines: Record<string, unknown>[] = [];
  const { app, log } = appLoggingTo('warn', lines);
  expect(log).toBeUndefined();
  await request(app).get('/thing').expect(200);
  expect(lines).toEqual([]);
});
