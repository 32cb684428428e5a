import { z } from 'zod';

// The whole environment is parsed once, at start, into one typed object. In production a
// missing or weak secret stops the start with a message naming the variable; elsewhere the
// caller fills the gaps with development secrets (see dev-secrets.ts).

const hexKey = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 32 bytes written as 64 hex characters');
const optionalText = z.string().trim().min(1).optional();
const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const csv = z.string().transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));
/** A JSON Web Key Set of private keys (`{"keys": [...]}`), as oidc-provider takes it. */
const jwks = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.object({ keys: z.array(z.looseObject({ kty: z.string(), d: z.string({ error: 'must be a private key (with "d")' }) })).min(1) }));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
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
  SERVICE_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(1200),
  AUTH_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(20),
  LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(0).default(10),
  JSON_BODY_LIMIT: z.string().default('100kb'),
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  PASSWORD_HASH_NICE: z.coerce.number().int().min(0).max(19).default(10),
  TRUST_PROXY: z.string().default('loopback'),
  BACKGROUND_JOBS: flag.default(true),
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  STREAM_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).default(5),
  STREAM_HEARTBEAT_MS: z.coerce.number().int().min(10).default(15_000),
  DEVICE_STATE_MAX_TYPES: z.coerce.number().int().min(1).max(1000).default(50),
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: optionalText,
  NOTIFY_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  NOTIFY_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  NOTIFY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  NOTIFY_EVENT_TYPES: csv.default(['*']),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  OUTBOX_RETRY_BASE_MS: z.coerce.number().int().min(1).default(5_000),
  OUTBOX_LEASE_MS: z.coerce.number().int().min(100).default(60_000),
  COMMAND_POLICY_FILE: optionalText,
  MEMBER_ADDS_PER_HOUR: z.coerce.number().int().min(0).default(30),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  OAUTH_JWKS: jwks.optional(),
  OAUTH_COOKIE_KEYS: csv.pipe(z.array(z.string().min(32, 'each key must be at least 32 characters'))).default([]),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  http: {
    port: number;
    host: string;
    jsonBodyLimit: string;
    trustProxy: string;
    /** After SIGTERM, how long in-flight requests may take before the process exits anyway. */
    shutdownGraceMs: number;
  };
  /** The bridge's own external base URL, without a trailing slash (links in e-mails, OAuth issuer). */
  publicUrl: string;
  dataDir: string;
  databaseUrl?: string;
  databasePoolSize: number;
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
  rateLimits: { apiPerMinute: number; authPerMinute: number; loginFailuresPerAccount: number; servicePerMinute: number };
  backgroundJobs: boolean;
  passwordHashing: {
    /** Password hashes computed at once; unset: one less than the machine's cores. */
    concurrency?: number;
    /** How much lower than the process's the hashing threads' scheduling priority is. */
    niceIncrement: number;
  };
  events: { retentionDays: number };
  stream: { maxConnectionsPerUser: number; heartbeatMs: number };
  /** Event types whose latest value is kept per device; beyond it the type with the oldest value goes. */
  deviceState: { maxTypes: number };
  notifications: {
    /** Event types that notify a home's members: names, `prefix*` patterns or `*`; empty: none. */
    eventTypes: string[];
    /** Unset: the e-mail channel is off. */
    email?: { smtpUrl: string; from: string };
    /** Unset: the outbound webhook channel is off. */
    webhook?: { url: string; secret: string; timeoutMs: number };
  };
  outbox: { maxAttempts: number; retryBaseMs: number; leaseMs: number };
  /** The command policy file; unset: the shipped config/command-policy.json. */
  commandPolicyFile?: string;
  memberAddsPerHour: number;
  /** The OAuth authorization server for third-party apps (issuer: publicUrl). */
  oauth: {
    /** Private signing keys; unset outside production: generated (dev-secrets.ts). */
    jwks?: OAuthJwks;
    /** Keys that sign its cookies, newest first; empty outside production: generated. */
    cookieKeys: string[];
  };
}

export type OAuthJwks = { keys: Record<string, unknown>[] };

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
    http: { port: env.PORT, host: env.HOST, jsonBodyLimit: env.JSON_BODY_LIMIT, trustProxy: env.TRUST_PROXY, shutdownGraceMs: env.SHUTDOWN_GRACE_MS },
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
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
      servicePerMinute: env.SERVICE_RATE_LIMIT_PER_MIN,
    },
    backgroundJobs: env.BACKGROUND_JOBS,
    passwordHashing: { concurrency: env.PASSWORD_HASH_CONCURRENCY, niceIncrement: env.PASSWORD_HASH_NICE },
    events: { retentionDays: env.EVENT_RETENTION_DAYS },
    stream: { maxConnectionsPerUser: env.STREAM_MAX_CONNECTIONS_PER_USER, heartbeatMs: env.STREAM_HEARTBEAT_MS },
    deviceState: { maxTypes: env.DEVICE_STATE_MAX_TYPES },
    notifications: notificationsConfig(env),
    outbox: { maxAttempts: env.OUTBOX_MAX_ATTEMPTS, retryBaseMs: env.OUTBOX_RETRY_BASE_MS, leaseMs: env.OUTBOX_LEASE_MS },
    commandPolicyFile: env.COMMAND_POLICY_FILE,
    memberAddsPerHour: env.MEMBER_ADDS_PER_HOUR,
    oauth: { jwks: env.OAUTH_JWKS, cookieKeys: env.OAUTH_COOKIE_KEYS },
  };
  if (config.production) assertProductionReady(config, env);
  return config;
}

function assertProductionReady(config: Config, env: Env): void {
  const missing: string[] = [];
  if (config.notifications.email && !env.PUBLIC_URL) missing.push('PUBLIC_URL (links in e-mails need the external address)');
  if (!config.auth.jwtSecret) missing.push('JWT_SECRET (at least 32 characters)');
  if (!config.encryption.key) missing.push('TOKEN_ENCRYPTION_KEY (64 hex characters)');
  if (!config.mode.projectKey) missing.push('MODE_PROJECT_KEY (project key with "Can Handle BYOU")');
  if (!config.mode.projectId) missing.push('MODE_PROJECT_ID');
  if (!config.webhook.key) missing.push('MODE_WEBHOOK_KEY');
  if (!config.webhook.url) missing.push('MODE_WEBHOOK_URL');
  if (!config.oauth.jwks) missing.push('OAUTH_JWKS (the OAuth signing keys, a private JWK Set)');
  if (config.oauth.cookieKeys.length === 0) missing.push('OAUTH_COOKIE_KEYS (at least one key of 32 characters or more)');
  if (missing.length > 0) {
    throw new ConfigError(`Production start refused, missing or weak:\n${missing.map((m) => `  ${m}`).join('\n')}`);
  }
}

/** Outbound channels are on only when fully configured; half a configuration is an error, not a silent off. */
function notificationsConfig(env: Env): Config['notifications'] {
  const problems: string[] = [];
  if (env.NOTIFY_WEBHOOK_URL && !env.NOTIFY_WEBHOOK_SECRET) problems.push('NOTIFY_WEBHOOK_SECRET: required with NOTIFY_WEBHOOK_URL');
  if (!env.NOTIFY_WEBHOOK_URL && env.NOTIFY_WEBHOOK_SECRET) problems.push('NOTIFY_WEBHOOK_URL: required with NOTIFY_WEBHOOK_SECRET');
  if (env.SMTP_URL && !env.MAIL_FROM && env.NODE_ENV === 'production') problems.push('MAIL_FROM: required with SMTP_URL in production');
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  const none = env.NOTIFY_EVENT_TYPES.length === 1 && env.NOTIFY_EVENT_TYPES[0]?.toLowerCase() === 'none';
  return {
    eventTypes: none ? [] : env.NOTIFY_EVENT_TYPES,
    email: env.SMTP_URL ? { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM ?? 'mode-bridge <no-reply@localhost>' } : undefined,
    webhook:
      env.NOTIFY_WEBHOOK_URL && env.NOTIFY_WEBHOOK_SECRET
        ? { url: env.NOTIFY_WEBHOOK_URL, secret: env.NOTIFY_WEBHOOK_SECRET, timeoutMs: env.NOTIFY_WEBHOOK_TIMEOUT_MS }
        : undefined,
  };
}

/** The config after development defaults are filled in: every secret is present. */
export interface ResolvedConfig extends Config {
  auth: Config['auth'] & { jwtSecret: string };
  encryption: Config['encryption'] & { key: string };
  webhook: { key: string; url: string };
  oauth: { jwks: OAuthJwks; cookieKeys: string[] };
}
