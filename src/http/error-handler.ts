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

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = toAppError(error) ?? fromBodyParser(error as BodyParserError) ?? fromHttpLayer(error);
    if (!known) {
      logger.error({ err: error, method: req.method, route: loggedRoute(req) }, 'unhandled error');
    } else if (known.status >= 500) {
      logger.warn({ code: known.code, method: req.method, route: loggedRoute(req), cause: describe(error) }, known.message);
    }
    const appError = known ?? new AppError(500, 'internal_error', 'Something went wrong on our side');
    if (res.headersSent) return void res.end();
    if (appError instanceof DatabaseUnavailableError) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
    const body: { code: string; message: string; details?: unknown } = { code: appError.code, message: appError.message };
    if (appError.details !== undefined) body.details = appError.details;
    res.status(appError.status).json({ error: body });
  };
}

function describe(error: unknown): string | undefined {
  return error instanceof Error ? `${error.name}: ${error.message}` : undefined;
}
