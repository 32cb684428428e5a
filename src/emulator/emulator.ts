/** Starts an in-memory MODE cloud for one BYOU project on a local port. */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { Access } from './auth';
import type { EmulatorContext } from './context';
import { createControl } from './control';
import { DeviceSockets } from './device-socket';
import { Faults } from './faults';
import { RequestLog } from './request-log';
import { Store } from './store';
import type { Emulator, EmulatorLogger, EmulatorOptions } from './types';
import { Webhooks } from './webhooks';

const silent: EmulatorLogger = { info: () => undefined, warn: () => undefined };

export async function createEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const projectId = opts.projectId ?? 1000;
  const logger = opts.logger ?? silent;
  const store = new Store(projectId);
  // The main key may also send events to homes, so one key is enough to drive everything the bridge does.
  const projectKey = store.addProjectKey({ key: opts.projectKey, byou: true, canSendEvents: true });
  const access = new Access(store);
  const faults = new Faults(opts.sleep);
  const requestLog = new RequestLog();
  const ctx: EmulatorContext = {
    store,
    access,
    faults,
    requestLog,
    logger,
    webhooks: new Webhooks([], logger),
    sockets: new DeviceSockets(store, access, faults, requestLog),
  };
  const control = createControl(ctx);
  control.setWebhooks(opts.webhooks ?? []);

  const server = createServer(createApp(ctx, control));
  server.on('upgrade', (req, socket, head) => void ctx.sockets.handleUpgrade(req, socket, head));
  server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const url = `http://${urlHost(address.address)}:${address.port}`;
  logger.info({ url, projectId }, 'MODE emulator listening');

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      ctx.webhooks.close();
      faults.close();
      ctx.sockets.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  }

  return { url, projectId, projectKey, control, close };
}

function urlHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
