import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, DatabaseUnavailableError, NotFoundError, ValidationError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { toAppError } from './error-mapping';
import { fromHttpLayer } from './hostile-input';
import { loggedRoute } from './request-log';

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${loggedRoute(req)}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
}

function fromBodyParser(error: BodyParserError): AppError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new ValidationError([{ field: 'body', message: 'Malformed JSON' }], 'The request body is not valid JSON');
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', 'The request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_media_type', 'Unsupported body encoding');
    default:
      return undefined;
  }
}

/**
 * Any error as the AppError a client is answered with: known ones mapped (a 5xx logged as a
 * warning with its cause), anything else logged with its stack and answered as a generic 500.
 */
export function resolveError(logger: Logger): (error: unknown, req: IncomingMessage) => AppError {
  return (error, req) => {
    const known = toAppError(error) ?? fromBodyParser(error as BodyParserError) ?? fromHttpLayer(error);
    if (!known) {
      logger.error({ err: error, method: req.method, route: loggedRoute(req) }, 'unhandled error');
    } else if (known.status >= 500) {
      logger.warn({ code: known.code, method: req.method, route: loggedRoute(req), cause: describe(error) }, known.message);
    }
    return known ?? new AppError(500, 'internal_error', 'Something went wrong on our side');
  };
}

/** The JSON an API error is answered with: `{ error: { code, message, details? } }`. */
export function errorBody(error: AppError): { error: { code: string; message: string; details?: unknown } } {
  const body: { code: string; message: string; details?: unknown } = { code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return { error: body };
}

/** Headers an error's answer carries, whatever its body (JSON here, an HTML page for pages). */
export function setErrorHeaders(res: ServerResponse, error: AppError): void {
  if (error instanceof DatabaseUnavailableError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  const resolve = resolveError(logger);
  return (error: unknown, req, res, _next) => {
    const appError = resolve(error, req);
    if (res.headersSent) return void res.end();
    setErrorHeaders(res, appError);
    res.status(appError.status).json(errorBody(appError));
  };
}

function describe(error: unknown): string | undefined {
  return error instanceof Error ? `${error.name}: ${error.message}` : undefined;
}
