import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

// A TCP relay between the app and a server (PostgreSQL), so a test can take the server away
// under a running app: `drop` ends every connection and refuses new ones, `blackhole` ends them
// and accepts new ones that never get an answer, `stall` keeps every connection open and passes
// nothing on (a server that stopped answering in the middle of a query), `relay` relays again,
// and what a stall held back then goes through, late.

export type RelayMode = 'relay' | 'drop' | 'blackhole' | 'stall';

export interface TcpProxy {
  port: number;
  setMode(mode: RelayMode): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: RelayMode = 'relay';
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    if (mode === 'drop') return void client.destroy();
    if (mode === 'blackhole') return;
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    // After pipe(), which sets both flowing.
    if (mode === 'stall') for (const socket of [client, upstream]) socket.pause();
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    setMode: (next) => {
      const stalled = mode === 'stall';
      mode = next;
      if (next === 'stall') for (const socket of sockets) socket.pause();
      else if (next !== 'relay') for (const socket of sockets) socket.destroy();
      else if (stalled) for (const socket of sockets) socket.resume();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
