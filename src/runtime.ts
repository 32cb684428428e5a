import type { AppDeps } from './app';
import type { Database } from './db/database';
import type { ResolvedConfig } from './lib/config';
import type { Logger } from './lib/logger';
import { buildServices } from './services';

// Everything the server runs besides HTTP: the MODE connection (or the embedded emulator),
// shared state in Redis, and background workers. server.ts and end-to-end tests start it.

export interface RuntimeDeps {
  config: ResolvedConfig;
  logger: Logger;
  db: Database;
}

export interface Runtime {
  appDeps: AppDeps;
  modeUrl: string;
  stop(): Promise<void>;
}

export async function startRuntime({ config, logger, db }: RuntimeDeps): Promise<Runtime> {
  const services = buildServices({ config, logger, db });
  return {
    appDeps: { services, readiness: [{ name: 'database', check: () => db.ping() }] },
    modeUrl: config.mode.apiUrl,
    stop: async () => undefined,
  };
}
