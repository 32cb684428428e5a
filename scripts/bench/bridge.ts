// Starts the compiled bridge against the bench's emulator, in production mode with every secret
// given, rate limits off and warn-level logs, on PGlite (a temp DATA_DIR) or PostgreSQL, with the
// start command of `npm start` (its Node.js settings), so the figures are those of what ships.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOAuthJwks } from '../../src/lib/dev-secrets';
import { asService, freePort, spawnNode, waitForHttp, type EmulatorService, type Service } from './processes';
import { asStartScript } from './start-command';

export interface BridgeService extends Service {
  database: 'pglite' | 'postgresql';
  webhookUrl: string;
  webhookKey: string;
}

export interface BridgeOptions {
  name: string;
  emulator: EmulatorService;
  /** postgresql:// URL; unset: PGlite in a temp directory removed on stop. */
  databaseUrl?: string;
  logDir: string;
  /** Directory for `node --cpu-prof` output, when profiling. */
  cpuProfileDir?: string;
  /** Another build's dist/ directory, to compare builds; default this checkout's. */
  dist?: string;
  /** Added last, so it can override anything above (experiments); NODE_OPTIONS given here come after npm start's, as an operator's do. */
  extraEnv?: Record<string, string>;
}

/** A policy file of the bench's own, used only when the bridge reads COMMAND_POLICY_FILE. */
export const BENCH_COMMAND_POLICY = join(__dirname, 'command-policy.json');

export async function startBridge(options: BridgeOptions): Promise<BridgeService> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = options.databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'mode-bridge-bench-'));
  const webhookUrl = `${url}/webhooks/mode/events`;
  const webhookKey = randomBytes(24).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    MODE_API_URL: options.emulator.url,
    MODE_PROJECT_ID: String(options.emulator.projectId),
    MODE_PROJECT_KEY: options.emulator.projectKey,
    MODE_WEBHOOK_KEY: webhookKey,
    MODE_WEBHOOK_URL: webhookUrl,
    JWT_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    OAUTH_JWKS: JSON.stringify(generateOAuthJwks()),
    OAUTH_COOKIE_KEYS: randomBytes(32).toString('base64url'),
    PUBLIC_URL: url,
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    API_RATE_LIMIT_PER_MIN: '0',
    SERVICE_RATE_LIMIT_PER_MIN: '0',
    AUTH_RATE_LIMIT_PER_MIN: '0',
    LOGIN_FAILURES_PER_ACCOUNT: '0',
    LOG_LEVEL: 'warn',
    BACKGROUND_JOBS: 'true',
    ...(existsSync(BENCH_COMMAND_POLICY) ? { COMMAND_POLICY_FILE: BENCH_COMMAND_POLICY } : {}),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : { DATA_DIR: dataDir as string }),
    ...options.extraEnv,
  };
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const child = spawnNode({ name: options.name, entry: 'src/server.ts', env, nodeArgs, logDir: options.logDir, dist: options.dist, shellCommand: (command) => asStartScript(command) });
  await waitForHttp(`${url}/readyz`, child, options.name, options.logDir, 60_000);
  const service = asService(options.name, url, child);
  return {
    ...service,
    database: options.databaseUrl ? 'postgresql' : 'pglite',
    webhookUrl,
    webhookKey,
    stop: async () => {
      await service.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
