/**
 * The floor for any proxy: forwards method, path, body, Content-Type and Authorization to the
 * emulator through an undici Pool (the HTTP client the bridge uses), with no auth and no database.
 * With BARE_PROXY_FRAMEWORK=express the same forwarding runs as an Express route behind the
 * app-wide middleware the bridge also has (helmet, a body parser): the floor for an Express proxy.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import { Pool } from 'undici';

const port = Number(process.env.BARE_PROXY_PORT ?? 0);
const target = process.env.BARE_PROXY_TARGET ?? '';
const connections = Number(process.env.BARE_PROXY_CONNECTIONS ?? 64);
const framework = process.env.BARE_PROXY_FRAMEWORK ?? 'node';
if (!target) {
  console.error('BARE_PROXY_TARGET is required');
  process.exit(2);
}

// The same pool settings as the bridge's MODE client (src/mode/mode-http.ts defaults).
const pool = new Pool(target, { connections, keepAliveTimeout: 10_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
const methods = new Set(['GET', 'PUT', 'POST', 'PATCH', 'DELETE']);

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length > 0 ? Buffer.concat(chunks) : undefined;
}

function forward(req: IncomingMessage, res: ServerResponse, body: Promise<Buffer | undefined>): void {
  const method = req.method ?? 'GET';
  if (!methods.has(method)) {
    res.statusCode = 405;
    return void res.end();
  }
  const headers: Record<string, string> = {};
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
  body
    .then((payload) => pool.request({ method: method as 'GET', path: req.url ?? '/', headers, body: payload }))
    .then(async (answer) => {
      const payload = Buffer.from(await answer.body.arrayBuffer());
      const type = answer.headers['content-type'];
      if (typeof type === 'string') res.setHeader('content-type', type);
      res.statusCode = answer.statusCode;
      res.end(payload);
    })
    .catch((error: unknown) => {
      res.statusCode = 502;
      res.end(String(error));
    });
}

function expressApp() {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(express.raw({ type: '*/*', limit: '100kb' }));
  app.get('/_bare/health', (_req, res) => void res.send('ok'));
  app.all('/{*path}', (req, res) => forward(req, res, Promise.resolve(Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined)));
  return app;
}

const server =
  framework === 'express'
    ? createServer(expressApp())
    : createServer((req, res) => {
        if (req.url === '/_bare/health') return void res.end('ok');
        forward(req, res, readBody(req));
      });
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`bare proxy (${framework}) on ${port} -> ${target}`));

const stop = () => server.close(() => void pool.close().then(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
