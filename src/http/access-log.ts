import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../lib/logger';

/**
 * One log line per answered request, at info level, with the request ID from X-Request-Id (or a
 * new one). pino-http gives every request a child logger, serializing and redacting the request up
 * front (about a fifth of what a proxied request allocates); when the level is above info it would
 * never write, so then there is no such middleware at all.
 */
export function accessLog(logger: Logger): RequestHandler | undefined {
  if (!logger.isLevelEnabled('info')) return undefined;
  return pinoHttp({
    logger,
    genReqId: (req) => (req.headers['x-request-id'] as string) || randomUUID(),
    autoLogging: { ignore: (req) => req.url === '/healthz' },
  });
}
