import express, { type Express, type Response } from 'express';
import request from 'supertest';
import { sendJson } from '../../src/http/json-response';

// The app answers JSON with its own res.json; what reaches the client must be what Express's
// res.json sends (with ETags off, as the app runs), case by case, over real HTTP.

const cases: Record<string, (res: Response) => void> = {
  object: (res) => void res.json({ name: 'Zoë', homes: [1, 2], nested: { ok: true } }),
  'long body': (res) => void res.json({ text: 'ü'.repeat(2_000) }),
  null: (res) => void res.json(null),
  number: (res) => void res.json(42),
  string: (res) => void res.json('plain'),
  undefined: (res) => void res.json(undefined),
  created: (res) => void res.status(201).json({ id: 'x' }),
  'no content': (res) => void res.status(204).json({ dropped: true }),
  'chosen type': (res) => void res.type('application/problem+json').status(400).json({ title: 'bad' }),
  'chosen type with charset': (res) => void res.set('Content-Type', 'application/json; charset=utf-8').json([]),
};

function appWith(json?: typeof sendJson): Express {
  const app = express();
  app.set('etag', false);
  if (json) app.response.json = json;
  for (const [name, answer] of Object.entries(cases)) app.all(`/${encodeURIComponent(name)}`, (_req, res) => answer(res));
  return app;
}

const theirs = appWith();
const ours = appWith(sendJson);

const BODY_HEADERS = ['content-type', 'content-length', 'transfer-encoding'];
const picked = (headers: Record<string, string>) => Object.fromEntries(BODY_HEADERS.map((name) => [name, headers[name]]));

describe('sendJson answers as Express res.json does', () => {
  test.each(Object.keys(cases))('when a route answers %s, then status, body headers and bytes are the same', async (name) => {
    const path = `/${encodeURIComponent(name)}`;
    const [expected, actual] = await Promise.all([request(theirs).get(path).buffer(true), request(ours).get(path).buffer(true)]);
    expect(actual.status).toBe(expected.status);
    expect(picked(actual.headers)).toEqual(picked(expected.headers));
    expect(actual.text).toBe(expected.text);
  });

  test.each(['object', 'no content'])('when HEAD is asked of a route that answers %s, then the headers are the same and no body comes', async (name) => {
    const path = `/${encodeURIComponent(name)}`;
    const [expected, actual] = await Promise.all([request(theirs).head(path), request(ours).head(path)]);
    expect(actual.status).toBe(expected.status);
    expect(picked(actual.headers)).toEqual(picked(expected.headers));
    expect(actual.text ?? '').toBe('');
  });

  test('when the body holds non-ASCII text, then Content-Length counts its UTF-8 bytes', async () => {
    const answer = await request(ours).get('/object');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify({ name: 'Zoë', homes: [1, 2], nested: { ok: true } })));
    expect(answer.body).toEqual({ name: 'Zoë', homes: [1, 2], nested: { ok: true } });
  });
});
