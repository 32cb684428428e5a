import { z } from 'zod';

// The whole environment is parsed once, at start, into one typed object. In production a
// missing or weak secret stops the start with a message naming the variable; elsewhere the
// caller fills the gaps with development secrets (see dev-secrets.ts).

const hexKey = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 32 bytes written as 64 hex characters');
const optionalText = z.string().trim().min(1).optional();
const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const csv = z.string().transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  DATA_DIR: z.string().default('./data'),
  MODE_API_URL: z.url().default('https://api.tinkermode.com'),
  MODE_PROJECT_ID: z.coerce.number().int().positive().optional(),
  MODE_PROJECT_KEY: optionalText,
  MODE_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  MODE_CONNECTIONS: z.coerce.number().int().positive().default(64),
  MODE_WEBHOOK_KEY: optionalText,
  MODE_WEBHOOK_URL: z.url().optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  TOKEN_ENCRYPTION_KEY: hexKey.optional(),
  TOKEN_ENCRYPTION_KEY_PREVIOUS: csv.pipe(z.array(hexKey)).default([]),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  ADMIN_EMAILS: csv.default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  API_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(600),
  AUTH_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(20),
  LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(0).default(10),
  JSON_BODY_LIMIT: z.string().default('100kb'),
  TRUST_PROXY: z.string().default('loopback'),
  BACKGROUND_JOBS: flag.default(true),
  COMMAND_POLICY_FILE: optionalText,
  MEMBER_ADDS_PER_HOUR: z.coerce.number().int().min(0).default(30),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  http: { port: number; host: string; jsonBodyLimit: string; trustProxy: string };
  dataDir: string;
  databaseUrl?: string;
  mode: {
    apiUrl: string;
    projectId?: number;
    projectKey?: string;
    timeoutMs: number;
    connections: number;
  };
  webhook: { key?: string; url?: string };
  auth: {
    jwtSecret?: string;
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
  };
  encryption: { key?: string; previousKeys: string[] };
  redisUrl?: string;
  adminEmails: string[];
  logLevel: Env['LOG_LEVEL'];
  rateLimits: { apiPerMinute: number; authPerMinute: number; loginFailuresPerAccount: number };
  backgroundJobs: boolean;
  /** The command policy file; unset: the shipped config/command-policy.json. */
  commandPolicyFile?: string;
  memberAddsPerHour: number;
}

export class ConfigError extends Error {}

export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = parseEnv(source);
  const config: Config = {
    env: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    http: { port: env.PORT, host: env.HOST, jsonBodyLimit: env.JSON_BODY_LIMIT, trustProxy: env.TRUST_PROXY },
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    mode: {
      apiUrl: env.MODE_API_URL.replace(/\/+$/, ''),
      projectId: env.MODE_PROJECT_ID,
      projectKey: env.MODE_PROJECT_KEY,
      timeoutMs: env.MODE_TIMEOUT_MS,
      connections: env.MODE_CONNECTIONS,
    },
    webhook: { key: env.MODE_WEBHOOK_KEY, url: env.MODE_WEBHOOK_URL },
    auth: {
      jwtSecret: env.JWT_SECRET,
      issuer: 'mode-bridge',
      audience: 'mode-bridge:app',
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
    },
    encryption: { key: env.TOKEN_ENCRYPTION_KEY, previousKeys: env.TOKEN_ENCRYPTION_KEY_PREVIOUS },
    redisUrl: env.REDIS_URL,
    adminEmails: env.ADMIN_EMAILS.map((email) => email.toLowerCase()),
    logLevel: env.LOG_LEVEL,
    rateLimits: {
      apiPerMinute: env.API_RATE_LIMIT_PER_MIN,
      authPerMinute: env.AUTH_RATE_LIMIT_PER_MIN,
      loginFailuresPerAccount: env.LOGIN_FAILURES_PER_ACCOUNT,
    },
    backgroundJobs: env.BACKGROUND_JOBS,
    commandPolicyFile: env.COMMAND_POLICY_FILE,
    memberAddsPerHour: env.MEMBER_ADDS_PER_HOUR,
  };
  if (config.production) assertProductionReady(config);
  return config;
}

function assertProductionReady(config: Config): void {
  const missing: string[] = [];
  if (!config.auth.jwtSecret) missing.push('JWT_SECRET (at least 32 characters)');
  if (!config.encryption.key) missing.push('TOKEN_ENCRYPTION_KEY (64 hex characters)');
  if (!config.mode.projectKey) missing.push('MODE_PROJECT_KEY (project key with "Can Handle BYOU")');
  if (!config.mode.projectId) missing.push('MODE_PROJECT_ID');
  if (!config.webhook.key) missing.push('MODE_WEBHOOK_KEY');
  if (!config.webhook.url) missing.push('MODE_WEBHOOK_URL');
  if (missing.length > 0) {
    throw new ConfigError(`Production start refused, missing or weak:\n${missing.map((m) => `  ${m}`).join('\n')}`);
  }
}

/** The config after development defaults are filled in: every secret is present. */
export interface ResolvedConfig extends Config {
  auth: Config['auth'] & { jwtSecret: string };
  encryption: Config['encryption'] & { key: string };
  webhook: { key: string; url: string };
}
