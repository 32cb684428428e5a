// Domain errors: services throw these; the HTTP error middleware turns each into the
// contract's `{ error: { code, message, details? } }` body with its status.

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldIssue {
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(details: FieldIssue[], message = 'The request is not valid') {
    super(400, 'validation_failed', message, details);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication is required', code = 'unauthenticated') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this', code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found') {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class RateLimitedError extends AppError {
  constructor(message = 'Too many requests, slow down') {
    super(429, 'rate_limited', message);
  }
}

export class UpstreamError extends AppError {
  constructor(message = 'MODE answered with an error') {
    super(502, 'upstream_error', message);
  }
}

export class UpstreamUnavailableError extends AppError {
  constructor(message = 'MODE is unavailable, try again later') {
    super(503, 'upstream_unavailable', message);
  }
}

export class UpstreamTimeoutError extends AppError {
  constructor(message = 'MODE did not answer in time') {
    super(504, 'upstream_timeout', message);
  }
}

/** The database cannot be reached (down, restarting, out of connections): nothing was changed, try again. */
export class DatabaseUnavailableError extends AppError {
  /** Seconds a client should wait before trying again, sent as Retry-After. */
  readonly retryAfterSeconds = 5;

  constructor(message = 'The database is unavailable, try again later') {
    super(503, 'database_unavailable', message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string) {
    super(503, 'service_unavailable', message);
  }
}
