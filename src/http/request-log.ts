import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../lib/logger';

// One short log line per request (pino-http), with a request ID (the caller's X-Request-Id or a
// new one). Paths carry secrets (invitation, reset and verification tokens), and query strings
// carry filters and cursors, so a line names the route template, never the path the caller sent:
// a request no route matched has every segment that is not a plain word replaced. Headers stay
// out both ways (credentials among them, and about 1.5 kB of response headers a line).

const PLAIN_SEGMENT = /^[a-z][a-z0-9_-]{0,31}$/i;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** What a log may say of where a request went: `/v1/invitations/:token`, never the token. */
export function loggedRoute(req: Pick<Request, 'route' | 'baseUrl' | 'path'> | IncomingMessage): string {
  const express = req as Partial<Pick<Request, 'route' | 'baseUrl' | 'path' | 'url'>>;
  if (express.route?.path && typeof express.route.path === 'string') return `${express.baseUrl ?? ''}${express.route.path}`;
  const path = (express.url ?? '').split('?')[0] ?? '';
  return path
    .split('/')
    .map((segment) => (segment === '' || PLAIN_SEGMENT.test(segment) ? segment : ':redacted'))
    .join('/');
}

/** The ID a request's log line carries: the caller's X-Request-Id only when it cannot be used to forge lines, else a new one. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

// Serialized when the request starts, before routing: the route is added when it ends.
function requestSummary(req: { id?: unknown; method?: string; remoteAddress?: string; headers?: IncomingMessage['headers'] }) {
  return { id: req.id, method: req.method, remoteAddress: req.remoteAddress, userAgent: req.headers?.['user-agent'] };
}

const withRoute = (req: IncomingMessage, _res: ServerResponse, line: object) => ({ ...line, route: loggedRoute(req) });

function responseSummary(res: { statusCode?: number }) {
  return { statusCode: res.statusCode };
}

const answeredMessage = (statusCode: number) => (statusCode >= 500 ? 'request failed' : 'request completed');

/** The line requestLogger writes, for a request answered without Express (the Event Webhook). */
export function logAnsweredRequest(logger: Logger, req: IncomingMessage, route: string, statusCode: number, responseTimeMs: number): void {
  if (!logger.isLevelEnabled('info')) return;
  const line = {
    req: requestSummary({ id: requestIdOf(req), method: req.method, remoteAddress: req.socket.remoteAddress, headers: req.headers }),
    res: responseSummary({ statusCode }),
    responseTime: responseTimeMs,
    route,
  };
  if (statusCode >= 500) logger.error(line, answeredMessage(statusCode));
  else logger.info(line, answeredMessage(statusCode));
}

/**
 * Request lines are `info`; at a quieter level the middleware is left out altogether (failures are
 * still logged by the error handler), since pino-http pays its per-request cost at any level.
 */
export function requestLogger(logger: Logger): RequestHandler {
  if (!logger.isLevelEnabled('info')) return (_req, _res, next) => next();
  return pinoHttp({
    logger,
    genReqId: requestIdOf,
    serializers: { req: requestSummary, res: responseSummary },
    customSuccessObject: withRoute,
    customErrorObject: withRoute,
    // pino-http's own error message would repeat the raw URL; the route is in `route`.
    customSuccessMessage: (_req: IncomingMessage, res: ServerResponse) => answeredMessage(res.statusCode),
    customErrorMessage: () => 'request failed',
    autoLogging: { ignore: (req) => req.url === '/healthz' },
  });
}
