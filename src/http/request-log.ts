import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../lib/logger';

// One log line per request (pino-http), with a request ID (the caller's X-Request-Id or a new
// one). pino-http binds the request to a child logger on every request, whatever the level, so
// the request is reduced to what a log reader needs: headers (credentials among them) stay out,
// which keeps that per-request cost small and nothing secret to redact.

function requestSummary(req: { id?: unknown; method?: string; url?: string; remoteAddress?: string; headers?: IncomingMessage['headers'] }) {
  return { id: req.id, method: req.method, url: req.url, remoteAddress: req.remoteAddress, userAgent: req.headers?.['user-agent'] };
}

/**
 * Request lines are `info`; at a quieter level the middleware is left out altogether (failures are
 * still logged by the error handler), since pino-http pays its per-request cost at any level.
 */
export function requestLogger(logger: Logger): RequestHandler {
  if (!logger.isLevelEnabled('info')) return (_req, _res, next) => next();
  return pinoHttp({
    logger,
    genReqId: (req) => (req.headers['x-request-id'] as string | undefined) || randomUUID(),
    serializers: { req: requestSummary },
    autoLogging: { ignore: (req) => req.url === '/healthz' },
  });
}
