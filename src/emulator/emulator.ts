/** Starts an in-memory MODE cloud for one BYOU project on a local port. */
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { Access } from './auth';
import type { EmulatorContext } from './context';
import { createControl } from './control';
import { DeviceSockets } from './device-socket';
import { Faults } from './faults';
import { applyModes, defaultModes } from './modes';
import { RequestLog } from './request-log';
import { persistStore } from './persistence';
import { Store } from './store';
import type { Emulator, EmulatorLogger, EmulatorOptions } from './types';
import { Webhooks } from './webhooks';

const silent: EmulatorLogger = { info: () => undefined, warn: () => undefined };

export async function createEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const projectId = opts.projectId ?? 1000;
  const logger = opts.logger ?? silent;
  // A persistent emulator that starts without saved data numbers its objects from a random
  // point: a bridge that still remembers IDs from lost data then never mistakes new objects for old ones.
  const store = new Store(projectId, opts.stateFile ? randomInt(1, 1000) * 1_000_000 + 1 : 1);
  const persistence = opts.stateFile ? persistStore(store, opts.stateFile, logger) : undefined;
  if (persistence?.load()) {
    // No device socket survives a restart.
    for (const device of store.devices.values()) device.isConnected = false;
    logger.info({ file: opts.stateFile, users: store.users.size, homes: store.homes.size, devices: store.devices.size }, 'MODE emulator state restored');
  }
  // The main key may also send events to homes, so one key is enough to drive everything the bridge does.
  const projectKey = mainProjectKey(store, opts.projectKey) ?? store.addProjectKey({ key: opts.projectKey, byou: true, canSendEvents: true });
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
    modes: { ...defaultModes },
  };
  if (opts.modes) applyModes(ctx.modes, opts.modes);
  const control = createControl(ctx);
  control.setWebhooks(opts.webhooks ?? []);

  const server = createServer(createApp(ctx, control));
  server.on('upgrade', (req, socket, head) => void ctx.sockets.handleUpgrade(req, socket, head));
  if (persistence) {
    // Whatever changes data is a request other than a read (or a device connecting): save after it.
    server.on('request', (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') res.once('finish', () => persistence.scheduleSave());
    });
    server.on('upgrade', () => persistence.scheduleSave());
    persistence.scheduleSave();
  }
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
      await persistence?.flush();
    })();
    return closing;
  }

  return { url, projectId, projectKey, control, close };
}

/** The project key a restarted emulator keeps using: the configured one, or the first main key it had. */
function mainProjectKey(store: Store, configured: string | undefined): string | undefined {
  for (const apiKey of store.keys.values()) {
    if (apiKey.kind !== 'project' || !apiKey.byou || !apiKey.canSendEvents) continue;
    if (configured === undefined || apiKey.key === configured) return apiKey.key;
  }
  return undefined;
}

function urlHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
