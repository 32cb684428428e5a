/**
 * The floor for the event stream: a plain node:http server that holds Server-Sent Events streams
 * open (GET /v1/events/stream, no auth) and, for each POST /webhooks/mode/events, answers at once
 * and then writes the posted event and a device-state message to every open stream, as one HTTP/1.1
 * chunk straight to each socket. No database, no hub, no framework: what any Node server on this
 * machine pays to reach N sockets.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

const port = Number(process.env.BARE_STREAM_PORT ?? 0);
const streams = new Set<Socket>();
let sequence = 0;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function chunkOf(text: string): Buffer {
  const body = Buffer.from(text);
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')]);
}

function fanOut(event: string): void {
  const id = ++sequence;
  const chunk = chunkOf(`id: ${id}\ndata: ${event}\n\nevent: device-state\ndata: ${event}\n\n`);
  for (const socket of streams) if (!socket.destroyed) socket.write(chunk);
}

const server = createServer((req, res) => {
  if (req.url === '/_bare/health') return void res.end('ok');
  if (req.method === 'GET' && req.url === '/v1/events/stream') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const socket = res.socket!;
    socket.write(chunkOf('retry: 3000\n: connected\n\n'));
    streams.add(socket);
    res.on('close', () => streams.delete(socket));
    return;
  }
  if (req.method === 'POST' && req.url === '/webhooks/mode/events') {
    void readBody(req).then((body) => {
      res.setHeader('content-type', 'application/json');
      res.end('{}');
      const event = JSON.stringify(JSON.parse(body));
      setImmediate(fanOut, event);
    });
    return;
  }
  res.statusCode = 404;
  res.end();
});
server.listen(port, '127.0.0.1', () => console.log(`bare stream server on ${port}`));

const stop = () => {
  for (const socket of streams) socket.destroy();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
