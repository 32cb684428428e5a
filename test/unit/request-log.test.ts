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
  return app;
}

test('when the log level is info, then each answered request is logged once with its request ID, without its headers', async () => {
  const lines: Record<string, unknown>[] = [];
  const app = appLoggingTo('info', lines);
  await request(app).get('/thing').set('x-request-id', 'abc-123').set('authorization', 'Bearer secret').expect(200);
  await request(app).get('/healthz').expect(200);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ msg: 'request completed', req: { id: 'abc-123', method: 'GET', url: '/thing' }, res: { statusCode: 200 } });
  expect(JSON.stringify(lines[0])).not.toContain('authorization');
});

test('when the log level is above info, then requests are answered and no per-request logger is made', async () => {
  const lines: Record<string, unknown>[] = [];
  const app = appLoggingTo('warn', lines);
  const res = await request(app).get('/thing').expect(200);
  expect(res.body).toEqual({ perRequestLogger: false });
  expect(lines).toEqual([]);
});
