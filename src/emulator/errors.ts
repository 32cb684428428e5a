/** MODE-style failures: every error answer is `{"reason": "UPPER_SNAKE"}` with a status. */

export class ModeError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message?: string,
  ) {
    super(message ?? reason);
  }
}

export const authRequired = () => new ModeError(401, 'AUTH_REQUIRED');
export const invalidApiKey = () => new ModeError(401, 'INVALID_API_KEY');
export const accessDenied = () => new ModeError(403, 'ACCESS_DENIED');
export const notFound = () => new ModeError(404, 'RESOURCE_NOT_FOUND');

/**
 * The reference answers 403 "invalid data or denied permission" for most writes, so bad input is a
 * 403 there; reads whose reference lists no such 403 get a 400.
 */
export const invalidInput = (status: 400 | 403 = 403, reason = 'INVALID_INPUT') =>
  new ModeError(status, reason);

const reasonsByStatus: Record<number, string> = {
  400: 'INVALID_INPUT',
  401: 'AUTH_REQUIRED',
  403: 'ACCESS_DENIED',
  404: 'RESOURCE_NOT_FOUND',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

export function reasonForStatus(status: number): string {
  return reasonsByStatus[status] ?? 'ERROR';
}
