// When MODE leaves out a field the bridge needs, the caller gets 502 upstream_error and the log says
// which call and which field, without any value from MODE's body.
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { errorHandler } from '../../src/http/error-handler';
import { ModeClient } from '../../src/mode';
import { json, type Stub, startStub } from './stub-server';

let stub: Stub;
let client: ModeClient;

beforeAll(async () => {
  // A member without userId, carrying something secret-looking that must never reach the log.
  stub = await startStub((_hit, res) => json(res, 200, [{ name: 'Private Name', verified: true, creationTime: 't', role: 'member', token: 's3cr3t' }]));
  client = new ModeClient({ baseUrl: stub.url, retries: { attempts: 1 } });
});
afterAll(async () => {
  await client.close();
  await stub.close();
});

test('when MODE\'s member lacks userId, then the API answers 502 upstream_error and logs the call and the field only', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  const app = express();
  app.get('/members', async () => {
    await client.listMembers('user-key', 12);
  });
  app.use(errorHandler(logger));

  const res = await request(app).get('/members');

  expect(res.status).toBe(502);
  expect(res.body.error.code).toBe('upstream_error');
  expect(JSON.stringify(res.body)).not.toMatch(/userId|Private|s3cr3t/);
  const logged = lines.join('');
  expect(logged).toContain('GET /homes/12/members');
  expect(logged).toContain('0.userId');
  expect(logged).not.toMatch(/Private Name|s3cr3t|user-key/);
});
