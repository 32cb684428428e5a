import { IncomingMessage, ServerResponse, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expressServer, type ExpressServer } from '../../src/http/express-server';

// The server makes each request and response with its Express app's prototypes, so Express never
// has to change them; everything Node and Express give a request works as before.

let running: ExpressServer | undefined;

async function serve(listen: (made: ExpressServer) => RequestListener): Promise<string> {
  running = expressServer();
  running.server.on('request', listen(running));
  await new Promise<void>((resolve) => running?.server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  running?.server.closeAllConnections();
  await new Promise((resolve) => running?.server.close(resolve));
  running = undefined;
});

test('when a request arrives, then it and its response already have the Express app\'s prototypes, before Express sees them', async () => {
  const url = await serve(({ express }) => (req, res) => {
    const born = Object.getPrototypeOf(req) === express.request && Object.getPrototypeOf(res) === express.response;
    res.end(JSON.stringify({ born, request: req instanceof IncomingMessage, response: res instanceof ServerResponse }));
  });
  expect(await (await fetch(`${url}/anything`)).json()).toEqual({ born: true, request: true, response: true });
});

test('when Express answers through it, then its request and response methods, streams and settings work as on a plain server', async () => {
  const url = await serve(({ express }) => {
    express.set('trust proxy', 'loopback');
    express.use((req, _res, next) => (Object.getPrototypeOf(req) === express.request ? next() : next(new Error('prototype changed'))));
    express.put('/echo/:name', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.status(201).set('X-Name', req.params.name).json({ ip: req.ip, type: req.get('content-type'), path: req.path, body: Buffer.concat(chunks).toString() });
      });
    });
    return express;
  });
  const answer = await fetch(`${url}/echo/lamp?x=1`, { method: 'PUT', headers: { 'content-type': 'text/plain', 'x-forwarded-for': '203.0.113.7' }, body: 'on' });
  expect(answer.status).toBe(201);
  expect(answer.headers.get('x-name')).toBe('lamp');
  expect(await answer.json()).toEqual({ ip: '203.0.113.7', type: 'text/plain', path: '/echo/lamp', body: 'on' });
  expect((await fetch(`${url}/nowhere`)).status).toBe(404);
});
