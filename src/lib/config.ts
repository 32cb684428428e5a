import { isIP } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { weakHexKey, weakTextSecret } from './secret-strength';

// The whole environment is parsed once, at start, into one typed object. In production a
// missing or weak secret stops the start with a message naming the variable; elsewhere the
// caller fills the gaps with development secrets (see dev-secrets.ts).

const hexKey = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 32 bytes written as 64 hex characters');
const optionalText = z.string().trim().min(1).optional();
const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
/** A link sent in e-mails: an http(s) URL once `{token}` is put in. */
const linkTemplate = z
  .string()
  .refine((value) => value.includes('{token}'), 'must contain {token}')
  .refine((value) => URL.canParse(value.replaceAll('{token}', 'x')) && /^https?:/.test(value), 'must be an http(s) URL');
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

/** Express's `trust proxy`: true, false, a hop count, or addresses, CIDR ranges and named ranges. */
export type TrustProxy = boolean | number | string;
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
function isTrustedAddress(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4; // a netmask such as 255.255.255.0
}
const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): TrustProxy => {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
    const bad = entries.filter((entry) => !isTrustedAddress(entry));
    if (entries.length === 0 || bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `must be true, false, a hop count, or comma-separated addresses, CIDR ranges, loopback, linklocal or uniquelocal (not: ${bad.join(', ') || value})` });
      return z.NEVER;
    }
    return entries.join(',');
  });

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Unset: loopback outside production (a development server with generated secrets stays private), every interface in production.
  HOST: optionalText,
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
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
  PASSWORD_HASH_IDLE: flag.default(true),
  PASSWORD_HASH_SPARE_CPU: flag.default(true),
  TRUST_PROXY: trustProxy.default('loopback'),
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
  EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(4600),
  CORS_ORIGINS: csv.pipe(z.array(z.string().refine(isOriginOrStar, 'each must be an origin such as https://app.example.com (scheme, host, optional port; no path), or *'))).optional(),
  MEMBER_ADDS_PER_HOUR: z.coerce.number().int().min(0).default(30),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ALLOW_UNKNOWN_KEY_IDS: flag.default(false),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  PASSWORD_RESET_LINK: linkTemplate.optional(),
  EMAIL_VERIFY_LINK: linkTemplate.optional(),
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  REQUIRE_EMAIL_VERIFICATION: flag.default(false),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  OAUTH_JWKS: jwks.optional(),
  OAUTH_COOKIE_KEYS: csv.pipe(z.array(z.string().min(32, 'each key must be at least 32 characters'))).default([]),
  LEGACY_AUTH_URL: z.url({ protocol: /^https?$/ }).optional(),
  LEGACY_AUTH_TOKEN: optionalText,
  LEGACY_AUTH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
});

export type Env = z.infer<typeof envSchema>;

function isOriginOrStar(value: string): boolean {
  if (value === '*') return true;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  http: {
    port: number;
    host: string;
    jsonBodyLimit: string;
    trustProxy: TrustProxy;
    /** Origins browser apps may call the API from; `*`: any (never in production); unset: no CORS. */
    corsOrigins?: '*' | string[];
    /** After SIGTERM, how long in-flight requests may take before the process exits anyway. */
    shutdownGraceMs: number;
  };
  /** The bridge's own external base URL, without a trailing slash (links in e-mails, OAuth issuer). */
  publicUrl: string;
  /** PUBLIC_URL was set (not the development default): production needs it once an OAuth app exists. */
  publicUrlConfigured: boolean;
  /** Bearer token /metrics demands; unset: /metrics is open (production warns). */
  metricsToken?: string;
  dataDir: string;
  databaseUrl?: string;
  /** The embedded MODE emulator (used without MODE_PROJECT_KEY, never in production). */
  emulator: { port: number; stateFile: string };
  databasePoolSize: number;
  /** Longest a PostgreSQL statement may run, and (2 s later) wait for its answer; 0: no limit. */
  databaseQueryTimeoutMs: number;
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
  encryption: {
    key?: string;
    previousKeys: string[];
    /** Start even when stored MODE keys are sealed with keys not configured (their users get 503). */
    allowUnknownKeyIds: boolean;
  };
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
    /** Linux: the hashing threads run only on CPU time nothing else wants (SCHED_IDLE). */
    idleScheduling: boolean;
    /** Linux: the hashing threads never run on the first CPU the process may use. */
    spareCpu: boolean;
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
  account: {
    /** Links sent in e-mails, `{token}` replaced by the link's token. */
    passwordResetLink: string;
    emailVerifyLink: string;
    passwordResetTtlMinutes: number;
    /** Unverified accounts get 403 email_unverified on the proxy, events and notifications routes. */
    requireEmailVerification: boolean;
  };
  /** The OAuth authorization server for third-party apps (issuer: publicUrl). */
  oauth: {
    /** Private signing keys; unset outside production: generated (dev-secrets.ts). */
    jwks?: OAuthJwks;
    /** Keys that sign its cookies, newest first; empty outside production: generated. */
    cookieKeys: string[];
  };
  /** Migration at login: the old system's login check; unset: off. */
  legacyAuth?: { url: string; token?: string; timeoutMs: number };
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
    http: {
      port: env.PORT,
      host: env.HOST ?? (env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
      jsonBodyLimit: env.JSON_BODY_LIMIT,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: corsOrigins(env),
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    },
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    publicUrlConfigured: env.PUBLIC_URL !== undefined,
    dataDir: env.DATA_DIR,
    emulator: { port: env.EMULATOR_PORT, stateFile: join(env.DATA_DIR, 'emulator-state.json') },
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    databaseQueryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
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
    encryption: { key: env.TOKEN_ENCRYPTION_KEY, previousKeys: env.TOKEN_ENCRYPTION_KEY_PREVIOUS, allowUnknownKeyIds: env.ALLOW_UNKNOWN_KEY_IDS },
    metricsToken: env.METRICS_TOKEN,
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
    passwordHashing: { concurrency: env.PASSWORD_HASH_CONCURRENCY, niceIncrement: env.PASSWORD_HASH_NICE, idleScheduling: env.PASSWORD_HASH_IDLE, spareCpu: env.PASSWORD_HASH_SPARE_CPU },
    events: { retentionDays: env.EVENT_RETENTION_DAYS },
    stream: { maxConnectionsPerUser: env.STREAM_MAX_CONNECTIONS_PER_USER, heartbeatMs: env.STREAM_HEARTBEAT_MS },
    deviceState: { maxTypes: env.DEVICE_STATE_MAX_TYPES },
    notifications: notificationsConfig(env),
    outbox: { maxAttempts: env.OUTBOX_MAX_ATTEMPTS, retryBaseMs: env.OUTBOX_RETRY_BASE_MS, leaseMs: env.OUTBOX_LEASE_MS },
    commandPolicyFile: env.COMMAND_POLICY_FILE,
    memberAddsPerHour: env.MEMBER_ADDS_PER_HOUR,
    account: accountConfig(env),
    oauth: { jwks: env.OAUTH_JWKS, cookieKeys: env.OAUTH_COOKIE_KEYS },
    legacyAuth: legacyAuthConfig(env),
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
  missing.push(...weakSecrets(config));
  if (missing.length > 0) {
    throw new ConfigError(`Production start refused, missing or weak:\n${missing.map((m) => `  ${m}`).join('\n')}`);
  }
}

/** Passwords go to the old system: in production only over TLS (whose certificate is verified). */
function legacyAuthConfig(env: Env): Config['legacyAuth'] {
  if (!env.LEGACY_AUTH_URL) {
    if (env.LEGACY_AUTH_TOKEN) throw new ConfigError('Invalid configuration:\n  LEGACY_AUTH_URL: required with LEGACY_AUTH_TOKEN');
    return undefined;
  }
  if (env.NODE_ENV === 'production' && !env.LEGACY_AUTH_URL.startsWith('https://')) {
    throw new ConfigError('Invalid configuration:\n  LEGACY_AUTH_URL: must be an https:// URL in production (it receives passwords)');
  }
  return { url: env.LEGACY_AUTH_URL, token: env.LEGACY_AUTH_TOKEN, timeoutMs: env.LEGACY_AUTH_TIMEOUT_MS };
}

/** CORS_ORIGINS: `*` alone means any origin, and is refused in production, where origins must be named. */
function corsOrigins(env: Env): Config['http']['corsOrigins'] {
  const origins = env.CORS_ORIGINS;
  if (!origins || origins.length === 0) return undefined;
  if (!origins.includes('*')) return [...new Set(origins)];
  if (env.NODE_ENV === 'production') throw new ConfigError("Production start refused:\n  CORS_ORIGINS: '*' is not allowed in production; list the origins of your apps");
  if (origins.length > 1) throw new ConfigError("Invalid configuration:\n  CORS_ORIGINS: '*' cannot be combined with other origins");
  return '*';
}

/** Each configured secret that is guessable, as `VARIABLE: why`. */
function weakSecrets(config: Config): string[] {
  const problems: string[] = [];
  const text = (name: string, value: string | undefined, minLength: number) => {
    const reason = value === undefined ? undefined : weakTextSecret(value, minLength);
    if (reason) problems.push(`${name}: ${reason}`);
  };
  text('JWT_SECRET', config.auth.jwtSecret, 32);
  text('MODE_WEBHOOK_KEY', config.webhook.key, 16);
  text('NOTIFY_WEBHOOK_SECRET', config.notifications.webhook?.secret, 16);
  text('METRICS_TOKEN', config.metricsToken, 16);
  const hexKeys = [
    ['TOKEN_ENCRYPTION_KEY', config.encryption.key],
    ...config.encryption.previousKeys.map((key, index) => [`TOKEN_ENCRYPTION_KEY_PREVIOUS (key ${index + 1})`, key]),
  ] as const;
  for (const [name, key] of hexKeys) {
    const reason = key === undefined ? undefined : weakHexKey(key);
    if (reason) problems.push(`${name}: ${reason}`);
  }
  return problems;
}

function accountConfig(env: Env): Config['account'] {
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  return {
    passwordResetLink: env.PASSWORD_RESET_LINK ?? `${publicUrl}/account/reset-password?token={token}`,
    emailVerifyLink: env.EMAIL_VERIFY_LINK ?? `${publicUrl}/account/verify-email?token={token}`,
    passwordResetTtlMinutes: env.PASSWORD_RESET_TTL_MINUTES,
    requireEmailVerification: env.REQUIRE_EMAIL_VERIFICATION,
  };
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
