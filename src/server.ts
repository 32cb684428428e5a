import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { expressServer } from './http/express-server';
import { openDatabase } from './db/database';
import { acquireEmbeddedLock } from './db/embedded-lock';
import { migrate } from './db/migrator';
import { loadConfig, ConfigError } from './lib/config';
import { resolveSecrets, unsetSecrets } from './lib/dev-secrets';
import { loadEnvFile } from './lib/env-file';
import { createLogger } from './lib/logger';
import { startRuntime } from './runtime';
import { startBanner } from './start-banner';

// Process entry point: wires real dependencies, listens and shuts down gracefully.

async function main(): Promise<void> {
  // Whatever the bridge writes (data, secrets, lock, logs redirected by a wrapper) is its own.
  process.umask(0o077);
  const envFile = loadEnvFile();
  const baseConfig = loadConfig();
  const logger = createLogger(baseConfig.logLevel);
  const config = resolveSecrets(baseConfig, logger);
  if (!config.databaseUrl) acquireEmbeddedLock(config.dataDir, 'the mode-bridge server', { foreignHost: 'take-over', logger });
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, queryTimeoutMs: config.databaseQueryTimeoutMs });
  const applied = await migrate(db.sql);
  logger.info({ database: db.kind, applied }, 'database ready');

  const runtime = await startRuntime({ config, logger, db });
  const { express, server } = expressServer();
  server.on('request', createApp({ ...runtime.appDeps, express }));
  server.listen(config.http.port, config.http.host, () => {
    const port = (server.address() as AddressInfo).port;
    logger.info({ host: config.http.host, port, mode: runtime.modeUrl }, 'mode-bridge listening');
    // The same facts for a person, as plain lines on stderr (stdout stays one JSON object per line).
    if (logger.isLevelEnabled('info')) {
      const banner = startBanner({ config, port, modeUrl: runtime.modeUrl, emulator: runtime.emulator, generatedSecrets: unsetSecrets(baseConfig), envFile });
      process.stderr.write(`${banner.join('\n')}\n`);
    }
  });
  server.keepAliveTimeout = 65_000;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const forced = setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, config.http.shutdownGraceMs);
    forced.unref();
    server.close();
    runtime.services.stream.close(); // open event streams never become idle
    // A keep-alive connection whose request finishes during the drain would otherwise stay open
    // until its keep-alive timeout and hold the close back: close each one as soon as it is idle.
    const closingIdle = setInterval(() => server.closeIdleConnections(), 100);
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.once('close', () => resolve()));
    clearInterval(closingIdle);
    await runtime.stop();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`mode-bridge failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
