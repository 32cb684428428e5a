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

/** Writes JSON lines to standard output, or to `destination` (tests that read the log). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'mode-bridge' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
