import pino, { type Logger } from 'pino';

export type { Logger };

// Anything that can carry a credential is censored before it reaches the log.
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-mode-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
  '*.apiKey',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.key',
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'mode-bridge' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
