import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { createRegistry } from '../../src/http/openapi';
import { ApiRouter } from '../../src/http/route';

// Routes are kept per path prefix; requests must be routed exactly as one Express router would.

function appWith(register: (api: ApiRouter) => void) {
  const api = new ApiRouter(createRegistry(), { authenticate: () => (_req, _res, next) => next() });
  register(api);
  const app = express();
  app.use(api.router);
  app.use((_req, res) => void res.status(404).json({ error: { code: 'not_found' } }));
  return app;
}

const app = appWith((api) => {
  const ok = { 200: { description: 'ok' } };
  api.route({ method: 'get', path: '/v1/things', summary: 'list', tags: [], access: 'public', responses: ok }, (_input, _req, res) => void res.json({ route: 'list' }));
  api.route(
    { method: 'get', path: '/v1/things/:id', summary: 'one', tags: [], access: 'public', params: z.object({ id: z.coerce.number() }), responses: ok },
    ({ params }, _req, res) => void res.json({ route: 'one', id: params.id }),
  );
  api.route({ method: 'post', path: '/v1/things', summary: 'create', tags: [], access: 'public', responses: ok }, (_input, _req, res) => void res.status(201).json({ route: 'create' }));
  api.route({ method: 'get', path: '/v1/other', summary: 'other', tags: [], access: 'public', responses: ok }, (_input, _req, res) => void res.json({ route: 'other' }));
});

describe('ApiRouter dispatch by path prefix', () => {
  test('when routes share a prefix, then each request reaches the route its method and path name', async () => {
    await request(app).get('/v1/things').expect(200, { route: 'list' });
    await request(app).get('/v1/things/7').expect(200, { route: 'one', id: 7 });
    await request(app).post('/v1/things').expect(201, { route: 'create' });
    await request(app).get('/v1/other').expect(200, { route: 'other' });
  });

  test('when the path differs in case or ends with a slash, then it is routed as Express routes it', async () => {
    await request(app).get('/V1/Things/7').expect(200, { route: 'one', id: 7 });
    await request(app).get('/v1/things/').expect(200, { route: 'list' });
    await request(app).get('/v1/things?limit=2').expect(200, { route: 'list' });
  });

  test('when HEAD or OPTIONS is asked of a route, then Express answers them as before', async () => {
    const head = await request(app).head('/v1/things/7');
    expect(head.status).toBe(200);
    const options = await request(app).options('/v1/things');
    expect(options.status).toBe(200);
    expect(options.headers.allow?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  });

  test('when no route has the prefix or the path, then the request goes on to what follows (404)', async () => {
    await request(app).get('/v1/nothing').expect(404);
    await request(app).get('/v1/things/7/parts').expect(404);
    await request(app).get('/v1').expect(404);
    await request(app).delete('/v1/things/7').expect(404);
  });

  test('when a route would start with a parameter, then registering it is refused', () => {
    expect(() =>
      appWith((api) => api.route({ method: 'get', path: '/v1/:anything', summary: 'x', tags: [], access: 'public', responses: {} }, (_input, _req, res) => void res.end())),
    ).toThrow('/v1/:anything: the first 2 segments of an API path must be literal');
  });
});
