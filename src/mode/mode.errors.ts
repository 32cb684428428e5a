// Typed failures of calls to MODE. The bridge's HTTP layer matches them with `instanceof` or
// `code`: a definite refusal from MODE (ModeApiError) versus MODE being broken, down or slow.

export type ModeErrorCode =
  | 'mode_api_error'
  | 'mode_unauthorized'
  | 'mode_forbidden'
  | 'mode_not_found'
  | 'mode_bad_gateway'
  | 'mode_unavailable'
  | 'mode_timeout';

/** Where a failed call went. `path` is the real path and query; `route` is its template. */
export interface ModeCallContext {
  method: string;
  path: string;
  route: string;
}

export abstract class ModeError extends Error {
  abstract readonly code: ModeErrorCode;
  readonly method: string;
  readonly path: string;
  readonly route: string;

  constructor(message: string, context: ModeCallContext, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.method = context.method;
    this.path = context.path;
    this.route = context.route;
  }
}

function describe(context: ModeCallContext, outcome: string, reason?: string): string {
  return `MODE ${context.method} ${context.path} ${outcome}${reason ? `: ${reason}` : ''}`;
}

/** MODE answered with a 4xx: the request was understood and refused. */
export class ModeApiError extends ModeError {
  readonly code: ModeErrorCode = 'mode_api_error';

  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    context: ModeCallContext,
  ) {
    super(describe(context, `answered ${status}`, reason), context);
  }
}

export class ModeUnauthorizedError extends ModeApiError {
  override readonly code = 'mode_unauthorized';
}

export class ModeForbiddenError extends ModeApiError {
  override readonly code = 'mode_forbidden';
}

export class ModeNotFoundError extends ModeApiError {
  override readonly code = 'mode_not_found';
}

/** MODE failed (500, 502, 504, other 5xx) or answered something the client cannot read. */
export class ModeBadGatewayError extends ModeError {
  readonly code = 'mode_bad_gateway';

  constructor(
    message: string,
    context: ModeCallContext,
    readonly status?: number,
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(describe(context, message, reason), context, options);
  }
}

/**
 * How MODE was found unavailable. `connection` (no connection could be made), `circuit_open` and
 * `closed` mean no request was sent; `dropped` means the connection broke once it was open, so
 * MODE may have received the request.
 */
export type ModeUnavailableKind = 'connection' | 'dropped' | 'status' | 'circuit_open' | 'closed';

/** MODE could not be reached, answered 503, or the circuit breaker is failing fast. */
export class ModeUnavailableError extends ModeError {
  readonly code = 'mode_unavailable';

  constructor(
    readonly kind: ModeUnavailableKind,
    message: string,
    context: ModeCallContext,
    readonly status?: number,
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(describe(context, message, reason), context, options);
  }
}

export type ModeTimeoutPhase = 'connect' | 'response';

/** No connection within the connect timeout, or no complete answer within the response timeout. */
export class ModeTimeoutError extends ModeError {
  readonly code = 'mode_timeout';

  constructor(
    readonly phase: ModeTimeoutPhase,
    context: ModeCallContext,
    options?: { cause?: unknown },
  ) {
    super(describe(context, `timed out (${phase})`), context, options);
  }
}

/** Turns a non-2xx status and MODE's `reason` into the matching error. */
export function errorForStatus(status: number, reason: string | undefined, context: ModeCallContext): ModeError {
  if (status === 401) return new ModeUnauthorizedError(status, reason, context);
  if (status === 403) return new ModeForbiddenError(status, reason, context);
  if (status === 404) return new ModeNotFoundError(status, reason, context);
  if (status >= 400 && status < 500) return new ModeApiError(status, reason, context);
  if (status === 503) return new ModeUnavailableError('status', 'answered 503', context, status, reason);
  return new ModeBadGatewayError(`answered ${status}`, context, status, reason);
}
